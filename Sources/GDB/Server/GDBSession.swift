import ChimeraCore
import ChimeraScheduler

/// One port of the stub and the debugger on it: the processes it serves
/// (`view`) and what that client chose (attached processes, current
/// thread, pending steps, breakpoints it stopped at). Used on the
/// simulation thread only.
final class GDBSession {
    unowned let stub: GDBStub
    /// Position among the stub's sessions (the inbox's connection index).
    let index: Int
    let connection: GDBConnection
    let view: GDBMachineView

    var attached: [Int] = []
    var generalThread: CPUDevice?
    var stepTargets: [ObjectIdentifier: UInt64] = [:]
    var lastStopReply: String?
    /// The client resumed and waits for a stop reply (its target runs).
    var awaitingStop = false
    var physicalMemory = false
    var breakpointStops: [ObjectIdentifier: UInt64] = [:]
    /// The AArch64 thread a watchpoint stop named although another core or
    /// a device made the access (`stepsOverForeignAccess`).
    var foreignWatchStop: CPUDevice?
    /// What gdb's `qSupported` offered (only asked `contains`, never iterated).
    var peerFeatures: Set<String> = []

    /// `p1.1`: the thread a stop names when its core is unknown.
    static let firstThread = GDBThreadID(process: .id(1), thread: .id(1))

    init(stub: GDBStub, index: Int, connection: GDBConnection, view: GDBMachineView) {
        self.stub = stub
        self.index = index
        self.connection = connection
        self.view = view
    }

    var machine: Machine { stub.machine }

    /// Does this debugger keep the machine stopped? From the stop it was
    /// told of until it resumes, while it is connected and attached.
    var holdsMachine: Bool { connection.isConnected && !attached.isEmpty && !awaitingStop }

    // MARK: Watchpoint owners

    /// The machine-wide owner of process `pid`'s watchpoints.
    func watchOwner(_ pid: Int) -> Int { index << 16 | pid }

    /// The session and the process of a `watchOwner` value.
    static func session(ofOwner owner: Int) -> Int { owner >> 16 }
    static func process(ofOwner owner: Int) -> Int { owner & 0xFFFF }

    // MARK: Events

    /// A client connected (the machine is stopped for it): it is attached
    /// to the first process, as gdb expects.
    func connected() {
        attached = [1]
        generalThread = view.processes[0].cores.first
        breakpointStops.removeAll()
        awaitingStop = false
        lastStopReply = GDBReply.stopped(signal: .trap, thread: GDBSession.firstThread)
    }

    /// Ctrl-C: a client whose target runs hears that it stopped (the
    /// machine is stopped now, for this or for another port's reason).
    func interrupted() {
        guard awaitingStop, connection.isConnected else { return }
        let core = generalThread ?? view.processes[0].cores[0]
        tell(GDBReply.stopped(signal: .interrupt, thread: view.threadID(of: core) ?? GDBSession.firstThread))
    }

    /// The machine stopped for this session's core or watchpoint.
    func report(_ stop: DebugStop) {
        let reply = stopReply(for: stop)
        if awaitingStop, connection.isConnected { tell(reply) } else { lastStopReply = reply }
    }

    /// Sends a stop reply: the client's target is stopped, its steps are done or abandoned.
    private func tell(_ reply: String) {
        lastStopReply = reply
        stepTargets.removeAll()
        connection.send(reply)
        awaitingStop = false
    }

    /// The run ended: every attached process exited (or was killed).
    func runEnded(_ result: RunResult) {
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
    }

    /// Forgets the debugger: no breakpoint, watchpoint or step stays behind.
    func detachAll() {
        for p in view.processes {
            for core in p.cores { core.removeAllBreakpoints() }
            machine.removeWatchpoints(owner: watchOwner(p.pid))
        }
        stepTargets.removeAll()
        attached.removeAll()
        awaitingStop = false
        foreignWatchStop = nil
    }

    /// The `target extended-remote` line and the ELF of each process.
    func connectionHints() -> [String] {
        let address: String
        switch connection.endpoint {
        case .tcp(let host, let port): address = (host == "127.0.0.1" ? "" : host) + ":\(port)"
        case .unix(let path): address = path
        }
        return view.processes.map { p in
            let elf = p.cores.lazy.compactMap(\.kernelFile).first ?? "KERNEL.elf"
            return "gdb: \(p.cluster.path) is process \(p.pid) (\(p.description.architecture)) on \(address): "
                + "gdb-multiarch -ex 'file \(elf)' -ex 'target extended-remote \(address)'"
        }
    }

    // MARK: Stop replies

    /// `T05thread:p1.2;swbreak:;` and friends.
    private func stopReply(for stop: DebugStop) -> String {
        switch stop {
        case .breakpoint(let cpu, let pc):
            generalThread = cpu
            breakpointStops[ObjectIdentifier(cpu)] = pc
            let cause: GDBStopCause = peerFeatures.contains("swbreak+") ? .softwareBreakpoint : .signal
            return GDBReply.stopped(signal: .trap, thread: view.threadID(of: cpu) ?? GDBSession.firstThread, cause: cause)
        case .stepped(let cpu):
            generalThread = cpu
            return GDBReply.stopped(signal: .trap, thread: view.threadID(of: cpu) ?? GDBSession.firstThread)
        case .interrupted:
            let core = generalThread ?? view.processes[0].cores[0]
            return GDBReply.stopped(signal: .trap, thread: view.threadID(of: core) ?? GDBSession.firstThread)
        case .watchpoint(let hit):
            return watchpointReply(hit)
        }
    }

    /// A watchpoint stops a thread of the process that set it, since gdb
    /// looks for the watchpoint among that inferior's: the accessing core
    /// when it belongs there, else the current thread (or the first) of
    /// that process, and gdb's console says who made the access.
    private func watchpointReply(_ hit: MemoryWatchpoints.Hit) -> String {
        let owner = view.process(GDBSession.process(ofOwner: hit.watch.owner)) ?? view.processes[0]
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
        return GDBReply.stopped(signal: .trap, thread: view.threadID(of: core) ?? GDBSession.firstThread, cause: cause)
    }
}
