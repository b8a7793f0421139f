import ChimeraCore
import ChimeraCPUKit

/// Exception classes of ESR_ELx.EC (ARM ARM D17.2.37) that this core raises.
enum ExceptionClass {
    static let unknown: UInt64 = 0x00
    static let wfx: UInt64 = 0x01
    static let fpAccess: UInt64 = 0x07
    static let svc: UInt64 = 0x15
    static let hvc: UInt64 = 0x16
    static let smc: UInt64 = 0x17
    static let systemRegisterTrap: UInt64 = 0x18
    static let instructionAbortLower: UInt64 = 0x20
    static let instructionAbortSame: UInt64 = 0x21
    static let pcAlignment: UInt64 = 0x22
    static let dataAbortLower: UInt64 = 0x24
    static let dataAbortSame: UInt64 = 0x25
    static let spAlignment: UInt64 = 0x26
    static let brk: UInt64 = 0x3C
}

/// Vector offsets from VBAR_ELx (ARM ARM D1.10.2).
enum VectorOffset {
    static let synchronous: UInt64 = 0x000
    static let irq: UInt64 = 0x080
    static let fiq: UInt64 = 0x100
}

extension AArch64CPU {
    /// PSTATE as saved in SPSR_ELx: NZCV, DAIF, M[3:0] = EL:SPSel.
    var pstateValue: UInt64 {
        regs[Slot.nzcv] | daif | (currentEL << 2) | spSel
    }

    func saveSP() {
        let sp = regs[Int(Slot.sp)]
        if currentEL == 0 || spSel == 0 { spEL0 = sp } else if currentEL == 1 { spEL1 = sp } else { spEL2 = sp }
    }

    func loadSP() {
        regs[Int(Slot.sp)] = currentEL == 0 || spSel == 0 ? spEL0 : currentEL == 1 ? spEL1 : spEL2
    }

    /// Recomputes hot-loop flags derived from system state.
    func systemStateChanged() {
        updateInterruptPending()
        let sa = currentEL == 0 ? (sys.sctlr >> 4) & 1 : ((currentEL == 2 ? hyp.sctlr : sys.sctlr) >> 3) & 1
        st.pointee.spAlignmentCheck = UInt32(sa)
    }

    func updateInterruptPending() {
        var p: UInt32 = 0
        if interruptTarget(fiq: false) != nil { p |= 1 }
        if interruptTarget(fiq: true) != nil { p |= 2 }
        st.pointee.interruptPending = p
    }

    /// Does CPACR_EL1.FPEN trap FP/SIMD at the current EL (to EL1)?
    var fpTrappedByCPACR: Bool {
        guard currentEL < 2 else { return false }
        let fpen = (sys.cpacr >> 20) & 3
        return fpen == 0 || fpen == 2 || (fpen == 1 && currentEL == 0)
    }

    /// Is FP/SIMD access trapped at the current EL, by CPACR_EL1.FPEN (to
    /// EL1) or CPTR_EL2.TFP (to EL2)?
    var fpAccessTrapped: Bool {
        fpTrappedByCPACR || (hasEL2 && hyp.cptr & (1 << 10) != 0)
    }

