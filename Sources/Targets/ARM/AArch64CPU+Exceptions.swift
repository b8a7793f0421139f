import ChimeraCore
import ChimeraCPUKit

/// Exception classes of ESR_ELx.EC (ARM ARM D17.2.37) that this core raises.
enum ExceptionClass {
    static let unknown: UInt64 = 0x00
    static let fpAccess: UInt64 = 0x07
    static let svc: UInt64 = 0x15
    static let hvc: UInt64 = 0x16
    static let smc: UInt64 = 0x17
    static let instructionAbortLower: UInt64 = 0x20
    static let instructionAbortSame: UInt64 = 0x21
    static let pcAlignment: UInt64 = 0x22
    static let dataAbortLower: UInt64 = 0x24
    static let dataAbortSame: UInt64 = 0x25
    static let spAlignment: UInt64 = 0x26
    static let brk: UInt64 = 0x3C
}

/// Vector offsets from VBAR_EL1 (ARM ARM D1.10.2).
enum VectorOffset {
    static let synchronous: UInt64 = 0x000
    static let irq: UInt64 = 0x080
    static let fiq: UInt64 = 0x100
}

extension AArch64CPU {
    /// PSTATE as saved in SPSR_EL1: NZCV, DAIF, M[3:0] = EL:SPSel.
    var pstateValue: UInt64 {
        regs[Slot.nzcv] | daif | (currentEL << 2) | spSel
    }

    func saveSP() {
        if currentEL == 0 || spSel == 0 { spEL0 = regs[Int(Slot.sp)] } else { spEL1 = regs[Int(Slot.sp)] }
    }

    func loadSP() {
        regs[Int(Slot.sp)] = (currentEL == 0 || spSel == 0) ? spEL0 : spEL1
    }

    /// Recomputes hot-loop flags derived from system state.
    func systemStateChanged() {
        updateInterruptPending()
        let sa = currentEL == 0 ? (sys.sctlr >> 4) & 1 : (sys.sctlr >> 3) & 1
        st.pointee.spAlignmentCheck = UInt32(sa)
    }

    func updateInterruptPending() {
        var p: UInt32 = 0
        if irqLevel && daif & 0x80 == 0 { p |= 1 }
        if fiqLevel && daif & 0x40 == 0 { p |= 2 }
        st.pointee.interruptPending = p
    }

    /// Is FP/SIMD access trapped by CPACR_EL1.FPEN at the current EL?
    var fpAccessTrapped: Bool {
        let fpen = (sys.cpacr >> 20) & 3
        return fpen == 0 || fpen == 2 || (fpen == 1 && currentEL == 0)
    }

    /// Enters EL1 through the vector at `offset`. Returns false (and records
    /// a guest fault) when the guest has no usable vector table.
    @discardableResult
    func takeException(offset: UInt64, syndrome: UInt64?, faultAddress: UInt64?, returnAddress: UInt64, reason: String) -> Bool {
        let base: UInt64 = currentEL == 0 ? 0x400 : (spSel == 1 ? 0x200 : 0)
        let target = sys.vbar &+ base &+ offset
        let recursive = offset == VectorOffset.synchronous && returnAddress == lastVectorTaken && syndrome != nil
        guard sys.vbar != 0, isMappedRAM(target), !recursive else {
            let bytes = debugPhysical(returnAddress).flatMap { cluster?.memory.readBytes($0, count: 4) } ?? []
            let why = sys.vbar == 0 ? "no vector table (VBAR_EL1 is 0)"
                : recursive ? "recursive exception at the vector entry" : "vector 0x\(String(target, radix: 16)) is not mapped"
            pendingStop = .guestFault(GuestFault(cpuPath: path, pc: returnAddress, instructionBytes: bytes,
                                                 reason: "\(reason); \(why)"))
            st.pointee.pc = returnAddress
            return false
        }
        sys.spsr = pstateValue
        sys.elr = returnAddress
        if let syndrome { sys.esr = syndrome }
        if let faultAddress { sys.far = faultAddress }
        saveSP()
        enterExceptionLevel(1)
        spSel = 1
        loadSP()
        daif = 0x3C0
        st.pointee.exclusiveAddress = .max
        st.pointee.pc = target
        lastVectorTaken = target
        systemStateChanged()
        return true
    }

    /// Does `va` translate (without faulting) to RAM?
    func isMappedRAM(_ va: UInt64) -> Bool {
        guard let pa = debugPhysical(va), let memory = cluster?.memory, case .ram = memory.target(of: pa) else { return false }
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

    /// Takes a pending, unmasked IRQ or FIQ at `st.pc` (between blocks).
    func takeInterrupt() {
        let fiq = st.pointee.interruptPending & 2 != 0
        takeException(offset: fiq ? VectorOffset.fiq : VectorOffset.irq, syndrome: nil, faultAddress: nil,
                      returnAddress: st.pointee.pc, reason: fiq ? "FIQ" : "IRQ")
    }

    /// ERET: restores PSTATE from SPSR_EL1 and jumps to ELR_EL1.
    func exceptionReturn() {
        let spsr = sys.spsr
        saveSP()
        regs[Slot.nzcv] = spsr & 0xF000_0000
        daif = spsr & 0x3C0
        let el = (spsr >> 2) & 3
        if spsr & 0x10 != 0 || el > 1 {
            // Illegal return (AArch32 or a higher EL than implemented): stay at EL1h.
            enterExceptionLevel(1)
            spSel = 1
        } else {
            enterExceptionLevel(el)
            spSel = el == 0 ? 0 : spsr & 1
        }
        loadSP()
        st.pointee.exclusiveAddress = .max
        st.pointee.pc = sys.elr
        lastVectorTaken = .max
        systemStateChanged()
    }
}
