import ArgumentParser
import ChimeraCore
import ChimeraScheduler
import ChimeraBoards
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `chimera run BOARD …`: build, realize and run a board.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a board. The process exits with the guest's exit code.",
        discussion: """
            Examples:
              chimera run hetero --kernel arm=kernels/build/arm.elf --kernel x86=kernels/build/x86.elf
              chimera run virt-arm64 --kernel cpu[0]=hello.elf --until uart=PASS
            """)

    @Argument(help: "Board name (see `chimera boards`) or path to a board file.")
    var board: String

    @OptionGroup var machineOptions: MachineOptions

    @Option(name: .long, help: "Stop condition: exit (default), time=DURATION, uart=TEXT or instructions=N.")
    var until: String = "exit"

    @Option(name: .long, help: "Write a per-instruction trace to FILE ('-' for stderr). Slow: cores single-step.")
    var trace: String?

    @Option(name: .customLong("event-trace"), help: "Write device events to FILE ('-' for stderr).")
    var eventTrace: String?

    @Option(name: .long, help: "Write a Chrome/Perfetto trace-event timeline to FILE.")
    var timeline: String?

    @Option(name: .long, help: "Write the host-input record (JSON lines) to FILE for replay.")
    var record: String?

    @Option(name: .long, help: "Replay host input from a record written by --record.")
    var replay: String?

    @Flag(name: .long, help: "Send UART output only to the serial log, not to stdout.")
    var quiet = false

    func run() throws {
        let registry = standardRegistry()
        let result: RunResult
        do {
            let (machine, _) = try machineOptions.buildMachine(board: board, registry: registry)
            if quiet {
                for object in machine.subtree where object.propertyDescriptors.contains(where: { $0.name == "output" }) {
                    if object.stringProperty("output") == "stdout" { try object.setProperty("output", "buffer") }
                }
            }
            machine.warningObserver = { message in printError("warning: \(message)") }
            try machine.realizeMachine()
            let limits = try parseLimits(until)
            let inputRecord = try replay.map { path throws(ChimeraError) in
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ChimeraError(.generic, "cannot read the record", at: ErrorLocation(file: path))
                }
                return try InputRecord(jsonLines: text)
            }
            let simulation = try Simulation(machine: machine, replaying: inputRecord)
            let traceSink = try trace.map { try TextSink(path: $0) }
            let eventSink = try eventTrace.map { try TextSink(path: $0) }
            if let traceSink { simulation.instructionTrace = { traceSink.write($0) } }
            if let eventSink { simulation.eventTrace = { eventSink.write($0) } }
            if timeline != nil { simulation.timeline = Timeline() }
            let progress = ProgressLine()
            if progress.enabled {
                simulation.boundaryHook = { sim in progress.update(sim) }
            }
            result = simulation.run(limits)
            progress.finish()
            traceSink?.close()
            eventSink?.close()
            if let timeline, let json = simulation.timeline?.json {
                try? json.write(toFile: timeline, atomically: true, encoding: .utf8)
            }
            if let record { try? (result.inputRecord.jsonLines + "\n").write(toFile: record, atomically: true, encoding: .utf8) }
        } catch let error as ChimeraError {
            throw fail(error)
        }
        printError(summary(result))
        throw ExitCode(result.exitStatus)
    }

    func parseLimits(_ text: String) throws(ChimeraError) -> RunLimits {
        if text == "exit" { return .untilExit }
        guard let eq = text.firstIndex(of: "=") else {
            throw ChimeraError(.generic, "invalid --until '\(text)': expected exit, time=10ms, uart=TEXT or instructions=N")
        }
        let key = text[..<eq], value = String(text[text.index(after: eq)...])
        switch key {
        case "time": return RunLimits(deadline: try VirtualTime(parsing: value))
        case "uart": return RunLimits(outputPattern: value)
        case "instructions":
            guard let n = UInt64(value.replacingOccurrences(of: "_", with: "")) else {
                throw ChimeraError(.generic, "invalid --until instructions=\(value): expected a whole number")
            }
            return RunLimits(instructionBudget: n)
        default:
            throw ChimeraError(.generic, "invalid --until '\(text)': expected exit, time=…, uart=… or instructions=…")
        }
    }

    func summary(_ result: RunResult) -> String {
        let what: String
        switch result.outcome {
        case .exited(let code, let reason): what = "exit code \(code) (\(reason))"
        case .deadlineReached: what = "deadline reached"
        case .budgetSpent: what = "instruction budget spent"
        case .outputMatched: what = "UART output matched"
        case .paused: what = "paused"
        case .deadlock(let cores):
            what = "deadlock: every core waits and no event is pending\n" + cores.map { "  \($0)" }.joined(separator: "\n")
        case .guestFault(let fault): what = "guest fault: \(fault)"
        }
        return "chimera: \(what); virtual time \(result.time), \(result.instructions) instructions, trace hash \(result.traceHash)"
    }
}

func printError(_ line: String) {
    var stderr = StandardError()
    print(line, to: &stderr)
}

/// A line-oriented output file (or stderr for "-").
final class TextSink {
    private let file: UnsafeMutablePointer<FILE>?
    private let isStderr: Bool

    init(path: String) throws(ChimeraError) {
        if path == "-" { file = nil; isStderr = true; return }
        guard let f = fopen(path, "w") else { throw ChimeraError(.generic, "cannot write", at: ErrorLocation(file: path)) }
        file = f
        isStderr = false
    }

    func write(_ line: String) {
        if isStderr { printError(line); return }
        fputs(line + "\n", file)
    }

    func close() { if let file { fclose(file) } }
}

/// A one-line progress display on stderr for long runs, only when stderr
/// is a terminal. It reads the host clock only to decide when to redraw;
/// nothing it does reaches the simulation.
final class ProgressLine {
    let enabled = isatty(2) != 0
    private var lastDraw: UInt64 = 0
    private var drawn = false

    func update(_ sim: Simulation) {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let now = UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        if lastDraw == 0 { lastDraw = now; return }
        guard now - lastDraw > 500_000_000 else { return }
        lastDraw = now
        drawn = true
        let mips = Double(sim.instructions) / 1e6
        let text = "\r[chimera] virtual \(sim.time)  \(String(format: "%.1f", mips))M instructions "
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }

    func finish() { if drawn { _ = "\r\u{1B}[K".withCString { Glibc.write(2, $0, strlen($0)) } } }
}