    /// Takes the FP/SIMD access trap for the instruction at `st.pc`.
    func raiseFPAccessTrap() {
        let cpacr = fpTrappedByCPACR
        takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ExceptionClass.fpAccess), faultAddress: nil,
                      returnAddress: st.pointee.pc,
                      reason: "FP/SIMD access trapped by \(cpacr ? "CPACR_EL1.FPEN" : "CPTR_EL2.TFP")", to: cpacr ? nil : 2)
    }

    /// Enters exception level `to` (by default the current one, or EL1 from
    /// EL0) through its vector at `offset`. Returns false (and records a
    /// guest fault) when the guest has no usable vector table there.
    @discardableResult
    func takeException(offset: UInt64, syndrome: UInt64?, faultAddress: UInt64?, returnAddress: UInt64, reason: String,
                       to target: UInt64? = nil) -> Bool {
        let el = target ?? max(currentEL, 1)
        let vbar = el == 2 ? hyp.vbar : sys.vbar
        let base: UInt64 = currentEL < el ? 0x400 : (spSel == 1 ? 0x200 : 0)
        let vector = vbar &+ base &+ offset
        let recursive = offset == VectorOffset.synchronous && returnAddress == lastVectorTaken && syndrome != nil
        guard vbar != 0, isMappedRAM(vector, el: el), !recursive else {
            let bytes = debugPhysical(returnAddress).flatMap { cluster?.memory.readBytes($0, count: 4) } ?? []
            let why = vbar == 0 ? "no vector table (VBAR_EL\(el) is 0)"
                : recursive ? "recursive exception at the vector entry" : "vector 0x\(String(vector, radix: 16)) is not mapped"
            pendingStop = .guestFault(GuestFault(cpuPath: path, pc: returnAddress, instructionBytes: bytes,
                                                 reason: "\(reason); \(why)"))
            st.pointee.pc = returnAddress
            return false
        }
        if el == 2 {
            hyp.spsr = pstateValue
            hyp.elr = returnAddress
            if let syndrome { hyp.esr = syndrome }
            if let faultAddress { hyp.far = faultAddress }
        } else {
            sys.spsr = pstateValue
            sys.elr = returnAddress
            if let syndrome { sys.esr = syndrome }
            if let faultAddress { sys.far = faultAddress }
        }
        saveSP()
        enterExceptionLevel(el)
        spSel = 1
        loadSP()
        daif = 0x3C0
        st.pointee.exclusiveAddress = .max
        st.pointee.pc = vector
        lastVectorTaken = vector
        systemStateChanged()
        return true
    }

    /// Does `va` translate (without faulting, in the regime of `el`) to RAM?
    func isMappedRAM(_ va: UInt64, el: UInt64) -> Bool {
        guard let pa = debugPhysical(va, el: el), let memory = cluster?.memory, case .ram = memory.target(of: pa) else { return false }
        return true
    }

    /// Moves to exception level `el`. The TLB holds the permissions of one
    /// EL, so a change empties it (as the x86 core does on a CPL change).
    func enterExceptionLevel(_ el: UInt64) {
        if el != currentEL { flushTLB() }
        currentEL = el
    }

    /// The instruction word at `va` for diagnostics ("?" when untranslatable).
    func instructionWordText(at va: UInt64) -> String {
        guard let pa = debugPhysical(va), let word = cluster?.memory.read(pa, size: 4) else { return "?" }
        return String(word, radix: 16)
    }

    /// ESR value: EC, IL = 1 (32-bit instruction), ISS.
    func syndrome(_ ec: UInt64, _ iss: UInt64 = 0) -> UInt64 { ec << 26 | 1 << 25 | (iss & 0x1FF_FFFF) }

    /// UNDEFINED instruction at `st.pc` (EC 0: unknown reason).
    func raiseUndefined() {
        let pc = st.pointee.pc
        takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ExceptionClass.unknown), faultAddress: nil,
                      returnAddress: pc, reason: "undefined instruction 0x\(instructionWordText(at: pc))")
    }

    /// Data abort: `status` is the DFSC (`FaultStatus`).
    /// Returns the trap for the caller to throw (the exception is taken).
    func raiseDataAbort(address: UInt64, write: Bool, status: UInt64, pc: UInt64) -> GuestTrap {
        let ec = currentEL == 0 ? ExceptionClass.dataAbortLower : ExceptionClass.dataAbortSame
        takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ec, status | (write ? 1 << 6 : 0)),
                      faultAddress: address, returnAddress: pc,
                      reason: "data abort (\(write ? "write" : "read") at 0x\(String(address, radix: 16)))")
        return .delivered
    }

    /// Instruction abort at `pc`: `status` is the IFSC (`FaultStatus`).
    func raiseInstructionAbort(_ pc: UInt64, status: UInt64) {
        let ec = currentEL == 0 ? ExceptionClass.instructionAbortLower : ExceptionClass.instructionAbortSame
        takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ec, status), faultAddress: pc,
                      returnAddress: pc, reason: "instruction abort (nothing executable at 0x\(String(pc, radix: 16)), "
                                                 + "fault status 0x\(String(status, radix: 16)))")
    }

    func raisePCAlignment(_ pc: UInt64) {
        takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ExceptionClass.pcAlignment), faultAddress: pc,
                      returnAddress: pc, reason: "PC alignment fault")
    }

    func raiseSPAlignment(_ pc: UInt64) -> GuestTrap {
        takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ExceptionClass.spAlignment), faultAddress: nil,
                      returnAddress: pc, reason: "SP alignment fault")
        return .delivered
    }

    /// Takes a pending, unmasked IRQ or FIQ at `st.pc` (between blocks), at
    /// the EL it is routed to.
    func takeInterrupt() {
        let fiq = st.pointee.interruptPending & 2 != 0
        takeException(offset: fiq ? VectorOffset.fiq : VectorOffset.irq, syndrome: nil, faultAddress: nil,
                      returnAddress: st.pointee.pc, reason: fiq ? "FIQ" : "IRQ", to: interruptTarget(fiq: fiq))
    }

    /// ERET: restores PSTATE from SPSR_ELx and jumps to ELR_ELx of the
    /// current EL (EL1 or EL2).
    func exceptionReturn() {
        let from = currentEL
        let spsr = from == 2 ? hyp.spsr : sys.spsr
        let elr = from == 2 ? hyp.elr : sys.elr
        saveSP()
        regs[Slot.nzcv] = spsr & 0xF000_0000
        daif = spsr & 0x3C0
        let el = (spsr >> 2) & 3
        if spsr & 0x10 != 0 || el > from {
            // Illegal return (AArch32, or to a higher EL): stay at the current EL, on SP_ELx.
            enterExceptionLevel(from)
            spSel = 1
        } else {
            enterExceptionLevel(el)
            spSel = el == 0 ? 0 : spsr & 1
        }
        loadSP()
        st.pointee.exclusiveAddress = .max
        st.pointee.pc = elr
        lastVectorTaken = .max
        systemStateChanged()
    }
}
