import ChimeraCore

/// Runs a realized machine under the deterministic quantum scheduler.
///
/// Each quantum is cut at pending device events; in every step each
/// runnable core, in composition-tree order, runs until its local time
/// reaches the step's end. Events fire in (time, sequence) order between
/// steps. Halted cores skip idle time. Nothing here reads the host clock,
/// so a run is a pure function of the machine, its kernels and its inputs.
public final class Simulation {
    public let machine: Machine
    /// Thread-safe pause and input injection.
    public let control = RunControl()
    /// Global virtual time: every core has reached at least this point.
    public private(set) var time: VirtualTime = .zero
    /// Optional per-instruction trace lines (slow: cores single-step).
    public var instructionTrace: ((String) -> Void)?
    /// Optional device-event trace lines.
    public var eventTrace: ((String) -> Void)?
    /// Called on the simulation's thread at every quantum boundary, before
    /// input and limits are checked: the monitor executes queued commands here,
    /// so commands take effect at deterministic points.
    public var boundaryHook: ((Simulation) -> Void)?
    /// Optional timeline of core activity and device events.
    public var timeline: Timeline?
    /// Called before every core waits from `now` to the next event at
    /// `target`; returns where the wait ends (at most `target`). An
    /// interactive console paces idle stretches to the host's clock here and
    /// ends them early when input arrives; the input then lands at the
    /// returned time, which the input record keeps, so a replay needs no pacer.
    public var idlePacer: ((_ now: VirtualTime, _ target: VirtualTime) -> VirtualTime)?
    /// The attached debugger, if any (SimulationDebugger.swift): breakpoints
    /// and steps stop there instead of ending the run with `.paused`. Held
    /// strongly (a debugger does not own its simulation, so there is no
    /// cycle): the scheduler asks it once per slice, and a weak load there
    /// would cost an atomic each time.
    public var debugger: (any SimulationDebugger)?
    /// Recorded host input; replayed entries are applied at their times.
    public private(set) var inputRecord = InputRecord()
    private var replayQueue: [InputRecord.Entry] = []
    /// Extra quantum boundaries (sorted), e.g. where recorded commands replay.
    private var requestedBoundaries: [VirtualTime] = []
    private var hash = TraceHash()
    private var cpus: [CPUDevice]
    private var finalOutcome: RunOutcome?

    /// Wraps a realized machine. Pass a record to replay its host input.
    public init(machine: Machine, replaying record: InputRecord? = nil) throws(ChimeraError) {
        guard machine.state == .realized else {
            throw ChimeraError.object(machine.path, "the machine must be realized before it can run")
        }
        self.machine = machine
        self.cpus = machine.cpus
        self.replayQueue = record?.entries ?? []
        machine.serial.observer = { [unowned self] path, byte in
            self.hash.combine(path)
            self.hash.combine(byte)
        }
        machine.clock.eventObserver = { [unowned self] time, label in
            self.hash.combine(time.picoseconds)
            self.hash.combine(label)
            self.eventTrace?("\(time) event \(label)")
            self.timeline?.instant(label, at: time)
        }
    }

    /// A hash of everything the run made visible — device events, UART
    /// bytes, host input, trace lines — plus each core's final PC,
    /// instruction count and time. Identical runs give identical hashes;
    /// splitting a run into several `run` calls does not change it.
    public var traceHash: String {
        var h = hash
        for cpu in cpus {
            h.combine(cpu.path)
            h.combine(cpu.programCounter)
            h.combine(cpu.instructionsRetired)
            h.combine(cpu.localTime.picoseconds)
        }
        return h.hex
    }

    /// Instructions retired by all cores.
    public var instructions: UInt64 { cpus.reduce(0) { $0 &+ $1.instructionsRetired } }

    /// Runs until the guest exits, a limit is reached, the machine deadlocks, or a pause is requested.
    public func run(_ limits: RunLimits = .untilExit) -> RunResult {
        let outcome = loop(limits)
        return RunResult(outcome: outcome, time: time, instructions: instructions,
                         traceHash: traceHash, inputRecord: inputRecord)
    }

