import ArgumentParser
import ChimeraCore
import ChimeraScheduler
import ChimeraBoards
import ChimeraGDB
import ChimeraMonitor
import ChimeraKit
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

    @Argument(help: "Board name (see `chimera boards`) or path to a board file. Omit it with --preconfig to build a machine entirely over QMP.")
    var board: String?

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

    @Option(name: .long, help: ArgumentHelp("Where typed input goes: auto (default: when stdin is a terminal, the UART printing on stdout), none, or a UART's path (then stdin may be a pipe or file). The terminal is raw, so Ctrl-C reaches the guest; Ctrl-A x quits, Ctrl-A h lists the console keys. --record keeps what was typed.", valueName: "auto|none|path"))
    var console = "auto"

    @Option(name: .long, help: ArgumentHelp("Serve QMP on unix:PATH or tcp:127.0.0.1:PORT (repeatable).", valueName: "endpoint"))
    var qmp: [String] = []

    @Flag(name: .customLong("qmp-allow-remote"), help: "Allow QMP on non-loopback TCP addresses.")
    var qmpAllowRemote = false

    @Flag(name: .long, help: "Wait for QMP clients to build or adjust the machine until x-exit-preconfig.")
    var preconfig = false

    @Flag(name: [.customShort("S"), .customLong("gdb-wait")],
          help: "Realize, then hold the machine at reset until QMP 'cont' or a debugger (--gdb) continues it.")
    var startPaused = false

    @Option(name: .long, help: ArgumentHelp("Serve gdb's remote protocol on tcp:[HOST]:PORT (loopback unless HOST is given): every cluster a process, every core a thread. Repeatable: SELECTOR=tcp:[HOST]:PORT serves the clusters SELECTOR names (as for --kernel) on a port of their own, and the plain form the rest; see Documentation/Debugging.md.", valueName: "[selector=]endpoint"))
    var gdb: [String] = []

    @Flag(name: .customShort("s"), help: "Shorthand for --gdb tcp::1234.")
    var gdbDefault = false

    @Option(name: .customLong("qmp-record"), help: "Record every QMP command with its virtual time to FILE (JSON lines).")
    var qmpRecord: String?

    @Option(name: .long, help: "Replay commands recorded with --qmp-record at their virtual times, without a client.")
    var commands: String?

    func validate() throws {
        if board == nil && !preconfig { throw ValidationError("give a BOARD, or --preconfig with --qmp to build the machine over QMP") }
        if (preconfig || qmpRecord != nil) && qmp.isEmpty { throw ValidationError("--preconfig and --qmp-record need --qmp") }
        if startPaused && qmp.isEmpty && gdbPorts.isEmpty { throw ValidationError("-S (--gdb-wait) needs --qmp or --gdb to continue the machine") }
        if !gdb.isEmpty && gdbDefault { throw ValidationError("-s is --gdb tcp::1234; give one of them") }
        if preconfig && !gdbPorts.isEmpty { throw ValidationError("--gdb attaches to a built machine; it does not combine with --preconfig") }
        if commands != nil && !qmp.isEmpty { throw ValidationError("--commands replays a record without a monitor; drop --qmp") }
    }

    /// `--gdb` (each), or `-s`'s default.
    var gdbPorts: [String] { gdbDefault ? ["tcp::1234"] : gdb }

    /// Starts a GDB stub on the realized machine (`--gdb`, `-s`, QMP `gdbserver`).
    func startGDB(_ machine: Machine, on arguments: [String], wait: Bool) throws(ChimeraError) -> GDBStub {
        let ports = try GDBPorts.parse(arguments, in: machine)
        let stub = try GDBStub(machine: machine, ports: ports, allowRemote: true, waitForDebugger: wait)
        let dispatcher = try MonitorDispatcher(machine: machine)
        stub.monitorCommand = { dispatcher.humanCommand($0) }
        stub.log = { printError($0) }
        for line in stub.connectionHints() { printError(line) }
        if wait { printError("gdb: the machine waits at reset for the debugger to continue it") }
        return stub
    }

    func run() throws {
        let registry = standardRegistry()
        var result: RunResult?
        var exitStatus: Int32 = 0
        do {
            let machine = try board.map { board throws(ChimeraError) in try machineOptions.buildMachine(board: board, registry: registry).0 }
                ?? Machine(registry: registry)
            if quiet { try ChimeraKit.silenceUARTs(machine) }
            machine.warningObserver = { message in printError("warning: \(message)") }
            let limits = try parseLimits(until)
            let fileLimit = machine.limits.fileSize
            let inputRecord = try replay.map { path throws(ChimeraError) in
                try InputRecord(jsonLines: try HostFile.readText(path, limit: fileLimit, what: "input record"))
            }
            // Output files are checked (and created) before the run, so a bad path fails at once, not after it.
            if let timeline { try HostFile.write("", to: timeline, what: "timeline") }
            if let record { try HostFile.write("", to: record, what: "input record") }
            let traceSink = try trace.map { try TextSink(path: $0) }
            let eventSink = try eventTrace.map { try TextSink(path: $0) }
            var simulation: Simulation?
            // Replayed runs take their input from the record only.
            let consoleDevice = replay == nil ? try Console.device(in: machine, choice: console) : nil
            var attached: Console?
            defer { attached?.stop() }
            if !gdbPorts.isEmpty && machine.state != .realized { try machine.realizeMachine() }
            var stub = gdbPorts.isEmpty ? nil : try startGDB(machine, on: gdbPorts, wait: startPaused)
            defer { stub?.close() }
            let configure: (Simulation) -> Void = { sim in
                sim.debugger = stub
                if let consoleDevice {
                    let c = Console(devicePath: consoleDevice, control: sim.control)
                    sim.idlePacer = { c.pace(from: $0, to: $1) }
                    c.start()
                    attached = c
                }
                if let traceSink { sim.instructionTrace = { traceSink.write($0) } }
                if let eventSink { sim.eventTrace = { eventSink.write($0) } }
                if timeline != nil { sim.timeline = Timeline() }
                simulation = sim
            }
            if let commands {
                let text = try HostFile.readText(commands, limit: fileLimit, what: "command record")
                let recorded = try RecordedCommand.parse(text, file: commands)
                try machine.realizeMachine()
                result = try runReplayingCommands(recorded, machine: machine, limits: limits, configure: configure)
                exitStatus = result!.exitStatus
            } else if qmp.isEmpty {
                guard !machine.cpus.isEmpty else {
                    throw ChimeraError(.generic, "the board has no cores, so there is nothing to run (chimera check builds it without running)")
                }
                try machine.realizeMachine()
                let sim = try Simulation(machine: machine, replaying: inputRecord)
                configure(sim)
                let progress = ProgressLine(console: attached != nil)
                if progress.enabled { sim.boundaryHook = { progress.update($0) } }
                result = sim.run(limits)
                progress.finish()
                exitStatus = result!.exitStatus
            } else {
                var endpoints: [MonitorEndpoint] = []
                for e in qmp { endpoints.append(try MonitorEndpoint(parsing: e)) }
                let run = try runMonitored(machine: machine, endpoints: endpoints, allowRemote: qmpAllowRemote,
                                           options: MonitorRunOptions(preconfig: preconfig, startPaused: startPaused && stub == nil,
                                                                      limits: limits,
                                                                      recordPath: qmpRecord),
                                           configure: configure,
                                           configureMonitor: { dispatcher in
                    dispatcher.startGDBServer = { text throws(ChimeraError) in
                        if let running = stub { throw ChimeraError(.generic, "gdbserver: a GDB stub already serves this machine on \(running.endpoint)") }
                        let started = try startGDB(machine, on: [text], wait: false)
                        dispatcher.simulation?.debugger = started
                        stub = started
                        return started.endpoint.description
                    }
                })
                result = run.result
                exitStatus = run.exitStatus
            }
            if let stub, let result { stub.runEnded(result) }
            try traceSink?.close()
            try eventSink?.close()
            if let timeline, let json = simulation?.timeline?.json {
                try HostFile.write(json, to: timeline, what: "timeline")
            }
            if let record, let result {
                try HostFile.write(result.inputRecord.jsonLines + "\n", to: record, what: "input record")
            }
            attached?.stop()
            if attached?.quit == true { exitStatus = 0; printError("\r\nchimera: quit from the console") }
        } catch let error as ChimeraError {
            throw fail(error)
        }
        if let result { printError(summary(result)) } else { printError("chimera: quit before the machine started") }
        throw ExitCode(exitStatus)
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
            what = "deadlock: every core waits and no event is pending\n"
                + (cores.isEmpty ? "  (no core is running or waiting)" : cores.map { "  \($0)" }.joined(separator: "\n"))
        case .guestFault(let fault): what = "guest fault: \(fault)"
        }
        return "chimera: \(what); virtual time \(result.time), \(result.instructions) instructions, trace hash \(result.traceHash)"
    }
}

