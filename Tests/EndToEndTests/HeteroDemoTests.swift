import ChimeraCore
import ChimeraScheduler
import Foundation
import XCTest

/// The heterogeneous ping-pong demo (`kernels/`) on the `hetero` board, through the `chimera`
/// command and through the Swift API.
final class HeteroDemoTests: XCTestCase {
    /// `chimera run hetero` prints the golden lines from both architectures, exits 0, and does
    /// so identically (stdout bytes and trace hash) when run again.
    func testChimeraRunHeteroPrintsGoldenOutputTwice() throws {
        let kernels = try EndToEnd.demoKernels()
        let arguments = ["run", "hetero", "--kernel", "arm=\(kernels.arm)", "--kernel", "x86=\(kernels.x86)"]
        let first = try EndToEnd.chimera(arguments)
        XCTAssertFalse(first.timedOut, "chimera run hetero did not finish; stderr:\n\(first.stderr)")
        XCTAssertEqual(first.status, 0, "exit status; stderr:\n\(first.stderr)")
        let text = first.stdoutText
        XCTAssertTrue(text.contains("[arm] hello from AArch64"), "no ARM greeting in:\n\(text)")
        XCTAssertTrue(text.contains("[x86] hello from x86-64"), "no x86 greeting in:\n\(text)")
        XCTAssertTrue(text.contains("[arm] 8/8 rounds passed, exiting with 0"), "no ARM summary in:\n\(text)")
        try EndToEnd.assertGolden(text, "hetero-demo.txt")
        let hash = EndToEnd.traceHash(inSummary: first.stderr)
        XCTAssertNotNil(hash, "no trace hash in the summary line:\n\(first.stderr)")

        let second = try EndToEnd.chimera(arguments)
        XCTAssertEqual(second.status, 0, "second run; stderr:\n\(second.stderr)")
        XCTAssertEqual(second.stdout, first.stdout, "stdout differs between two identical runs")
        XCTAssertEqual(EndToEnd.traceHash(inSummary: second.stderr), hash, "trace hash differs between two identical runs")
    }

    /// The demo through the Swift API prints what the CLI prints, per UART and merged.
    func testSwiftAPIRunMatchesGolden() throws {
        let run = try EndToEnd.runDemo()
        XCTAssertEqual(run.outcome, .exited(code: 0, reason: "/machine/sim-control exit register"))
        try EndToEnd.assertGolden(run.merged, "hetero-demo.txt")
        let lines = run.merged.split(separator: "\n")
        XCTAssertEqual(run.arm, lines.filter { $0.hasPrefix("[arm]") }.map { $0 + "\n" }.joined())
        XCTAssertEqual(run.x86, lines.filter { $0.hasPrefix("[x86]") }.map { $0 + "\n" }.joined())
        XCTAssertEqual(lines.filter { $0.hasPrefix("[arm] round") && $0.hasSuffix(" ok") }.count, 8, run.merged)
        XCTAssertEqual(lines.filter { $0.hasPrefix("[x86] round") }.count, 8, run.merged)
    }

    /// Repeated runs give the same trace hash and output.
    func testRepeatedRunsAreIdentical() throws {
        let first = try EndToEnd.runDemo()
        let second = try EndToEnd.runDemo()
        XCTAssertEqual(first, second)
    }

    /// With the mailbox latency at least the largest quantum, no core can run past a message's
    /// arrival time, so arrival times, every core's instruction count and thus the trace hash
    /// are the same for quanta of 1 µs, 10 µs and 1 ms (Documentation/Devices.md, "Why the
    /// quantum does not change the result").
    func testTraceHashIsIndependentOfTheQuantum() throws {
        let latency = [("mailbox-latency", "1ms")]
        let runs = try ["1us", "10us", "1ms"].map { try EndToEnd.runDemo(quantum: $0, parameters: latency) }
        XCTAssertEqual(runs[0].outcome, .exited(code: 0, reason: "/machine/sim-control exit register"))
        try EndToEnd.assertGolden(runs[0].merged, "hetero-demo.txt")
        for (run, quantum) in zip(runs.dropFirst(), ["10us", "1ms"]) {
            XCTAssertEqual(run.outcome, runs[0].outcome, "outcome at quantum \(quantum)")
            XCTAssertEqual(run.merged, runs[0].merged, "output at quantum \(quantum)")
            XCTAssertEqual(run.instructions, runs[0].instructions, "instructions at quantum \(quantum)")
            // The hash also covers each core's final local time; a core scheduled after the one
            // that exits must not be advanced past the exit (Sources/Scheduler/Simulation.swift).
            XCTAssertEqual(run.traceHash, runs[0].traceHash, "trace hash at quantum \(quantum) differs from 1us")
        }
    }

    /// With the board's default 1 µs mailbox latency a core may find a word later than it
    /// arrived (the quantum decides by how much), but the demo synchronises only through the
    /// mailbox, so what every UART prints — and the merged order — does not change.
    func testOutputIsIndependentOfTheQuantumAtDefaultLatency() throws {
        let runs = try ["1us", "10us", "1ms"].map { try EndToEnd.runDemo(quantum: $0) }
        for (run, quantum) in zip(runs, ["1us", "10us", "1ms"]) {
            XCTAssertEqual(run.outcome, .exited(code: 0, reason: "/machine/sim-control exit register"), "quantum \(quantum)")
            XCTAssertEqual(run.merged, runs[0].merged, "merged output at quantum \(quantum)")
            XCTAssertEqual(run.arm, runs[0].arm, "ARM UART at quantum \(quantum)")
            XCTAssertEqual(run.x86, runs[0].x86, "x86 UART at quantum \(quantum)")
        }
    }

    /// Two machines running at once on two threads in one process give the same result as one
    /// machine alone: nothing is shared between machines.
    func testTwoMachinesOnTwoThreads() throws {
        let reference = try EndToEnd.runDemo()
        let results = ResultBox(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            results.set(index, Result { try EndToEnd.runDemo() })
        }
        for (index, result) in results.values.enumerated() {
            let run = try XCTUnwrap(result, "thread \(index) produced nothing").get()
            XCTAssertEqual(run, reference, "thread \(index)")
        }
    }
}

/// Results written by concurrent workers, one slot each.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<EndToEnd.DemoRun, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<EndToEnd.DemoRun, any Error>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [Result<EndToEnd.DemoRun, any Error>?] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