    private func loop(_ limits: RunLimits) -> RunOutcome {
        if let done = finalOutcome { return done }
        let startInstructions = instructions
        let countInstructions = limits.instructionBudget != .max
        let clock = machine.clock
        var patternSearchFrom = 0
        var quantum = max(machine.quantum, VirtualTime(picoseconds: 1))
        let pattern = limits.outputPattern.map { Array($0.utf8) }
        while true {
            // Quantum boundary: commands, input, stop conditions.
            if let hook = boundaryHook {
                hook(self)
                quantum = max(machine.quantum, VirtualTime(picoseconds: 1))  // the monitor may change it
            }
            if let exit = machine.exitRequest { return finish(.exited(code: exit.code, reason: exit.reason)) }
            if time >= limits.deadline { return .deadlineReached }
            if countInstructions && instructions &- startInstructions >= limits.instructionBudget { return .budgetSpent }
            if let pattern {
                // Only the bytes added since the last boundary (plus an overlap) need searching.
                let bytes = machine.serial.merged
                if Simulation.contains(bytes, pattern, from: max(0, patternSearchFrom - pattern.count + 1)) { return .outputMatched }
                patternSearchFrom = bytes.count
            }
            if control.takePauseRequest() { return .paused }
            if let debugger, debugger.wantsInterrupt { stop(for: debugger, .interrupted) }
            takeDeviceWatchpointHit()
            deliverInput()

            // Replayed input must land exactly where it was recorded: cut the quantum there.
            while let first = requestedBoundaries.first, first <= time { requestedBoundaries.removeFirst() }
            let nextRequested = requestedBoundaries.first ?? .never
            let nextReplay = min(replayQueue.first.map { max($0.time, time + VirtualTime(picoseconds: 1)) } ?? .never,
                                 nextRequested)
            let quantumEnd = min(time + quantum, limits.deadline, nextReplay)
            while time < quantumEnd {
                clock.advance(to: time)  // events due now
                takeDeviceWatchpointHit()
                if let exit = machine.exitRequest { return finish(.exited(code: exit.code, reason: exit.reason)) }
                let stepEnd = min(quantumEnd, max(clock.nextEventTime, time + VirtualTime(picoseconds: 1)))
                var anyRunnable = false
                var budgetSpent = false
                for cpu in cpus {
                    // After an exit request nothing else may run or advance:
                    // the final state must not depend on where the quantum ends.
                    if let exit = machine.exitRequest { return finish(.exited(code: exit.code, reason: exit.reason)) }
                    let remaining = countInstructions ? limits.instructionBudget &- (instructions &- startInstructions) : .max
                    if remaining == 0 { budgetSpent = true; break }
                    switch runCore(cpu, until: stepEnd, instructionCap: remaining) {
                    case .ran: anyRunnable = true
                    case .idle: break
                    case .stop(let outcome): return finish(outcome)
                    }
                }
                if !anyRunnable && !budgetSpent {
                    // Everyone waits: jump straight to the next event, or report a deadlock.
                    let next = clock.nextEventTime
                    if next == .never {
                        if machine.exitRequest == nil && cpus.allSatisfy({ !isRunnable($0) }) {
                            // A console may still type something: wait for it at this instant.
                            if control.hasLiveInput { control.waitForHost(); break }
                            return finish(.deadlock(reports()))
                        }
                        // Every running core is past this step (a cycle longer than a
                        // quantum, e.g. clock-frequency=1): skip the empty quanta instead
                        // of crossing each boundary, up to any deadline or replay point.
                        let ahead = cpus.lazy.filter { $0.powerState == .running }.map(\.localTime).min() ?? .never
                        if ahead != .never && ahead > stepEnd {
                            time = min(ahead, limits.deadline, nextReplay)
                            clock.advance(to: time)
                            break
                        }
                    } else if next > stepEnd {
                        // Not past a deadline or a replay point: input recorded (or
                        // written by hand) for a time inside the idle stretch lands then.
                        time = paced(from: time, to: min(next, limits.deadline, nextReplay))
                        clock.advance(to: time)
                        break
                    }
                }
                // Every core has reached stepEnd unless an event cut a slice short.
                var reached = stepEnd
                for cpu in cpus where cpu.powerState == .running && cpu.localTime < reached { reached = cpu.localTime }
                if idlePacer != nil && !budgetSpent && cpus.allSatisfy({ !isRunnable($0) }) {
                    // The rest of the step is idle: the pacer may end it early,
                    // and the input that ended it lands at that boundary.
                    let from = cpus.lazy.map(\.localTime).reduce(time) { max($0, $1) }
                    let paced = paced(from: min(from, reached), to: reached)
                    if paced < reached { time = paced; clock.advance(to: time); break }
                }
                time = max(time, reached)
                clock.advance(to: time)
                if countInstructions && instructions &- startInstructions >= limits.instructionBudget { break }
            }
        }
    }

