import ChimeraCore
import ChimeraScheduler
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a monitored run starts and ends.
public struct MonitorRunOptions: Sendable {
    /// Serve commands against the unrealized machine until `x-exit-preconfig`.
    public var preconfig: Bool
    /// Realize, then wait paused for `cont` (QEMU's `-S`).
    public var startPaused: Bool
    /// Limits of the simulation run itself.
    public var limits: RunLimits
    /// Write every successful command with its virtual time to this file
    /// (JSON lines), for `chimera run --commands` to replay.
    public var recordPath: String?
    /// After the run ends, keep answering until every client has
    /// disconnected, a client sends `quit`, or this many seconds pass.
    public var shutdownGrace: Double

    /// Options; the defaults start running at once and wait 5 s after the end.
    public init(preconfig: Bool = false, startPaused: Bool = false, limits: RunLimits = .untilExit,
                shutdownGrace: Double = 5, recordPath: String? = nil) {
        self.recordPath = recordPath
        self.preconfig = preconfig
        self.startPaused = startPaused
        self.limits = limits
        self.shutdownGrace = shutdownGrace
    }
}

/// How a monitored run ended.
public struct MonitoredRun: Sendable {
    /// The simulation's result; `nil` if the run never started (`quit` during preconfig).
    public var result: RunResult?
    /// `query-status` at the end: `shutdown` or `guest-panicked`.
    public var finalState: MonitorRunState
    /// Did a client end the run with `quit`?
    public var quit: Bool

    /// The process exit status: the guest's exit code, 1 after a guest fault or deadlock, 0 after `quit`.
    public var exitStatus: Int32 {
        if quit { return 0 }
        return result?.exitStatus ?? 0
    }
}

extension MonitorServer {
    /// Runs `machine` under this monitor on the calling thread.
    ///
    /// With `preconfig`, commands are served against the unrealized machine
    /// until `x-exit-preconfig` realizes it; otherwise an unrealized machine
    /// is realized first. The simulation then runs here, and queued
    /// commands execute at quantum boundaries (`Simulation.boundaryHook`),
    /// so a recorded command script steers a run deterministically. While
    /// paused (`stop`), commands are served from this thread until `cont`.
    /// When the run ends, `SHUTDOWN` (and `GUEST_PANICKED` for a guest
    /// fault) is emitted and commands are still served for
    /// `options.shutdownGrace` seconds or until every client disconnects.
    ///
    /// `configure` sees the `Simulation` before it first runs (traces, timelines).
    /// `configureMonitor` sees the dispatcher before any command (the
    /// `gdbserver` hook).
    public func run(machine: Machine, options: MonitorRunOptions = MonitorRunOptions(),
                    configure: ((Simulation) -> Void)? = nil,
                    configureMonitor: ((MonitorDispatcher) -> Void)? = nil) throws(ChimeraError) -> MonitoredRun {
        if !options.preconfig && machine.state != .realized { try machine.realizeMachine() }
        let dispatcher = try MonitorDispatcher(machine: machine)
        dispatcher.output = { [unowned self] in self.send($0) }
        configureMonitor?(dispatcher)
        var recording: CommandRecordWriter?
        if let path = options.recordPath { recording = try CommandRecordWriter(path: path) }
        if let recording { dispatcher.recorder = { recording.append($0, $1) } }
        defer { recording?.close() }
        if options.startPaused { dispatcher.startPaused() }

        while dispatcher.state == .prelaunch && !dispatcher.quitRequested {
            waitAndServe(dispatcher, seconds: 0.25)
        }
        var result: RunResult?
        if let simulation = dispatcher.simulation, !dispatcher.quitRequested {
            configure?(simulation)
            let previous = simulation.boundaryHook
            simulation.boundaryHook = { [unowned self] sim in
                previous?(sim)
                self.serve(dispatcher)
            }
            defer { simulation.boundaryHook = previous }
            runLoop: while !dispatcher.quitRequested {
                if dispatcher.state == .paused {
                    waitAndServe(dispatcher, seconds: 0.25)
                    continue
                }
                let r = simulation.run(options.limits)
                result = r
                switch r.outcome {
                case .paused:
                    // `stop` or `quit` (the loop re-checks), or a pause that was taken back by `cont`.
                    continue runLoop
                default:
                    dispatcher.runEnded(r.outcome)
                    break runLoop
                }
            }
        }
        if dispatcher.quitRequested {
            dispatcher.runEnded(.paused)
        } else {
            var waited = 0.0
            while connectedClients > 0 && waited < options.shutdownGrace && !dispatcher.quitRequested {
                waitAndServe(dispatcher, seconds: 0.1)
                waited += 0.1
            }
        }
        return MonitoredRun(result: result, finalState: dispatcher.state, quit: dispatcher.quitRequested)
    }
}

/// Binds `endpoints`, runs `machine` under the monitor and closes the
/// sockets afterwards: the whole of `chimera run … --qmp …`.
public func runMonitored(machine: Machine, endpoints: [MonitorEndpoint], allowRemote: Bool = false,
                         options: MonitorRunOptions = MonitorRunOptions(),
                         configure: ((Simulation) -> Void)? = nil,
                         configureMonitor: ((MonitorDispatcher) -> Void)? = nil) throws(ChimeraError) -> MonitoredRun {
    let server = try MonitorServer(endpoints: endpoints, allowRemote: allowRemote)
    defer { server.close() }
    return try server.run(machine: machine, options: options, configure: configure, configureMonitor: configureMonitor)
}
