import ChimeraCore
import ChimeraMonitor
import ChimeraScheduler
import Dispatch
import Synchronization

/// A GDB remote stub for one machine (Documentation/Debugging.md), on one
/// port or several: each port serves a set of clusters (all of them, or
/// those `--gdb SELECTOR=…` named), each cluster gdb can describe is a
/// process of that port's connection, each core a thread. The machine
/// stops as a whole (all-stop), whichever port reported the stop.
///
/// Its connections' threads only move bytes (`GDBConnection`) into one
/// inbox; everything that touches the machine happens on the simulation's
/// thread, inside `debugStop`, where the scheduler has every core at an
/// instruction boundary and waits for the stub to resume it. Breakpoints
/// and steps are checked by the cores and the scheduler at the same points
/// a run without gdb passes, so a debugged run ends with the same output
/// and trace hash.
///
/// The machine runs again once no connected debugger holds it: one holds
/// it from the stop it was told of (its own stop, or the answer to its
/// Ctrl-C) until it resumes. gdb's multi-target all-stop does just that
/// with one port per cluster: it interrupts the other connections when
/// one reports a stop, and resumes each when it continues.
///
/// Sendable by hand: the connections' callbacks run on their threads and
/// touch only `interruptFlag` (atomic); every other field is used on the
/// simulation thread alone (`debugStop`, `runEnded`).
public final class GDBStub: SimulationDebugger, @unchecked Sendable {
    /// Where the first port listens, as bound (port 0 replaced by the real one).
    public var endpoint: MonitorEndpoint { sessions[0].connection.endpoint }
    /// Every port, in the order given.
    public var endpoints: [MonitorEndpoint] { sessions.map(\.connection.endpoint) }
    /// Runs a human-monitor command for `monitor …` (qRcmd) and returns its output.
    public var monitorCommand: ((String) -> String)?
    /// Told when a debugger connects or goes.
    public var log: (String) -> Void = { _ in }

    let machine: Machine
    private(set) var sessions: [GDBSession] = []
    private let inbox = GDBInbox()
    private let interruptFlag = Atomic<Bool>(false)
    /// `-S`: the first stop waits for a debugger to connect.
    private var waitingForDebugger: Bool

    /// Serves every cluster on one port, `endpoint` (loopback only unless
    /// `allowRemote`). With `waitForDebugger`, the machine stays at reset
    /// until gdb continues it.
    public convenience init(machine: Machine, endpoint: MonitorEndpoint, allowRemote: Bool = false,
                            waitForDebugger: Bool = false) throws(ChimeraError) {
        try self.init(machine: machine, ports: [(nil, endpoint)], allowRemote: allowRemote, waitForDebugger: waitForDebugger)
    }

    /// Serves each port's clusters (nil: every cluster no other port
    /// names). A cluster may be served by one port only.
    public init(machine: Machine, ports: [(clusters: [Cluster]?, endpoint: MonitorEndpoint)], allowRemote: Bool = false,
                waitForDebugger: Bool = false) throws(ChimeraError) {
        self.machine = machine
        waitingForDebugger = waitForDebugger
        let named = ports.flatMap { $0.clusters ?? [] }
        for (i, cluster) in named.enumerated() where named[..<i].contains(where: { $0 === cluster }) {
            throw ChimeraError.object(cluster.path, "--gdb: two ports serve this cluster; give each cluster one")
        }
        guard ports.filter({ $0.clusters == nil }).count <= 1 else {
            throw ChimeraError(.generic, "--gdb: more than one port serves 'every other cluster'; give the others a SELECTOR=")
        }
        var views: [(GDBMachineView, MonitorEndpoint)] = []
        for port in ports {
            let clusters = port.clusters ?? machine.clusters.filter { c in !named.contains { $0 === c } }
            let view = GDBMachineView(machine: machine, clusters: clusters)
            guard !view.processes.isEmpty else {
                let what = port.clusters.map { $0.map(\.path).joined(separator: ", ") } ?? "the machine"
                throw ChimeraError.object(machine.path, "--gdb \(port.endpoint): no cluster of \(what) has cores gdb can describe (AArch64 or x86-64)")
            }
            views.append((view, port.endpoint))
        }
        interruptFlag.store(waitForDebugger, ordering: .sequentiallyConsistent)
        for (index, (view, endpoint)) in views.enumerated() {
            let connection: GDBConnection
            do {
                connection = try GDBConnection(endpoint: endpoint, allowRemote: allowRemote, inbox: inbox, index: index)
            } catch {
                close()
                throw error
            }
            // gdb expects a stopped target when it connects, as QEMU gives it.
            connection.onConnect = { [unowned self] in self.interruptFlag.store(true, ordering: .sequentiallyConsistent) }
            connection.onInterrupt = { [unowned self] in self.interruptFlag.store(true, ordering: .sequentiallyConsistent) }
            sessions.append(GDBSession(stub: self, index: index, connection: connection, view: view))
        }
        for session in sessions { session.connection.start() }
    }

