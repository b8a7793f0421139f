import ChimeraCore
import ChimeraScheduler
import OrderedCollections
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Executes monitor commands against one machine. It lives on the
/// simulation's thread: the run driver calls `handle` at quantum
/// boundaries (or while paused), so commands take effect at
/// deterministic points of virtual time.
///
/// Events raised by a command are delivered after its reply.
public final class MonitorDispatcher {
    /// The machine the commands act on.
    public let machine: Machine
    /// What `query-status` reports.
    public private(set) var state: MonitorRunState
    /// The run, once the machine is realized.
    public private(set) var simulation: Simulation?
    /// Where replies and events go (the socket server, or a test).
    public var output: (MonitorOutput) -> Void
    /// Set by `quit`: the driver ends the run.
    public private(set) var quitRequested = false
    /// Set by `stop` before `x-exit-preconfig`: realize, then stay paused.
    public private(set) var startsPaused = false
    /// Host wall-clock time for event timestamps; replaceable in tests.
    public var hostClock: () -> (seconds: Int64, microseconds: Int64) = MonitorDispatcher.realtime
    /// Starts a GDB stub on the device text of `gdbserver` and returns the
    /// endpoint it bound; set by the command-line tool (the stub lives in
    /// ChimeraGDB, which builds on this module).
    public var startGDBServer: ((String) throws(ChimeraError) -> String)?
    private var deferredEvents: [MonitorEvent]?

    /// A dispatcher for `machine`. A realized machine gets a `Simulation`
    /// (unless one is passed) and starts in `running`; an unrealized one
    /// starts in `prelaunch` and waits for `x-exit-preconfig`.
    public init(machine: Machine, simulation: Simulation? = nil,
                output: @escaping (MonitorOutput) -> Void = { _ in }) throws(ChimeraError) {
        self.machine = machine
        self.output = output
        if machine.state == .realized {
            if let simulation { self.simulation = simulation } else { self.simulation = try Simulation(machine: machine) }
            state = .running
        } else {
            state = .prelaunch
        }
    }

    /// Virtual time of the run (0 before launch), in nanoseconds for event data.
    public var virtualTimeNanoseconds: UInt64 {
        (simulation?.time ?? machine.clock.now).picoseconds / 1_000
    }

    // MARK: Requests

    /// Executes one request and emits its reply, then any events it raised.
    /// Told of every command that succeeded, with the virtual time it took
    /// effect, so a run steered over QMP can be recorded and replayed
    /// (`chimera run --qmp-record FILE`, `--commands FILE`).
    public var recorder: ((VirtualTime, MonitorRequest) -> Void)?

    public func handle(_ request: MonitorRequest) {
        deferredEvents = []
        let reply = response(to: request)
        let events = deferredEvents ?? []
        deferredEvents = nil
        output(.reply(client: request.client, reply, negotiates: false))
        for e in events { output(.event(e)) }
    }

    private func response(to request: MonitorRequest) -> Value {
        guard let command = MonitorCommand.named(request.command) else {
            return QMPMessage.failure(.commandNotFound, "The command \(request.command) has not been found", id: request.id)
        }
        do {
            try checkAvailability(of: command)
            try command.validate(request.arguments)
            let time = simulation?.time ?? .zero
            let result = try execute(command.name, MonitorArguments(request.arguments, command: command.name))
            if command.name != "qmp_capabilities" { recorder?(time, request) }
            return QMPMessage.success(result, id: request.id)
        } catch {
            return QMPMessage.failure(error, id: request.id)
        }
    }

    private func checkAvailability(of command: MonitorCommand) throws(ChimeraError) {
        switch command.availability {
        case .always: return
        case .prelaunch where state != .prelaunch:
            throw ChimeraError(.generic, "The command '\(command.name)' is only available before the machine is launched (--preconfig)")
        case .launched where state == .prelaunch:
            throw ChimeraError(.generic, "The command '\(command.name)' is only available after x-exit-preconfig")
        default: return
        }
    }

    /// Raises an event: after the current command's reply, or now outside commands.
    public func emit(_ name: String, _ data: OrderedDictionary<String, Value> = [:]) {
        var full = data
        full["virtual-time-ns"] = .uint(virtualTimeNanoseconds)
        let (s, us) = hostClock()
        let event = MonitorEvent(name: name, data: full, hostSeconds: s, hostMicroseconds: us)
        if deferredEvents != nil { deferredEvents!.append(event) } else { output(.event(event)) }
    }

    // MARK: Run state, driven by the run loop

    /// The driver reports that the run stopped for good.
    public func runEnded(_ outcome: RunOutcome) {
        guard !state.hasEnded else { return }
        switch outcome {
        case .exited(let code, let reason):
            state = .shutdown
            emit("SHUTDOWN", ["guest": true, "reason": "guest-shutdown", "exit-code": .int(Int64(code)),
                              "detail": .string(reason)])
        case .guestFault(let fault):
            state = .guestPanicked
            emit("GUEST_PANICKED", ["action": "poweroff", "cpu": .string(fault.cpuPath), "pc": .uint(fault.pc),
                                    "reason": .string(fault.reason)])
            emit("SHUTDOWN", ["guest": true, "reason": "guest-panic"])
        case .deadlock(let cores):
            state = .shutdown
            emit("SHUTDOWN", ["guest": true, "reason": "deadlock",
                              "detail": .string(cores.map(\.description).joined(separator: "; "))])
        case .deadlineReached:
            state = .shutdown
            emit("SHUTDOWN", ["guest": false, "reason": "deadline"])
        case .budgetSpent:
            state = .shutdown
            emit("SHUTDOWN", ["guest": false, "reason": "instruction-budget"])
        case .outputMatched:
            state = .shutdown
            emit("SHUTDOWN", ["guest": false, "reason": "output-matched"])
        case .paused:
            state = .shutdown
            emit("SHUTDOWN", ["guest": false, "reason": "host-qmp-quit"])
        }
    }

