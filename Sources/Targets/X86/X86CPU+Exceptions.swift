import ChimeraCore

/// What the run loop does after looking at pending events.
enum ServiceResult {
    case proceed
    /// Run one instruction, then look again (interrupt shadow after STI).
    case singleStep
    case stop(StopReason)
}

/// How an event reached the IDT (SDM Vol. 3A, §6.12).
enum DeliveryKind {
    case exception
    /// INT n / INT3 / INTO: gate DPL is checked against CPL.
    case software
    case external
}

extension X86CPU {
    /// Takes pending INIT, NMI and maskable interrupts between blocks.
    func serviceEvents() -> ServiceResult {
        hot.pointee.pending = 0
        if initPending {
            initPending = false
            enterWaitForSIPI()
            return .stop(.poweredOff)
        }
        if interruptShadow == hot.pointee.retired {
            hot.pointee.pending = 1
            return .singleStep
        }
        interruptShadow = .max
        if nmiPending {
            nmiPending = false
            if let reason = deliverEvent(vector: X86Vector.nmi, kind: .external) { return .stop(reason) }
        }
        if hot.pointee.flags & RFlags.if != 0, let vector = apic.acknowledge() {
            if let reason = deliverEvent(vector: vector, kind: .external) { return .stop(reason) }
        }
        return .proceed
    }

    /// INIT: the core waits for a startup IPI (SDM Vol. 3A, §10.4.7.3).
    func enterWaitForSIPI() {
        powerState = .off
        sipiVector = -1
    }

    /// Startup IPI: Chimera starts application processors directly in the
    /// boot state of DESIGN.md (64-bit mode, identity map) at `vector << 12`,
    /// not in real mode; documented in `Documentation/X86.md`.
    func startFromSIPI() {
        let vector = UInt64(sipiVector)
        let retired = hot.pointee.retired
        resetCPU()
        hot.pointee.retired = retired
        hot.pointee.rip = vector << 12
        bootTablesPending = false
        powerState = .running
    }

    /// Delivers `fault`, escalating to #DF and triple fault (SDM Vol. 3A,
    /// table 6-5). Returns a stop reason when the guest cannot handle it.
    func deliverException(_ fault: X86Fault) -> StopReason? {
        var current = fault
        var first: UInt8? = nil
        lastExceptionVector = fault.vector
        while true {
            if idtrLimit == 0 {
                return stopWithFault("\(X86Vector.name(fault.vector))"
                                     + (fault.hasErrorCode ? " error code 0x\(String(fault.errorCode, radix: 16))" : "")
                                     + (fault.vector == X86Vector.pf ? " cr2 0x\(String(cr2, radix: 16))" : "")
                                     + " with no IDT loaded")
            }
            do throws(X86Fault) {
                try deliver(vector: current.vector, errorCode: current.hasErrorCode ? current.errorCode : nil,
                            kind: .exception)
                return nil
            } catch {
                let prior = current.vector
                if prior == X86Vector.df {
                    return stopWithFault("triple fault (\(X86Vector.name(fault.vector)) could not be delivered)")
                }
                let contributory: Set<UInt8> = [0, 10, 11, 12, 13]
                let becomesDF = (contributory.contains(prior) && contributory.contains(error.vector))
                    || (prior == X86Vector.pf && (contributory.contains(error.vector) || error.vector == X86Vector.pf))
                current = becomesDF ? X86Fault(vector: X86Vector.df, errorCode: 0, hasErrorCode: true) : error
                if first == nil { first = prior }
            }
        }
    }

    /// Delivers an interrupt or INT n; failures escalate like exceptions.
    func deliverEvent(vector: UInt8, kind: DeliveryKind) -> StopReason? {
        do throws(X86Fault) {
            if idtrLimit == 0 { return stopWithFault("interrupt vector \(vector) with no IDT loaded") }
            try deliver(vector: vector, errorCode: nil, kind: kind)
            return nil
        } catch {
            return deliverException(error)
        }
    }

