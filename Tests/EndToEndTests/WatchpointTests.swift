import ChimeraCore
import ChimeraScheduler
import Foundation
import XCTest

/// Data watchpoints on the `hetero` demo, without gdb: a debugger that
/// records each stop and resumes at once. Watched bytes in the shared RAM
/// fire on the x86 core's stores (stop after), the ARM core's loads and
/// stores (stop before, then through on resume) and a device's writes, and
/// no amount of stopping changes the run.
final class WatchpointTests: XCTestCase {
    /// Records the stops; resumes immediately.
    final class Recorder: SimulationDebugger {
        struct Stop: Equatable {
            var cpu: String
            var pc: UInt64
            var retired: UInt64
            var address: UInt64
            var write: Bool
        }
        var stops: [Stop] = []
        var wantsInterrupt: Bool { false }
        func stepTarget(of cpu: CPUDevice) -> UInt64? { nil }
        func debugStop(_ stop: DebugStop, in simulation: Simulation) {
            guard case .watchpoint(let hit) = stop else { return XCTFail("unexpected stop \(stop)") }
            stops.append(Stop(cpu: hit.cpu?.path ?? "device", pc: hit.cpu?.programCounter ?? 0,
                              retired: hit.cpu?.instructionsRetired ?? 0, address: hit.address, write: hit.write))
        }
    }

    struct Outcome {
        var result: RunResult
        var stops: [Recorder.Stop]
        var output: String
    }

    /// Runs the demo with `watches` set before the first instruction:
    /// (cluster whose address it is, address, length, kind). With
    /// `deviceWrite`, an event at 100 µs stores a word to the ARM cluster's
    /// 0x80000F00 (unused shared RAM) as a DMA engine would.
    func runDemo(watching watches: [(cluster: String, address: UInt64, length: UInt64, kind: MemoryWatchpoints.Kind)],
                 quantum: String? = nil, deviceWrite: Bool = false) throws -> Outcome {
        let kernels = try EndToEnd.demoKernels()
        let machine = try EndToEnd.machine(board: "hetero")
        try EndToEnd.silenceUARTs(machine)
        if let quantum { try machine.setProperty("quantum", parsing: quantum) }
        try machine.execute(.loadKernel(cpu: "/machine/arm/cpu[0]", file: kernels.arm))
        try machine.execute(.loadKernel(cpu: "/machine/x86/cpu[0]", file: kernels.x86))
        try machine.holdCoresWithoutKernels()
        try machine.realizeMachine()
        for w in watches {
            let cluster = try XCTUnwrap(machine.clusters.first { $0.path.hasSuffix("/" + w.cluster) })
            XCTAssertTrue(machine.insertWatchpoint(at: w.address, length: w.length, kind: w.kind, owner: 1,
                                                   memory: cluster.memory) { $0 })
        }
        if deviceWrite, let arm = machine.clusters.first(where: { $0.path.hasSuffix("/arm") }) {
            _ = machine.clock.schedule(at: .microseconds(100), "dma") { arm.memory.write(0x8000_0F00, size: 4, value: 7) }
        }
        let simulation = try Simulation(machine: machine)
        let recorder = Recorder()
        simulation.debugger = recorder
        let result = simulation.run(RunLimits(deadline: .milliseconds(500)))
        return Outcome(result: result, stops: recorder.stops, output: machine.serial.text)
    }

    func testWritesOfBothCoresAndReadsStopAndLeaveTheRunAsItWas() throws {
        let plain = try runDemo(watching: [])
        XCTAssertEqual(plain.stops, [])
        // The reply's round word: written by the x86 core once per round,
        // read by the ARM core when it checks the answer.
        let reply = try runDemo(watching: [("x86", 0xC000_0800, 4, .access)])
        let x86Writes = reply.stops.filter { $0.cpu == "/machine/x86/cpu[0]" }
        let armReads = reply.stops.filter { $0.cpu == "/machine/arm/cpu[0]" }
        XCTAssertEqual(x86Writes.count, 8, "\(reply.stops)")
        XCTAssertTrue(x86Writes.allSatisfy { $0.write && $0.address == 0xC000_0800 })
        XCTAssertFalse(armReads.isEmpty, "\(reply.stops)")
        XCTAssertTrue(armReads.allSatisfy { !$0.write })
        // The request's round word, which the ARM core writes.
        let request = try runDemo(watching: [("arm", 0x8000_0100, 4, .write)])
        XCTAssertEqual(request.stops.filter { $0.cpu == "/machine/arm/cpu[0]" && $0.write }.count, 8, "\(request.stops)")
        for run in [reply, request] {
            XCTAssertEqual(run.result.outcome, plain.result.outcome)
            XCTAssertEqual(run.result.traceHash, plain.result.traceHash)
            XCTAssertEqual(run.result.instructions, plain.result.instructions)
            XCTAssertEqual(run.result.time, plain.result.time)
            XCTAssertEqual(run.output, plain.output)
        }
    }

    func testStopsAreTheSameForEveryQuantum() throws {
        let reference = try runDemo(watching: [("x86", 0xC000_0800, 4, .access), ("arm", 0x8000_0100, 8, .write)])
        XCTAssertFalse(reference.stops.isEmpty)
        for quantum in ["10ns", "1us", "1ms"] {
            let run = try runDemo(watching: [("x86", 0xC000_0800, 4, .access), ("arm", 0x8000_0100, 8, .write)],
                                  quantum: quantum)
            XCTAssertEqual(run.stops, reference.stops, "quantum \(quantum)")
            XCTAssertEqual(run.result.traceHash, reference.result.traceHash, "quantum \(quantum)")
        }
    }

    func testADeviceWriteStopsTheMachineAfterTheEvent() throws {
        let plain = try runDemo(watching: [], deviceWrite: true)
        // Watched through the x86 cluster's window onto the same RAM.
        let watched = try runDemo(watching: [("x86", 0xC000_0F00, 4, .write)], deviceWrite: true)
        XCTAssertEqual(watched.stops, [Recorder.Stop(cpu: "device", pc: 0, retired: 0, address: 0xC000_0F00, write: true)])
        XCTAssertEqual(watched.result.traceHash, plain.result.traceHash)
        XCTAssertEqual(watched.result.instructions, plain.result.instructions)
    }
}