    static func realtime() -> (seconds: Int64, microseconds: Int64) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (Int64(ts.tv_sec), Int64(ts.tv_nsec / 1_000))
    }

    // MARK: Commands

    private func execute(_ name: String, _ args: MonitorArguments) throws(ChimeraError) -> Value {
        switch name {
        case "qmp_capabilities":
            throw ChimeraError(.commandNotFound, "Capabilities negotiation is already complete, command 'qmp_capabilities' ignored")
        case "query-status":
            return ["running": .bool(state == .running), "status": .string(state.rawValue)]
        case "query-version":
            return MonitorVersion.versionInfo
        case "query-commands":
            return .list(MonitorCommand.all.map { ["name": .string($0.name)] })
        case "query-qmp-schema":
            return .list(MonitorSchema.entries(registry: machine.registry))
        case "query-cpus-fast":
            return .list(machine.cpus.enumerated().map { i, cpu in
                ["cpu-index": .int(Int64(i)), "qom-path": .string(cpu.path), "thread-id": 0,
                 "target": .string(cpu.architecture.rawValue), "cluster": cpu.cluster.map { .string($0.path) } ?? .null]
            })
        case "stop": return try stop()
        case "cont": return try cont()
        case "system_reset": return try systemReset()
        case "quit":
            quitRequested = true
            simulation?.control.requestPause()
            if !state.hasEnded {
                state = .shutdown
                emit("SHUTDOWN", ["guest": false, "reason": "host-qmp-quit"])
            }
            return [:]
        case "x-exit-preconfig": return try exitPreconfig()
        case "qom-list": return try qomList(args)
        case "qom-get": return try qomGet(args)
        case "qom-list-types": return try qomListTypes(args)
        case "qom-list-properties": return try listProperties(args, devicesOnly: false)
        case "device-list-properties": return try listProperties(args, devicesOnly: true)
        case "object-add", "qom-set", "map-region", "connect-irq", "load-kernel", "realize":
            return try construct(name, args)
        case "device_add": return try deviceAdd(args)
        case "object-del": return try delete(args, deviceOnly: false)
        case "device_del": return try delete(args, deviceOnly: true)
        case "memsave": return try memsave(args, physical: false)
        case "pmemsave": return try memsave(args, physical: true)
        case "gdbserver":
            guard let startGDBServer else {
                throw ChimeraError(.generic, "gdbserver: this run cannot serve gdb (start it with chimera run)")
            }
            guard simulation != nil, !state.hasEnded else { throw ChimeraError(.generic, "gdbserver: the machine is not running") }
            return ["endpoint": .string(try startGDBServer(try args.optionalString("device") ?? "tcp::1234"))]
        case "human-monitor-command": return try humanMonitorCommand(args)
        default:
            throw ChimeraError(.commandNotFound, "The command \(name) has not been found")
        }
    }

    private func stop() throws(ChimeraError) -> Value {
        switch state {
        case .prelaunch:
            startsPaused = true
        case .running:
            state = .paused
            simulation?.control.requestPause()
            emit("STOP")
        case .paused: break
        case .shutdown, .guestPanicked:
            throw ChimeraError(.generic, "the run has ended (\(state.rawValue)); there is nothing to stop")
        }
        return [:]
    }

    private func cont() throws(ChimeraError) -> Value {
        switch state {
        case .paused:
            state = .running
            emit("RESUME")
        case .running, .prelaunch: break
        case .shutdown, .guestPanicked:
            throw ChimeraError(.generic, "the run has ended (\(state.rawValue)); it cannot be continued")
        }
        return [:]
    }

    private func systemReset() throws(ChimeraError) -> Value {
        guard !state.hasEnded else {
            throw ChimeraError(.generic, "the run has ended (\(state.rawValue)); it cannot be reset")
        }
        for cpu in machine.cpus { cpu.resetToBootState() }
        machine.clearExitRequest()
        emit("RESET", ["guest": false, "reason": "host-qmp-system-reset"])
        return [:]
    }

    private func exitPreconfig() throws(ChimeraError) -> Value {
        try machine.realizeMachine()
        simulation = try Simulation(machine: machine)
        if startsPaused {
            state = .paused
        } else {
            state = .running
            emit("RESUME")
        }
        return [:]
    }

    private func construct(_ name: String, _ args: MonitorArguments) throws(ChimeraError) -> Value {
        guard let command = try MachineCommand(name: name, arguments: .dict(args.values)) else {
            throw ChimeraError(.commandNotFound, "The command \(name) has not been found")
        }
        if case .objectAdd(let type, _, _) = command { try checkCreatable(type) }
        try machine.execute(command)
        return [:]
    }

    /// After realize, only user-creatable types may be added (`ObjectType.userCreatable`).
    func checkCreatable(_ typeName: String) throws(ChimeraError) {
        let type = try machine.registry.type(named: typeName)
        if machine.state == .realized && !type.userCreatable {
            throw ChimeraError(.generic, "type '\(typeName)' cannot be created while the machine runs (not user-creatable)")
        }
    }
}

extension MonitorDispatcher {
    /// QEMU's `-S`: a launched machine waits paused for `cont`; a
    /// prelaunch one stays paused after `x-exit-preconfig`.
    public func startPaused() {
        switch state {
        case .prelaunch: startsPaused = true
        case .running: state = .paused
        default: break
        }
    }
}
