import ChimeraCore

/// EL2 of a core that implements it (`reset-el` 2): the non-VHE hypervisor
/// level Linux prefers to be entered at (ARM ARM D1.2). The kernel sets it
/// up, installs its stub vectors, drops to EL1 and calls back with HVC; KVM
/// then runs its nVHE hypervisor here with its own stage-1 tables
/// (TTBR0_EL2). What is modelled: the EL2 registers below, exceptions taken
/// to EL2 (HVC, trapped SMC, WFI/WFE, timer and FP accesses, IRQ/FIQ routed
/// by HCR_EL2.IMO/FMO, virtual IRQ/FIQ by HCR_EL2.VI/VF), ERET from EL2, the
/// EL2 translation regime, and the EL2 TLBI and AT forms. Not modelled, and
/// reported as a stop when a guest turns them on: stage-2 translation
/// (HCR_EL2.VM), HCR_EL2.TGE, and the GICv3 virtual CPU interface
/// (ICH_HCR_EL2.En). VHE (HCR_EL2.E2H) is not implemented
/// (ID_AA64MMFR1_EL1.VH = 0), so E2H is RES0.
struct HypervisorRegisterFile {
    var hcr: UInt64 = HypervisorControl.rw
    /// RES1 bits of SCTLR_EL2 (E2H = 0); MMU, caches and alignment checks off.
    var sctlr: UInt64 = 0x30C5_0830
    var actlr: UInt64 = 0
    var tcr: UInt64 = 1 << 31 | 1 << 23
    var ttbr0: UInt64 = 0
    var mair: UInt64 = 0
    var amair: UInt64 = 0
    var vbar: UInt64 = 0
    var elr: UInt64 = 0
    var spsr: UInt64 = 0
    var esr: UInt64 = 0
    var far: UInt64 = 0
    var hpfar: UInt64 = 0
    var afsr0: UInt64 = 0
    var afsr1: UInt64 = 0
    var tpidr: UInt64 = 0
    /// RES1 bits [13:12] and [9:0] (no SVE), TFP clear.
    var cptr: UInt64 = 0x33FF
    var hstr: UInt64 = 0
    var hacr: UInt64 = 0
    var mdcr: UInt64 = 0
    /// EL1PCEN and EL1PCTEN set: EL1 reaches the physical timer and counter.
    var cnthctl: UInt64 = 3
    var vttbr: UInt64 = 0
    var vtcr: UInt64 = 1 << 31
    var vpidr: UInt64 = 0
    var vmpidr: UInt64 = 0
    /// ICC_SRE_EL2.Enable (SRE, DFB and DIB read as one: there is no legacy interface).
    var gicSystemRegisterEnable: UInt64 = 0
    var ichHCR: UInt64 = 0
}

/// Bits of HCR_EL2 (ARM ARM D17.2.48) this core acts on.
enum HypervisorControl {
    static let vm: UInt64 = 1 << 0
    static let fmo: UInt64 = 1 << 3
    static let imo: UInt64 = 1 << 4
    static let vf: UInt64 = 1 << 6
    static let vi: UInt64 = 1 << 7
    static let twi: UInt64 = 1 << 13
    static let twe: UInt64 = 1 << 14
    static let tsc: UInt64 = 1 << 19
    static let tge: UInt64 = 1 << 27
    static let hcd: UInt64 = 1 << 29
    /// RW is RES1: EL1 is AArch64 only.
    static let rw: UInt64 = 1 << 31
    static let e2h: UInt64 = 1 << 34
}