    /// Where an idle wait from `start` to `target` ends: `target`, or earlier
    /// if the pacer ends it (never before `start`).
    private func paced(from start: VirtualTime, to target: VirtualTime) -> VirtualTime {
        guard let idlePacer else { return target }
        return max(start, min(idlePacer(start, target), target))
    }

    /// Makes `time` a quantum boundary, so that work done in `boundaryHook`
    /// (replayed monitor commands) happens at exactly that virtual time.
    public func requestBoundary(at time: VirtualTime) {
        let i = requestedBoundaries.firstIndex { $0 > time } ?? requestedBoundaries.count
        if i == 0 || requestedBoundaries[i - 1] != time { requestedBoundaries.insert(time, at: i) }
    }

    /// Does `haystack[from...]` contain `needle`?
    static func contains(_ haystack: [UInt8], _ needle: [UInt8], from start: Int) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && haystack[i..<i + needle.count].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    private enum CoreStep {
        case ran
        case idle
        case stop(RunOutcome)
    }

    private func isRunnable(_ cpu: CPUDevice) -> Bool {
        cpu.powerState == .running || (cpu.powerState == .halted && cpu.hasPendingWakeup)
    }

    /// Runs one core until `end` (or earlier, if an event or exit request cuts the slice).
    /// `instructionCap` bounds what the core may retire, so `--until instructions=N`
    /// stops at N whatever the quantum.
    private func runCore(_ cpu: CPUDevice, until end: VirtualTime, instructionCap: UInt64 = .max) -> CoreStep {
        let clock = machine.clock
        var ran = false
        let coreStart = cpu.instructionsRetired
        if cpu.powerState == .halted && cpu.hasPendingWakeup { cpu.powerState = .running }
        guard cpu.powerState == .running else {
            // Halted or off: its clock stays where it stopped. Advancing it to
            // each step's end would make the final state depend on the quantum.
            return .idle
        }
        if cpu.localTime < time {
            // Woken (or started) after waiting: it resumes at the current global time.
            timeline?.record(cpu.path, "waiting", from: cpu.localTime, to: time)
            cpu.localTime = time
        }
        while cpu.localTime < end {
            guard cpu.powerState == .running else { return ran ? .ran : .idle }
            let sliceEnd = min(end, clock.nextEventTime)
            guard sliceEnd > cpu.localTime else { break }
            ran = true
            cpu.beginSlice()
            clock.beginSlice(of: cpu, until: sliceEnd)
            let retired = cpu.instructionsRetired &- coreStart
            guard retired < instructionCap else { break }
            var budget = min(max(cpu.cycles(in: sliceEnd - cpu.localTime), 1), instructionCap - retired)
            if let debugger, let target = debugger.stepTarget(of: cpu) {
                if cpu.instructionsRetired >= target {
                    clock.endSlice()
                    stop(for: debugger, .stepped(cpu))
                    continue
                }
                budget = min(budget, target &- cpu.instructionsRetired)
            }
            let start = cpu.localTime
            let reason: StopReason
            machine.watchpoints.running = cpu
            if instructionTrace != nil {
                reason = runTraced(cpu, budget: budget)
            } else {
                reason = cpu.run(budget: budget)
            }
            machine.watchpoints.running = nil
            clock.endSlice()
            let executed = cpu.instructionsRetired &- cpu.sliceStartInstructions
            cpu.localTime = start + cpu.duration(ofCycles: executed)
            if executed == 0 && reason == .budgetExhausted {
                // A requested stop before the first instruction: make progress in time anyway.
                cpu.localTime = min(sliceEnd, start + cpu.duration(ofCycles: 1))
            }
            timeline?.record(cpu.path, "run", from: start, to: cpu.localTime)
            if let hit = machine.watchpoints.takeHit() {
                // Before the instruction that reached the watched bytes, or after
                // it (MemoryWatchpoints.swift); a step it completed is reported so.
                if let debugger { stop(for: debugger, .watchpoint(hit)) } else if reason == .watchpoint { return .stop(.paused) }
            } else if let debugger, let target = debugger.stepTarget(of: cpu), cpu.instructionsRetired >= target {
                // The step is done: stop before any other core runs on.
                stop(for: debugger, .stepped(cpu))
            }
            switch reason {
            case .budgetExhausted:
                if machine.exitRequest != nil { return .ran }
                if cpu.localTime < sliceEnd, clock.nextEventTime < sliceEnd { return .ran }
            case .halted:
                cpu.powerState = .halted
            case .poweredOff:
                cpu.powerState = .off
            case .exit(let code):
                machine.requestExit(code: code, reason: "\(cpu.path) requested exit")
                return .stop(.exited(code: code, reason: "\(cpu.path) requested exit"))
            case .breakpoint(let pc):
                // The slice ends before the instruction at the breakpoint; the
                // next one starts there, as though the slice had been cut.
                guard let debugger else { return .stop(.paused) }
                stop(for: debugger, .breakpoint(cpu, pc: pc))
                continue
            case .watchpoint:
                // Reported above; the slice ends as though it had been cut.
                continue
            case .guestFault(let fault):
                cpu.powerState = .stopped
                return .stop(.guestFault(fault))
            }
            if machine.exitRequest != nil { return .ran }
        }
        return ran ? .ran : .idle
    }