    /// Stops listening and drops every client.
    public func close() { for session in sessions { session.connection.close() } }

    /// The `target extended-remote` line and the ELF of each process, for the user.
    public func connectionHints() -> [String] { sessions.flatMap { $0.connectionHints() } }

    // MARK: SimulationDebugger

    public var wantsInterrupt: Bool { interruptFlag.load(ordering: .sequentiallyConsistent) }

    public func stepTarget(of cpu: CPUDevice) -> UInt64? {
        for session in sessions where !session.stepTargets.isEmpty {
            if let target = session.stepTargets[ObjectIdentifier(cpu)] { return target }
        }
        return nil
    }

    public func debugStop(_ stop: DebugStop, in simulation: Simulation) {
        interruptFlag.store(false, ordering: .sequentiallyConsistent)
        if let owner = session(reporting: stop) { owner.report(stop) }
        serve()
    }

    /// The run ended: each debugger hears that its processes exited (or
    /// were killed), questions are answered for a second, then the
    /// connections close.
    public func runEnded(_ result: RunResult) {
        let connected = sessions.filter(\.connection.isConnected)
        guard !connected.isEmpty else { return }
        for session in connected { session.runEnded(result) }
        let deadline = DispatchTime.now() + 1
        while sessions.contains(where: \.connection.isConnected), let (index, event) = inbox.next(before: deadline) {
            // After the end only questions are answered.
            guard case .command(let command) = event else { continue }
            if case .kill = command { continue }
            let session = sessions[index]
            session.connection.send(session.reply(toQuery: command) ?? GDBReply.error(1))
        }
        close()
    }

    // MARK: Serving while stopped

    /// The session a stop concerns: the one serving the core that stopped
    /// or the process that set the watchpoint; none for an interrupt (the
    /// Ctrl-C events in the inbox say whom to answer).
    private func session(reporting stop: DebugStop) -> GDBSession? {
        switch stop {
        case .breakpoint(let cpu, _), .stepped(let cpu): sessions.first { $0.view.process(of: cpu) != nil }
        case .watchpoint(let hit): sessions.first { $0.index == GDBSession.session(ofOwner: hit.watch.owner) }
        case .interrupted: nil
        }
    }

    /// Answers every connection until none holds the machine (and, with
    /// `-S`, until a debugger has connected).
    private func serve() {
        while true {
            if let (index, event) = inbox.poll() {
                handle(event, from: sessions[index])
                continue
            }
            guard waitingForDebugger || sessions.contains(where: \.holdsMachine) else { break }
            let (index, event) = inbox.next()
            handle(event, from: sessions[index])
        }
        // A Ctrl-C or connect that came while stopped was answered by this stop.
        interruptFlag.store(false, ordering: .sequentiallyConsistent)
    }

    private func handle(_ event: GDBInbox.Event, from session: GDBSession) {
        switch event {
        case .connected:
            waitingForDebugger = false
            session.connected()
            log("gdb: debugger connected on \(session.connection.endpoint)")
        case .disconnected:
            session.detachAll()
            log("gdb: debugger on \(session.connection.endpoint) disconnected; the run goes on")
        case .interrupt:
            session.interrupted()
        case .command(let command):
            session.handle(command)
        }
    }
}
