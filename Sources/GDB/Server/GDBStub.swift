import ChimeraCore
import ChimeraMonitor
import ChimeraScheduler
import Dispatch
import Synchronization

/// A GDB remote stub for one machine (Documentation/Debugging.md): every
/// cluster gdb can describe is a process on one connection, each core a
/// thread, and the machine stops as a whole (all-stop).
///
/// Two threads of its own move bytes (`GDBConnection`); everything that
/// touches the machine happens on the simulation's thread, inside
/// `debugStop`, where the scheduler has every core at an instruction
/// boundary and waits for the stub to resume it. Breakpoints and steps are
/// checked by the cores and the scheduler at the same points a run without
/// gdb passes, so a debugged run ends with the same output and trace hash.
///
/// Sendable by hand: the connection's callbacks run on its threads and
/// touch only `interruptFlag` (atomic); every other field is used on the
/// simulation thread alone (`debugStop`, `runEnded`).
public final class GDBStub: SimulationDebugger, @unchecked Sendable {
    /// Where it listens, as bound (port 0 replaced by the real one).
    public var endpoint: MonitorEndpoint { connection.endpoint }
    /// Runs a human-monitor command for `monitor …` (qRcmd) and returns its output.
    public var monitorCommand: ((String) -> String)?
    /// Told when a debugger connects or goes.
    public var log: (String) -> Void = { _ in }

    let machine: Machine
    let view: GDBMachineView
    /// `p1.1`: the thread a stop names when its core is unknown.
    static let firstThread = GDBThreadID(process: .id(1), thread: .id(1))
    let connection: GDBConnection
    private let interruptFlag = Atomic<Bool>(false)
    /// `-S`: the first stop waits for a debugger to connect.
    private var waitingForDebugger: Bool

    // Simulation-thread state.
    var attached: [Int] = []
    var generalThread: CPUDevice?
    var stepTargets: [ObjectIdentifier: UInt64] = [:]
    var lastStopReply: String?
    var awaitingStop = false
    var physicalMemory = false
    var breakpointStops: [ObjectIdentifier: UInt64] = [:]
    /// The AArch64 thread a watchpoint stop named although another core or
    /// a device made the access (`stepsOverForeignAccess`).
    var foreignWatchStop: CPUDevice?
    /// What gdb's `qSupported` offered (only asked `contains`, never iterated).
    var peerFeatures: Set<String> = []
    private var resumeRequested = false

    /// Listens on `endpoint` (loopback only unless `allowRemote`). With
    /// `waitForDebugger`, the machine stays at reset until gdb continues it.
    public init(machine: Machine, endpoint: MonitorEndpoint, allowRemote: Bool = false,
                waitForDebugger: Bool = false) throws(ChimeraError) {
        self.machine = machine
        view = GDBMachineView(machine: machine)
        guard !view.processes.isEmpty else {
            throw ChimeraError.object(machine.path, "--gdb: no cluster here has cores gdb can describe (AArch64 or x86-64)")
        }
        connection = try GDBConnection(endpoint: endpoint, allowRemote: allowRemote)
        waitingForDebugger = waitForDebugger
        interruptFlag.store(waitForDebugger, ordering: .sequentiallyConsistent)
        connection.onConnect = { [unowned self] in
            // gdb expects a stopped target when it connects, as QEMU gives it.
            self.interruptFlag.store(true, ordering: .sequentiallyConsistent)
        }
        connection.onInterrupt = { [unowned self] in self.interruptFlag.store(true, ordering: .sequentiallyConsistent) }
        connection.start()
    }

    /// Stops listening and drops the client.
    public func close() { connection.close() }

    /// The `target extended-remote` line and the ELF of each process, for the user.
    public func connectionHints() -> [String] {
        let address: String
        switch endpoint {
        case .tcp(let host, let port): address = (host == "127.0.0.1" ? "" : host) + ":\(port)"
        case .unix(let path): address = path
        }
        return view.processes.map { p in
            let elf = p.cores.lazy.compactMap(\.kernelFile).first ?? "KERNEL.elf"
            return "gdb: \(p.cluster.path) is process \(p.pid) (\(p.description.architecture)): "
                + "gdb-multiarch -ex 'file \(elf)' -ex 'target extended-remote \(address)'"
        }
    }

    // MARK: SimulationDebugger

    public var wantsInterrupt: Bool { interruptFlag.load(ordering: .sequentiallyConsistent) }

    public func stepTarget(of cpu: CPUDevice) -> UInt64? {
        stepTargets.isEmpty ? nil : stepTargets[ObjectIdentifier(cpu)]
    }

    public func debugStop(_ stop: DebugStop, in simulation: Simulation) {
        interruptFlag.store(false, ordering: .sequentiallyConsistent)
        // Nobody to stop for: a client that asked has gone, and -S has been served.
        guard connection.isConnected || waitingForDebugger else { return }
        waitingForDebugger = false
        let reply = stopReply(for: stop)
        lastStopReply = reply
        stepTargets.removeAll()
        if awaitingStop, connection.isConnected {
            connection.send(reply)
            awaitingStop = false
        }
        serveUntilResumed()
    }

