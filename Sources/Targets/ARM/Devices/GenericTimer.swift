import ChimeraCore

/// The ARM generic timer of one core (ARM ARM D11): the system counter
/// (CNTPCT/CNTVCT, counting at the core's clock frequency, CNTFRQ), the
/// EL1 physical timer (PPI 30) and the virtual timer (PPI 27), which counts
/// CNTVCT = CNTPCT − CNTVOFF_EL2 (zero unless EL2 sets it).
///
/// Driven by virtual time: each enabled timer keeps one clock event at the
/// instant its compare value is reached and drives the core's
/// `timer-phys`/`timer-virt` output pins, which boards wire to the GIC.
final class GenericTimer {
    unowned let cpu: AArch64CPU
    /// CTL (ENABLE, IMASK; ISTATUS computed) and CVAL of the physical (0) and virtual (1) timers.
    private var control: [UInt64] = [0, 0]
    private var compare: [UInt64] = [0, 0]
    private var events: [EventHandle?] = [nil, nil]
    /// The event-stream edge a core halted in WFE waits for.
    private var streamWake: EventHandle?
    /// CNTVOFF_EL2: the virtual count is the physical count less this.
    var virtualOffset: UInt64 = 0 {
        didSet { update(1) }
    }

    init(cpu: AArch64CPU) { self.cpu = cpu }

    func reset() {
        for i in 0..<2 {
            if let e = events[i] { cpu.clock?.cancel(e) }
            events[i] = nil
            control[i] = 0
            compare[i] = 0
        }
        virtualOffset = 0
        if let e = streamWake { cpu.clock?.cancel(e) }
        streamWake = nil
        update(0)
        update(1)
    }

    /// The system counter: core cycles at the core's current virtual time.
    var counter: UInt64 {
        // While the core runs, its own time; otherwise (events, other cores) the clock's.
        guard let clock = cpu.clock, clock.activeCPU !== cpu else { return cpu.cycles(in: cpu.currentTime) }
        return cpu.cycles(in: max(clock.now, cpu.currentTime))
    }

    /// The count timer `i` compares against: physical (0) or virtual (1).
    private func count(_ i: Int) -> UInt64 { i == 0 ? counter : counter &- virtualOffset }

    func read(_ key: SystemRegister) -> UInt64 {
        switch key {
        case .cntfrqEL0: return cpu.frequency
        case .cntpctEL0: return counter
        case .cntvctEL0: return count(1)
        case .cntpCtlEL0: return status(0)
        case .cntvCtlEL0: return status(1)
        case .cntpCvalEL0: return compare[0]
        case .cntvCvalEL0: return compare[1]
        case .cntpTvalEL0: return UInt64(UInt32(truncatingIfNeeded: compare[0] &- count(0)))
        case .cntvTvalEL0: return UInt64(UInt32(truncatingIfNeeded: compare[1] &- count(1)))
        default: return 0
        }
    }

    func write(_ key: SystemRegister, _ v: UInt64) {
        switch key {
        case .cntpCtlEL0: control[0] = v & 3; update(0)
        case .cntvCtlEL0: control[1] = v & 3; update(1)
        case .cntpCvalEL0: compare[0] = v; update(0)
        case .cntvCvalEL0: compare[1] = v; update(1)
        case .cntpTvalEL0: compare[0] = count(0) &+ signExtend(v & 0xFFFF_FFFF, bits: 32); update(0)
        case .cntvTvalEL0: compare[1] = count(1) &+ signExtend(v & 0xFFFF_FFFF, bits: 32); update(1)
        default: break
        }
    }

    // MARK: The event stream (CNTKCTL_EL1.EVNTEN, ARM ARM D11.2.3)

    /// The first count after `count` at which the stream's trigger bit
    /// (CNTKCTL_EL1.EVNTI of CNTVCT) makes the selected transition
    /// (EVNTDIR: 0 for 0 to 1, 1 for 1 to 0); nil while the stream is off.
    func nextEventStreamEdge(after count: UInt64) -> UInt64? {
        let kctl = cpu.sys.cntkctl
        guard kctl & 4 != 0 else { return nil }
        let bit = (kctl >> 4) & 0xF
        let period: UInt64 = 2 << bit
        let phase: UInt64 = kctl & 8 == 0 ? 1 << bit : 0
        var edge = ((count &- phase) & ~(period - 1)) &+ phase
        if edge <= count { edge &+= period }
        return edge
    }

    /// Did the stream generate an event in (`from`, `to`]?
    func eventStreamEdge(after from: UInt64, upTo to: UInt64) -> Bool {
        guard let edge = nextEventStreamEdge(after: from) else { return false }
        return edge <= to
    }

    /// A core halting in WFE at `count`: its event register is set at the next edge.
    func scheduleEventStreamWake(after count: UInt64) {
        if let e = streamWake { cpu.clock?.cancel(e); streamWake = nil }
        guard let edge = nextEventStreamEdge(after: count), let clock = cpu.clock else { return }
        let at = cpu.duration(ofCycles: edge)
        guard at != .never else { return }
        streamWake = clock.schedule(at: at, "\(cpu.path) generic timer event stream") { [weak self] in
            guard let self else { return }
            self.streamWake = nil
            self.cpu.eventRegister = true
            self.cpu.eventStreamMark = edge
        }
    }

    /// CTL with ISTATUS (bit 2) set when the condition is met.
    private func status(_ i: Int) -> UInt64 {
        let met = control[i] & 1 != 0 && count(i) >= compare[i]
        return control[i] | (met ? 4 : 0)
    }

    /// Drives the output and (re)schedules the expiry event.
    private func update(_ i: Int) {
        if let e = events[i] { cpu.clock?.cancel(e); events[i] = nil }
        let enabled = control[i] & 1 != 0
        let met = enabled && count(i) >= compare[i]
        let level = met && control[i] & 2 == 0
        if let pin = try? cpu.output(i == 0 ? "timer-phys" : "timer-virt") { pin.set(level) }
        if enabled && !met, let clock = cpu.clock {
            // The physical count at which the timer's own count reaches CVAL.
            let at = cpu.duration(ofCycles: compare[i] &+ (i == 0 ? 0 : virtualOffset))
            guard at != .never else { return }
            events[i] = clock.schedule(at: at, "\(cpu.path) generic timer \(i == 0 ? "physical" : "virtual")") { [weak self] in
                self?.events[i] = nil
                self?.update(i)
            }
        }
    }
}
