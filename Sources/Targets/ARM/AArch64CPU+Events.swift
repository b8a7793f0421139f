import ChimeraCore

/// WFE and its wake-up events (ARM ARM D1.6.1 "Wait for Event"): the event
/// register, SEV from another core, the generic timer's event stream
/// (CNTKCTL_EL1.EVNTEN) and the clearing of the global exclusive monitor by
/// another observer's write to the reservation granule. Linux's spinlocks and
/// `smp_cond_load_*` wait with LDXR then WFE and rely on that last event:
/// without it a waiter sleeps until an unrelated interrupt arrives.
extension AArch64CPU {
    /// The exclusives reservation granule, CTR_EL0.ERG = 4: 16 words.
    static let reservationGranule: UInt64 = 64

    /// Executes WFE: returns at once (consuming the event) when an event is
    /// pending, otherwise halts with the wake-up conditions recorded.
    func waitForEvent(at pc: UInt64) -> UInt8 {
        waitingForEvent = false
        monitorWait = nil
        let now = timer.counter
        let streamEdge = timer.eventStreamEdge(after: eventStreamMark, upTo: now)
        eventStreamMark = now
        if eventRegister || streamEdge { eventRegister = false; return 0 }
        if hasPendingWakeup { return 0 }
        waitingForEvent = true
        monitorWait = st.pointee.exclusiveAddress == .max ? nil : reservationSnapshot(of: st.pointee.exclusiveAddress)
        timer.scheduleEventStreamWake(after: now)
        powerState = .halted
        st.pointee.pc = pc &+ 4
        return 3
    }

    /// The physical granule holding virtual `address` and its contents now.
    func reservationSnapshot(of address: UInt64) -> MonitorWait? {
        guard let pa = debugPhysical(address & ~(Self.reservationGranule - 1)),
              let words = granuleWords(at: pa) else { return nil }
        return MonitorWait(address: pa, words: words)
    }

    func granuleWords(at pa: UInt64) -> [UInt64]? {
        guard let memory = cluster?.memory else { return nil }
        var words: [UInt64] = []
        words.reserveCapacity(Int(Self.reservationGranule / 8))
        for i in 0..<Self.reservationGranule / 8 {
            guard let w = memory.read(pa &+ i &* 8, size: 8) else { return nil }
            words.append(w)
        }
        return words
    }

    /// Has another observer written the granule this core waits on?
    var monitorCleared: Bool {
        guard let wait = monitorWait else { return false }
        return granuleWords(at: wait.address) != wait.words
    }
}

/// The reservation granule a core halted in WFE watches.
struct MonitorWait {
    let address: UInt64
    let words: [UInt64]
}