/// EL2 system registers (op0 = 3, op1 = 4), reachable at EL2 only.
extension SystemRegister {
    static let vpidrEL2 = SystemRegister(3, 4, 0, 0, 0)
    static let vmpidrEL2 = SystemRegister(3, 4, 0, 0, 5)
    static let sctlrEL2 = SystemRegister(3, 4, 1, 0, 0)
    static let actlrEL2 = SystemRegister(3, 4, 1, 0, 1)
    static let hcrEL2 = SystemRegister(3, 4, 1, 1, 0)
    static let mdcrEL2 = SystemRegister(3, 4, 1, 1, 1)
    static let cptrEL2 = SystemRegister(3, 4, 1, 1, 2)
    static let hstrEL2 = SystemRegister(3, 4, 1, 1, 3)
    static let hacrEL2 = SystemRegister(3, 4, 1, 1, 7)
    static let ttbr0EL2 = SystemRegister(3, 4, 2, 0, 0)
    static let tcrEL2 = SystemRegister(3, 4, 2, 0, 2)
    static let vttbrEL2 = SystemRegister(3, 4, 2, 1, 0)
    static let vtcrEL2 = SystemRegister(3, 4, 2, 1, 2)
    static let spsrEL2 = SystemRegister(3, 4, 4, 0, 0)
    static let elrEL2 = SystemRegister(3, 4, 4, 0, 1)
    static let spEL1 = SystemRegister(3, 4, 4, 1, 0)
    static let afsr0EL2 = SystemRegister(3, 4, 5, 1, 0)
    static let afsr1EL2 = SystemRegister(3, 4, 5, 1, 1)
    static let esrEL2 = SystemRegister(3, 4, 5, 2, 0)
    static let farEL2 = SystemRegister(3, 4, 6, 0, 0)
    static let hpfarEL2 = SystemRegister(3, 4, 6, 0, 4)
    static let mairEL2 = SystemRegister(3, 4, 10, 2, 0)
    static let amairEL2 = SystemRegister(3, 4, 10, 3, 0)
    static let vbarEL2 = SystemRegister(3, 4, 12, 0, 0)
    static let rvbarEL2 = SystemRegister(3, 4, 12, 0, 1)
    static let iccSREEL2 = SystemRegister(3, 4, 12, 9, 5)
    static let ichHCREL2 = SystemRegister(3, 4, 12, 11, 0)
    static let tpidrEL2 = SystemRegister(3, 4, 13, 0, 2)
    static let cntvoffEL2 = SystemRegister(3, 4, 14, 0, 3)
    static let cnthctlEL2 = SystemRegister(3, 4, 14, 1, 0)

    /// Encoded with op1 = 4: an EL2 register (or SP_EL1), UNDEFINED below EL2.
    var isEL2Register: Bool { op0 == 3 && op1 == 4 }

    /// The ISS of an MSR/MRS trapped to a higher EL (EC 0x18, ARM ARM D17.2.37).
    func trapSyndrome(rt: UInt64, read: Bool) -> UInt64 {
        UInt64(op0) << 20 | UInt64(op2) << 17 | UInt64(op1) << 14 | UInt64(crn) << 10 | rt << 5 | UInt64(crm) << 1
            | (read ? 1 : 0)
    }
}

extension AArch64CPU {
    /// HCR_EL2 as it applies now: zero on a core without EL2.
    var hypervisorControl: UInt64 { hasEL2 ? hyp.hcr : 0 }

    /// Where an IRQ (or FIQ) pending now is taken, or nil while it is masked
    /// (ARM ARM D1.3.6): routed to EL2 by HCR_EL2.IMO/FMO, an interrupt is
    /// taken from EL0/EL1 whatever PSTATE says and at EL2 unless masked;
    /// otherwise it goes to EL1, and is never taken at EL2. A virtual
    /// interrupt (HCR_EL2.VI/VF, only while routed) goes to EL1 or EL0.
    func interruptTarget(fiq: Bool) -> UInt64? {
        let hcr = hypervisorControl
        let routed = hcr & (fiq ? HypervisorControl.fmo : HypervisorControl.imo) != 0
        let unmasked = daif & (fiq ? 0x40 : 0x80) == 0
        if fiq ? fiqLevel : irqLevel {
            if routed {
                if currentEL < 2 || unmasked { return 2 }
            } else if currentEL < 2 && unmasked {
                return 1
            }
        }
        if routed, currentEL < 2, unmasked, hcr & (fiq ? HypervisorControl.vf : HypervisorControl.vi) != 0 { return 1 }
        return nil
    }

    /// A virtual interrupt is pending (it wakes WFI as a physical one does).
    var virtualInterruptPending: Bool {
        let hcr = hypervisorControl
        return (hcr & HypervisorControl.imo != 0 && hcr & HypervisorControl.vi != 0)
            || (hcr & HypervisorControl.fmo != 0 && hcr & HypervisorControl.vf != 0)
    }