    func stopWithFault(_ reason: String) -> StopReason {
        let rip = hot.pointee.rip
        var bytes: [UInt8] = []
        for k in 0..<15 {
            guard let pa = try? translate(rip &+ UInt64(k), .fetch) else { break }
            bytes.append(UInt8(truncatingIfNeeded: physicalRead(pa, 1)))
        }
        if let p = bytes.withUnsafeBufferPointer({ try? OpcodeMaps.standard.parse($0).get() }) {
            bytes = Array(bytes.prefix(p.length))
        }
        powerState = .stopped
        let r = StopReason.guestFault(GuestFault(cpuPath: path, pc: rip, instructionBytes: bytes, reason: reason))
        leaveReason = r
        return r
    }

    /// Reads a linear address with supervisor rights (IDT, GDT, TSS), without filling the TLB.
    func supervisorRead(_ va: UInt64, _ size: Int) throws(X86Fault) -> UInt64 {
        let cpl = hot.pointee.cpl
        hot.pointee.cpl = 0
        defer { hot.pointee.cpl = cpl }
        var v: UInt64 = 0
        for k in 0..<size {
            let pa = try translate(va &+ UInt64(k), .read)
            v |= physicalRead(pa, 1) << (8 * UInt64(k))
        }
        return v
    }

    /// Changes CPL; the TLB caches permission checks for one CPL.
    func setCPL(_ cpl: UInt8) {
        if hot.pointee.cpl != cpl {
            hot.pointee.cpl = cpl
            flushTLB()
        }
    }

    /// Pushes an interrupt frame and enters the handler through a 64-bit
    /// IDT gate (SDM Vol. 3A, §6.14). RIP in `hot` is the return address.
    func deliver(vector: UInt8, errorCode: UInt32?, kind: DeliveryKind) throws(X86Fault) {
        let gateOffset = UInt64(vector) * 16
        let selectorError = UInt32(vector) * 8 + 2 + (kind == .external ? 1 : 0)
        guard gateOffset + 15 <= UInt64(idtrLimit) else { throw X86Fault.gp(selectorError) }
        let low = try supervisorRead(idtrBase &+ gateOffset, 8)
        let high = try supervisorRead(idtrBase &+ gateOffset &+ 8, 8)
        let type = (low >> 40) & 0xF
        let dpl = UInt8((low >> 45) & 3)
        guard type == 0xE || type == 0xF else { throw X86Fault.gp(selectorError) }
        if kind == .software && dpl < hot.pointee.cpl { throw X86Fault.gp(selectorError) }
        guard (low >> 47) & 1 != 0 else { throw X86Fault(vector: X86Vector.np, errorCode: selectorError, hasErrorCode: true) }
        let selector = UInt16((low >> 16) & 0xFFFF)
        let target = (low & 0xFFFF) | ((low >> 32) & 0xFFFF_0000) | (high << 32)
        let ist = Int((low >> 32) & 7)
        let oldCPL = hot.pointee.cpl
        let newCPL = UInt8(selector & 3)
        guard selector & ~3 != 0 else { throw X86Fault.gp(0) }
        let flags = rflags
        let oldRSP = gpr[4]
        let oldSS = segments[1]
        var rsp = oldRSP
        if ist != 0 {
            rsp = try supervisorRead(trBase &+ 36 &+ UInt64(ist - 1) * 8, 8)
        } else if newCPL < oldCPL {
            rsp = try supervisorRead(trBase &+ 4 &+ UInt64(newCPL) * 8, 8)
        }
        rsp &= ~0xF
        setCPL(newCPL)
        var frame: [UInt64] = [UInt64(oldSS), oldRSP, flags, UInt64(segments[0]), hot.pointee.rip]
        if let code = errorCode { frame.append(UInt64(code)) }
        do throws(X86Fault) {
            for v in frame {
                rsp &-= 8
                try write(rsp, 8, v)
            }
        } catch {
            setCPL(oldCPL)
            throw error
        }
        gpr[4] = rsp
        if newCPL < oldCPL { segments[1] = UInt16(newCPL) }
        segments[0] = selector
        var newFlags = flags & ~(RFlags.tf | RFlags.nt | RFlags.rf | RFlags.vm)
        if type == 0xE { newFlags &= ~RFlags.if }
        setRFlags(newFlags)
        hot.pointee.rip = target
        if vector == X86Vector.nmi { apic.nmiInService = true }
    }
}