    /// The run ended: gdb hears that every attached process exited (or
    /// was killed), then the connection closes.
    public func runEnded(_ result: RunResult) {
        guard connection.isConnected else { return }
        switch result.outcome {
        case .exited(let code, _):
            for pid in attached { connection.send(GDBReply.exited(status: UInt8(truncatingIfNeeded: code), process: pid)) }
        case .guestFault:
            if let core = generalThread ?? view.processes.first?.cores.first, let tid = view.threadID(of: core) {
                connection.send(GDBReply.stopped(signal: .illegalInstruction, thread: tid))
            }
        default:
            for pid in attached { connection.send("X09;process:\(String(pid, radix: 16))") }
        }
        connection.drain(seconds: 1) { [unowned self] command in
            // After the end only questions are answered.
            if case .kill = command { return nil }
            return self.reply(toQuery: command) ?? GDBReply.error(1)
        }
        connection.close()
    }

    // MARK: Serving while stopped

    private func serveUntilResumed() {
        resumeRequested = false
        while !resumeRequested {
            switch connection.next() {
            case .connected:
                // Stopped already: the stop its connecting asked for is this one.
                interruptFlag.store(false, ordering: .sequentiallyConsistent)
                attached = [1]
                generalThread = view.processes[0].cores.first
                breakpointStops.removeAll()
                log("gdb: debugger connected on \(endpoint)")
            case .disconnected:
                log("gdb: debugger disconnected; the run goes on")
                detachAll()
                // An interrupt it asked for no longer stands, unless the next
                // client has connected meanwhile and asked for one itself.
                if !connection.isConnected { interruptFlag.store(false, ordering: .sequentiallyConsistent) }
                return
            case .command(let command):
                handle(command)
            }
        }
    }

    /// Leaves the serving loop; a Ctrl-C or connect that came while stopped
    /// was answered by this stop, so it does not stop the machine again.
    func resume() {
        resumeRequested = true
        interruptFlag.store(false, ordering: .sequentiallyConsistent)
    }

    /// Forgets the debugger: no breakpoint, watchpoint or step stays behind.
    func detachAll() {
        for p in view.processes {
            for core in p.cores { core.removeAllBreakpoints() }
            machine.removeWatchpoints(owner: p.pid)
        }
        stepTargets.removeAll()
        attached.removeAll()
        awaitingStop = false
    }

    /// `T05thread:p1.2;swbreak:;` and friends.
    private func stopReply(for stop: DebugStop) -> String {
        switch stop {
        case .breakpoint(let cpu, let pc):
            generalThread = cpu
            breakpointStops[ObjectIdentifier(cpu)] = pc
            let cause: GDBStopCause = peerFeatures.contains("swbreak+") ? .softwareBreakpoint : .signal
            return GDBReply.stopped(signal: .trap, thread: view.threadID(of: cpu) ?? GDBStub.firstThread,
                                    cause: cause)
        case .stepped(let cpu):
            generalThread = cpu
            return GDBReply.stopped(signal: .trap, thread: view.threadID(of: cpu) ?? GDBStub.firstThread)
        case .interrupted:
            let core = generalThread ?? view.processes[0].cores[0]
            return GDBReply.stopped(signal: awaitingStop ? .interrupt : .trap,
                                    thread: view.threadID(of: core) ?? GDBStub.firstThread)
        case .watchpoint(let hit):
            return watchpointReply(hit)
        }
    }

    /// A watchpoint stops a thread of the process that set it, since gdb
    /// looks for the watchpoint among that inferior's: the accessing core
    /// when it belongs there, else the current thread (or the first) of
    /// that process, and gdb's console says who made the access.
    private func watchpointReply(_ hit: MemoryWatchpoints.Hit) -> String {
        let owner = view.process(hit.watch.owner) ?? view.processes[0]
        let accessor = hit.cpu.flatMap { cpu in owner.cores.first { $0 === cpu } }
        let core = accessor ?? generalThread.flatMap { t in owner.cores.first { $0 === t } } ?? owner.cores[0]
        generalThread = core
        // gdb steps an AArch64 thread over a watchpoint's access (it stops before the access there).
        foreignWatchStop = accessor == nil && owner.cores[0].architecture == .aarch64 ? core : nil
        if accessor == nil, awaitingStop, connection.isConnected {
            let who = hit.cpu.map { "\($0.path) at pc 0x\(String($0.programCounter, radix: 16))" } ?? "a device"
            connection.send("O" + GDBHex.encodeText("watchpoint: \(hit.write ? "written" : "read") by \(who)\n"))
        }
        let cause: GDBStopCause = switch hit.watch.kind {
        case .write: .writeWatchpoint(address: hit.address)
        case .read: .readWatchpoint(address: hit.address)
        case .access: .accessWatchpoint(address: hit.address)
        }
        return GDBReply.stopped(signal: .trap, thread: view.threadID(of: core) ?? GDBStub.firstThread, cause: cause)
    }
}