    /// HVC (ARM ARM C6.2.106): with EL2 implemented it is taken to EL2
    /// (UNDEFINED from EL0, or with HCR_EL2.HCD); without, the PSCI firmware
    /// answers it when that is its conduit.
    func hypervisorCall(_ op: Op, at pc: UInt64) -> UInt8 {
        guard currentEL >= 1 else { return undefined(at: pc) }
        guard hasEL2 else {
            guard psciConduit == "hvc" else { return undefined(at: pc) }
            return handlePSCICall(at: pc)
        }
        guard hypervisorControl & HypervisorControl.hcd == 0 else { return undefined(at: pc) }
        takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ExceptionClass.hvc, op.imm), faultAddress: nil,
                      returnAddress: pc &+ 4, reason: "HVC #\(op.imm)", to: 2)
        return pendingStop == nil ? 1 : 4
    }

    /// SMC: the PSCI firmware (standing in for EL3) answers it when that is
    /// its conduit; from EL1, HCR_EL2.TSC traps it to EL2 first.
    func secureMonitorCall(_ op: Op, at pc: UInt64) -> UInt8 {
        guard currentEL >= 1 else { return undefined(at: pc) }
        if currentEL == 1 && hypervisorControl & HypervisorControl.tsc != 0 {
            takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ExceptionClass.smc, op.imm), faultAddress: nil,
                          returnAddress: pc, reason: "SMC #\(op.imm) trapped by HCR_EL2.TSC", to: 2)
            return 2
        }
        guard psciConduit == "smc" else { return undefined(at: pc) }
        return handlePSCICall(at: pc)
    }

    /// WFI or WFE at EL0/EL1 trapped to EL2 by HCR_EL2.TWI/TWE: true when
    /// the exception was taken (the instruction does not execute).
    func trapWaitToEL2(wfe: Bool, at pc: UInt64) -> Bool {
        guard currentEL < 2, hypervisorControl & (wfe ? HypervisorControl.twe : HypervisorControl.twi) != 0 else { return false }
        st.pointee.pc = pc
        // ISS: CV = 1, COND = 0b1110 (always), TI = 1 for WFE.
        takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ExceptionClass.wfx, 1 << 24 | 0xE << 20 | (wfe ? 1 : 0)),
                      faultAddress: nil, returnAddress: pc, reason: wfe ? "WFE trapped by HCR_EL2.TWE" : "WFI trapped by HCR_EL2.TWI",
                      to: 2)
        return true
    }

    /// Is this MSR/MRS from EL0/EL1 trapped to EL2? CNTHCTL_EL2.EL1PCTEN
    /// guards the physical counter, EL1PCEN the physical timer.
    func trappedToEL2(_ key: SystemRegister) -> Bool {
        guard hasEL2, currentEL < 2 else { return false }
        switch key {
        case .cntpctEL0: return hyp.cnthctl & 1 == 0
        case .cntpTvalEL0, .cntpCtlEL0, .cntpCvalEL0: return hyp.cnthctl & 2 == 0
        default: return false
        }
    }

    /// Takes the EC 0x18 trap of an MSR/MRS of `key` with Xt = `rt` to EL2.
    func trapSystemRegisterAccess(_ key: SystemRegister, rt: UInt64, read: Bool, at pc: UInt64) -> UInt8 {
        st.pointee.pc = pc
        takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ExceptionClass.systemRegisterTrap,
                                                                           key.trapSyndrome(rt: rt, read: read)),
                      faultAddress: nil, returnAddress: pc, reason: "\(read ? "MRS" : "MSR") \(key.genericName) trapped to EL2",
                      to: 2)
        return 2
    }

    /// MRS of an EL2 register (the caller checked the EL): nil if not implemented.
    func readHypervisorRegister(_ key: SystemRegister) -> UInt64? {
        switch key {
        case .vpidrEL2: return hyp.vpidr
        case .vmpidrEL2: return hyp.vmpidr
        case .sctlrEL2: return hyp.sctlr
        case .actlrEL2: return hyp.actlr
        case .hcrEL2: return hyp.hcr
        case .mdcrEL2: return hyp.mdcr
        case .cptrEL2: return hyp.cptr
        case .hstrEL2: return hyp.hstr
        case .hacrEL2: return hyp.hacr
        case .ttbr0EL2: return hyp.ttbr0
        case .tcrEL2: return hyp.tcr
        case .vttbrEL2: return hyp.vttbr
        case .vtcrEL2: return hyp.vtcr
        case .spsrEL2: return hyp.spsr
        case .elrEL2: return hyp.elr
        case .spEL1: return spEL1
        case .afsr0EL2: return hyp.afsr0
        case .afsr1EL2: return hyp.afsr1
        case .esrEL2: return hyp.esr
        case .farEL2: return hyp.far
        case .hpfarEL2: return hyp.hpfar
        case .mairEL2: return hyp.mair
        case .amairEL2: return hyp.amair
        case .vbarEL2: return hyp.vbar
        case .rvbarEL2: return uintProperty("reset-pc")
        case .iccSREEL2: return gicInterface == nil ? nil : hyp.gicSystemRegisterEnable | 7
        case .ichHCREL2: return gicInterface == nil ? nil : hyp.ichHCR
        case .tpidrEL2: return hyp.tpidr
        case .cntvoffEL2: return timer.virtualOffset
        case .cnthctlEL2: return hyp.cnthctl
        default: return nil
        }
    }

    /// MSR of an EL2 register (the caller checked the EL): false if not writable.
    func writeHypervisorRegister(_ key: SystemRegister, _ v: UInt64) -> Bool {
        switch key {
        case .vpidrEL2: hyp.vpidr = v & 0xFFFF_FFFF
        case .vmpidrEL2: hyp.vmpidr = v | 0x8000_0000
        case .sctlrEL2:
            if v != hyp.sctlr { flushTLB() }
            hyp.sctlr = v
            systemStateChanged()
        case .actlrEL2: hyp.actlr = v
        case .hcrEL2:
            hyp.hcr = (v | HypervisorControl.rw) & ~HypervisorControl.e2h
            if hyp.hcr & HypervisorControl.vm != 0 {
                reportUnmodelled("HCR_EL2.VM turns on stage-2 translation, which this core does not model")
            } else if hyp.hcr & HypervisorControl.tge != 0 {
                reportUnmodelled("HCR_EL2.TGE (EL0 exceptions to EL2) is not modelled")
            }
            systemStateChanged()
        case .mdcrEL2: hyp.mdcr = v
        case .cptrEL2: hyp.cptr = v | 0x32FF
        case .hstrEL2: hyp.hstr = v
        case .hacrEL2: hyp.hacr = v
        case .ttbr0EL2:
            if v != hyp.ttbr0 { flushTLB() }
            hyp.ttbr0 = v
        case .tcrEL2:
            if v != hyp.tcr { flushTLB() }
            hyp.tcr = v
        case .vttbrEL2: hyp.vttbr = v
        case .vtcrEL2: hyp.vtcr = v
        case .spsrEL2: hyp.spsr = v
        case .elrEL2: hyp.elr = v
        case .spEL1: spEL1 = v
        case .afsr0EL2: hyp.afsr0 = v
        case .afsr1EL2: hyp.afsr1 = v
        case .esrEL2: hyp.esr = v
        case .farEL2: hyp.far = v
        case .hpfarEL2: hyp.hpfar = v
        case .mairEL2: hyp.mair = v
        case .amairEL2: hyp.amair = v
        case .vbarEL2: hyp.vbar = v & ~0x7FF
        case .iccSREEL2:
            guard gicInterface != nil else { return false }
            hyp.gicSystemRegisterEnable = v & 8
        case .ichHCREL2:
            guard gicInterface != nil else { return false }
            hyp.ichHCR = v
            if v & 1 != 0 { reportUnmodelled("ICH_HCR_EL2.En enables the GICv3 virtual CPU interface, which is not modelled") }
        case .tpidrEL2: hyp.tpidr = v
        case .cntvoffEL2: timer.virtualOffset = v
        case .cnthctlEL2: hyp.cnthctl = v
        default: return false
        }
        return true
    }

    /// Stops the run with a report naming what the guest asked for that the
    /// core does not model (rather than going on with wrong behaviour).
    func reportUnmodelled(_ what: String) {
        let pc = st.pointee.pc
        let bytes = debugPhysical(pc).flatMap { cluster?.memory.readBytes($0, count: 4) } ?? []
        pendingStop = .guestFault(GuestFault(cpuPath: path, pc: pc, instructionBytes: bytes, reason: "\(what) (Documentation/Linux.md)"))
        requestStop()
    }
}