    /// Hands `debugger` the machine, every core at an instruction boundary;
    /// what it reads and writes meanwhile fires no watchpoint.
    private func stop(for debugger: any SimulationDebugger, _ reason: DebugStop) {
        machine.watchpoints.suspended = true
        debugger.debugStop(reason, in: self)
        machine.watchpoints.suspended = false
    }

    /// A device's write fired a watchpoint: the debugger stops the machine
    /// after the event that wrote.
    private func takeDeviceWatchpointHit() {
        guard machine.watchpoints.pendingHit != nil, let hit = machine.watchpoints.takeHit() else { return }
        if let debugger { stop(for: debugger, .watchpoint(hit)) }
    }

    /// Single-steps `cpu`, emitting one canonical line per retired instruction.
    private func runTraced(_ cpu: CPUDevice, budget: UInt64) -> StopReason {
        let names = cpu.registerNames
        var before = names.map { cpu.readRegister($0) ?? 0 }
        var remaining = budget
        while remaining > 0 {
            let pc = cpu.programCounter
            let text = cpu.disassemble(at: pc)
            let retiredBefore = cpu.instructionsRetired
            let reason = cpu.run(budget: 1)
            if cpu.instructionsRetired != retiredBefore {
                let after = names.map { cpu.readRegister($0) ?? 0 }
                var writes: [String] = []
                for i in names.indices where after[i] != before[i] && names[i].lowercased() != "pc" && names[i].lowercased() != "rip" {
                    writes.append("\(names[i])=0x\(String(after[i], radix: 16))")
                }
                before = after
                let line = "\(cpu.currentTime) \(cpu.path) 0x\(String(pc, radix: 16)): \(text)"
                    + (writes.isEmpty ? "" : " ; " + writes.joined(separator: " "))
                hash.combine(line)
                instructionTrace?(line)
            }
            remaining -= 1
            if reason != .budgetExhausted || cpu.stopFlag.pointee != 0 { return reason }
        }
        return .budgetExhausted
    }

    private func deliverInput() {
        for request in control.takeInput() {
            deliver(InputRecord.Entry(time: time, devicePath: request.device, bytes: request.bytes))
        }
        while let next = replayQueue.first, next.time <= time {
            replayQueue.removeFirst()
            deliver(next)
        }
    }

    private func deliver(_ entry: InputRecord.Entry) {
        guard let device = try? machine.resolve(entry.devicePath), let receiver = device as? any SerialInputReceiver else {
            eventTrace?("\(time) input for unknown device \(entry.devicePath) dropped")
            return
        }
        inputRecord.entries.append(InputRecord.Entry(time: time, devicePath: device.path, bytes: entry.bytes))
        hash.combine(time.picoseconds)
        hash.combine(device.path)
        for b in entry.bytes { hash.combine(b) }
        receiver.receive(entry.bytes)
    }

    private func reports() -> [CoreReport] {
        cpus.map { CoreReport(path: $0.path, powerState: $0.powerState, pc: $0.programCounter,
                              localTime: $0.localTime, instructions: $0.instructionsRetired) }
    }

    private func finish(_ outcome: RunOutcome) -> RunOutcome {
        switch outcome {
        case .exited, .guestFault, .deadlock:
            if finalOutcome == nil {
                for case let device as any OutputFlushing in machine.subtree { device.flushOutput() }
            }
            finalOutcome = outcome
        default: break
        }
        return outcome
    }
}