func printError(_ line: String) {
    var stderr = StandardError()
    print(line, to: &stderr)
}

/// A line-oriented output file (or stderr for "-"). Only regular or new
/// files are opened (never a FIFO or /proc file), and a failed write is
/// reported when the sink closes instead of being lost.
final class TextSink {
    private let file: UnsafeMutablePointer<FILE>?
    private let path: String
    private var failed = false

    init(path: String) throws(ChimeraError) {
        self.path = path
        if path == "-" { file = nil; return }
        let fd = try HostFile.createForWriting(path, what: "trace")
        guard let f = fdopen(fd, "w") else {
            Glibc.close(fd)
            throw ChimeraError(.generic, "cannot write the trace", at: ErrorLocation(file: path))
        }
        file = f
    }

    func write(_ line: String) {
        guard let file else { printError(line); return }
        if !failed && fputs(line + "\n", file) < 0 { failed = true }
    }

    func close() throws(ChimeraError) {
        guard let file else { return }
        let flushed = fflush(file) == 0
        let closed = fclose(file) == 0
        guard flushed && closed && !failed else {
            throw ChimeraError(.generic, "writing the trace failed: \(String(cString: strerror(errno)))", at: ErrorLocation(file: path))
        }
    }
}

/// A one-line progress display on stderr for long runs, only when stderr
/// is a terminal. It reads the host clock only to decide when to redraw;
/// nothing it does reaches the simulation.
final class ProgressLine {
    /// Off when a console shares the terminal: the line would cut into the guest's output.
    let enabled: Bool
    init(console: Bool = false) { enabled = isatty(2) != 0 && !console }
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
