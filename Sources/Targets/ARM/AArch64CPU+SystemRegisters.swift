import ChimeraCore

/// A system-register encoding `op0:op1:CRn:CRm:op2` as one 16-bit key.
struct SystemRegister: RawRepresentable, Hashable {
    var rawValue: UInt16
    init(rawValue: UInt16) { self.rawValue = rawValue }
    init(_ op0: UInt16, _ op1: UInt16, _ crn: UInt16, _ crm: UInt16, _ op2: UInt16) {
        rawValue = op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2
    }

    /// `MIDR_EL1`
    static let midrEL1 = SystemRegister(3, 0, 0, 0, 0)
    /// `MPIDR_EL1`
    static let mpidrEL1 = SystemRegister(3, 0, 0, 0, 5)
    /// `REVIDR_EL1`
    static let revidrEL1 = SystemRegister(3, 0, 0, 0, 6)
    /// `ID_AA64PFR0_EL1`
    static let idAA64PFR0EL1 = SystemRegister(3, 0, 0, 4, 0)
    /// `ID_AA64ISAR0_EL1`
    static let idAA64ISAR0EL1 = SystemRegister(3, 0, 0, 6, 0)
    /// `ID_AA64MMFR0_EL1`
    static let idAA64MMFR0EL1 = SystemRegister(3, 0, 0, 7, 0)
    /// `SCTLR_EL1`
    static let sctlrEL1 = SystemRegister(3, 0, 1, 0, 0)
    /// `CPACR_EL1`
    static let cpacrEL1 = SystemRegister(3, 0, 1, 0, 2)
    /// `TTBR0_EL1`
    static let ttbr0EL1 = SystemRegister(3, 0, 2, 0, 0)
    /// `TTBR1_EL1`
    static let ttbr1EL1 = SystemRegister(3, 0, 2, 0, 1)
    /// `TCR_EL1`
    static let tcrEL1 = SystemRegister(3, 0, 2, 0, 2)
    /// `SPSR_EL1`
    static let spsrEL1 = SystemRegister(3, 0, 4, 0, 0)
    /// `ELR_EL1`
    static let elrEL1 = SystemRegister(3, 0, 4, 0, 1)
    /// `SP_EL0`
    static let spEL0 = SystemRegister(3, 0, 4, 1, 0)
    /// `SPSel`
    static let spSel = SystemRegister(3, 0, 4, 2, 0)
    /// `CurrentEL`
    static let currentEL = SystemRegister(3, 0, 4, 2, 2)
    /// `DAIF`
    static let daif = SystemRegister(3, 3, 4, 2, 1)
    /// `NZCV`
    static let nzcv = SystemRegister(3, 3, 4, 2, 0)
    /// `FPCR`
    static let fpcr = SystemRegister(3, 3, 4, 4, 0)
    /// `FPSR`
    static let fpsr = SystemRegister(3, 3, 4, 4, 1)
    /// `AFSR0_EL1`, `AFSR1_EL1`
    static let afsr0EL1 = SystemRegister(3, 0, 5, 1, 0)
    static let afsr1EL1 = SystemRegister(3, 0, 5, 1, 1)
    /// `ESR_EL1`
    static let esrEL1 = SystemRegister(3, 0, 5, 2, 0)
    /// `FAR_EL1`
    static let farEL1 = SystemRegister(3, 0, 6, 0, 0)
    /// `PAR_EL1`
    static let parEL1 = SystemRegister(3, 0, 7, 4, 0)
    /// `MAIR_EL1`
    static let mairEL1 = SystemRegister(3, 0, 10, 2, 0)
    /// `VBAR_EL1`
    static let vbarEL1 = SystemRegister(3, 0, 12, 0, 0)
    /// `ISR_EL1`
    static let isrEL1 = SystemRegister(3, 0, 12, 1, 0)
    /// `CONTEXTIDR_EL1`
    static let contextidrEL1 = SystemRegister(3, 0, 13, 0, 1)
    /// `TPIDR_EL1`
    static let tpidrEL1 = SystemRegister(3, 0, 13, 0, 4)
    /// `CNTKCTL_EL1`
    static let cntkctlEL1 = SystemRegister(3, 0, 14, 1, 0)
    /// `CTR_EL0`
    static let ctrEL0 = SystemRegister(3, 3, 0, 0, 1)
    /// `DCZID_EL0`
    static let dczidEL0 = SystemRegister(3, 3, 0, 0, 7)
    /// `TPIDR_EL0`
    static let tpidrEL0 = SystemRegister(3, 3, 13, 0, 2)
    /// `TPIDRRO_EL0`
    static let tpidrroEL0 = SystemRegister(3, 3, 13, 0, 3)
    /// `CNTFRQ_EL0`
    static let cntfrqEL0 = SystemRegister(3, 3, 14, 0, 0)
    /// `CNTPCT_EL0`
    static let cntpctEL0 = SystemRegister(3, 3, 14, 0, 1)
    /// `CNTVCT_EL0`
    static let cntvctEL0 = SystemRegister(3, 3, 14, 0, 2)
    /// `CNTP_TVAL_EL0`, `CNTP_CTL_EL0`, `CNTP_CVAL_EL0`
    static let cntpTvalEL0 = SystemRegister(3, 3, 14, 2, 0)
    static let cntpCtlEL0 = SystemRegister(3, 3, 14, 2, 1)
    static let cntpCvalEL0 = SystemRegister(3, 3, 14, 2, 2)
    /// `CNTV_TVAL_EL0`, `CNTV_CTL_EL0`, `CNTV_CVAL_EL0`
    static let cntvTvalEL0 = SystemRegister(3, 3, 14, 3, 0)
    static let cntvCtlEL0 = SystemRegister(3, 3, 14, 3, 1)
    static let cntvCvalEL0 = SystemRegister(3, 3, 14, 3, 2)
    /// `MDSCR_EL1` (accepted and ignored)
    static let mdscrEL1 = SystemRegister(2, 0, 0, 2, 2)
    /// `OSLAR_EL1`, `OSLSR_EL1`, `OSDLR_EL1`: the OS lock (state only)
    static let oslarEL1 = SystemRegister(2, 0, 1, 0, 4)
    static let oslsrEL1 = SystemRegister(2, 0, 1, 1, 4)
    static let osdlrEL1 = SystemRegister(2, 0, 1, 3, 4)
    /// `MDCCINT_EL1`, `MDRAR_EL1`, `DBGCLAIMSET_EL1`, `DBGCLAIMCLR_EL1`, `DBGAUTHSTATUS_EL1`
    static let mdccintEL1 = SystemRegister(2, 0, 0, 2, 0)
    static let mdrarEL1 = SystemRegister(2, 0, 1, 0, 0)
    static let dbgclaimsetEL1 = SystemRegister(2, 0, 7, 8, 6)
    static let dbgclaimclrEL1 = SystemRegister(2, 0, 7, 9, 6)
    static let dbgauthstatusEL1 = SystemRegister(2, 0, 7, 14, 6)
    /// `ID_AA64DFR0_EL1`, `ID_AA64MMFR1_EL1`
    static let idAA64DFR0EL1 = SystemRegister(3, 0, 0, 5, 0)
    static let idAA64MMFR1EL1 = SystemRegister(3, 0, 0, 7, 1)
    /// `ACTLR_EL1`, `AMAIR_EL1`, `RVBAR_EL1`
    static let actlrEL1 = SystemRegister(3, 0, 1, 0, 1)
    static let amairEL1 = SystemRegister(3, 0, 10, 3, 0)
    static let rvbarEL1 = SystemRegister(3, 0, 12, 0, 1)
    /// `CCSIDR_EL1`, `CLIDR_EL1`, `AIDR_EL1`, `CSSELR_EL1`
    static let ccsidrEL1 = SystemRegister(3, 1, 0, 0, 0)
    static let clidrEL1 = SystemRegister(3, 1, 0, 0, 1)
    static let aidrEL1 = SystemRegister(3, 1, 0, 0, 7)
    static let csselrEL1 = SystemRegister(3, 2, 0, 0, 0)

    var op0: UInt16 { rawValue >> 14 }
    var op1: UInt16 { (rawValue >> 11) & 7 }
    var crn: UInt16 { (rawValue >> 7) & 15 }
    var crm: UInt16 { (rawValue >> 3) & 15 }
    var op2: UInt16 { rawValue & 7 }

    /// The assembler's generic name, `S3_0_C15_C2_0`.
    var genericName: String { "S\(op0)_\(op1)_C\(crn)_C\(crm)_\(op2)" }

    /// In the ID register space (op0 = 3, op1 = 0, CRn = 0, CRm = 1–7),
    /// where unallocated encodings read as zero (ARM ARM D17.3.1).
    var isIDRegister: Bool { op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 }

    /// A breakpoint or watchpoint register `DBG{B,W}{V,C}Rn_EL1`: its slot
    /// in `SystemRegisterFile.debugPoints` (n × 4 + kind), or nil.
    var debugPointSlot: Int? {
        guard op0 == 2, op1 == 0, crn == 0, op2 >= 4 else { return nil }
        let n = Int(crm), kind = Int(op2) - 4    // 0 BVR, 1 BCR, 2 WVR, 3 WCR
        let count = kind < 2 ? SystemRegisterFile.breakpoints : SystemRegisterFile.watchpoints
        return n < count ? n * 4 + kind : nil
    }
}

/// Plain-storage EL1/EL0 system registers (those without side effects live here).
struct SystemRegisterFile {
    /// RES1 bits of SCTLR_EL1 set; MMU, caches and alignment checks off.
    var sctlr: UInt64 = 0x30D0_0800
    var cpacr: UInt64 = 0
    var ttbr0: UInt64 = 0
    var ttbr1: UInt64 = 0
    var tcr: UInt64 = 0
    var mair: UInt64 = 0
    var esr: UInt64 = 0
    var far: UInt64 = 0
    var elr: UInt64 = 0
    var spsr: UInt64 = 0
    var vbar: UInt64 = 0
    var contextidr: UInt64 = 0
    var tpidrEL1: UInt64 = 0
    var tpidrEL0: UInt64 = 0
    var tpidrroEL0: UInt64 = 0
    var cntkctl: UInt64 = 0
    var par: UInt64 = 0
    var afsr0: UInt64 = 0
    var afsr1: UInt64 = 0
    var mdscr: UInt64 = 0
    var midr: UInt64 = 0x410F_D034
    var mpidr: UInt64 = 0x8000_0000
    var actlr: UInt64 = 0
    var amair: UInt64 = 0
    var csselr: UInt64 = 0
    var mdccint: UInt64 = 0
    var claimTags: UInt64 = 0
    /// OSLAR_EL1.OSLK as last written (the OS lock is set out of reset).
    var osLocked = true
    var osdlr: UInt64 = 0
    /// DBGBVRn/DBGBCRn/DBGWVRn/DBGWCRn, four per n (`SystemRegister.debugPointSlot`):
    /// stored for the kernel's debug code; no breakpoint or watchpoint fires.
    var debugPoints = [UInt64](repeating: 0, count: 4 * max(SystemRegisterFile.breakpoints, SystemRegisterFile.watchpoints))

    /// Breakpoint and watchpoint pairs ID_AA64DFR0_EL1 reports, as a Cortex-A53.
    static let breakpoints = 6
    static let watchpoints = 4

    /// ID_AA64DFR0_EL1: debug architecture v8.0, no PMU and no trace unit,
    /// `breakpoints` and `watchpoints` pairs, two context-aware breakpoints.
    static let debugFeatures: UInt64 = UInt64(2 - 1) << 28 | UInt64(watchpoints - 1) << 20 | UInt64(breakpoints - 1) << 12 | 6

    /// ID_AA64MMFR0_EL1: 48-bit PA, 16-bit ASIDs, 4 KiB, 16 KiB and 64 KiB granules.
    static let memoryModelFeatures: UInt64 = 0x0010_0000 | 2 << 4 | 5

    /// CLIDR_EL1 of a Cortex-A53 with L2: L1 separate I and D, L2 unified,
    /// LoUIS = 1, LoC = 2, LoUU = 1.
    static let cacheLevels: UInt64 = 1 << 27 | 2 << 24 | 1 << 21 | 4 << 3 | 3

    /// CCSIDR_EL1 for CSSELR_EL1 (v8.0 layout: NumSets−1, Associativity−1,
    /// log2(words per line)−2): L1D 32 KiB 4-way, L1I 32 KiB 2-way, L2 512 KiB 16-way.
    func cacheSizeID() -> UInt64 {
        func id(sets: UInt64, ways: UInt64) -> UInt64 { (sets - 1) << 13 | (ways - 1) << 3 | 2 }
        switch csselr & 0xF {
        case 0: return id(sets: 128, ways: 4)
        case 1: return id(sets: 256, ways: 2)
        case 2: return id(sets: 512, ways: 16)
        default: return 0
        }
    }
}

extension AArch64CPU {
    /// MRS: the value, or nil if the register is not implemented (UNDEFINED).
    func readSystemRegister(_ key: SystemRegister) -> UInt64? {
        if currentEL == 0 && !accessibleFromEL0(key) { return nil }
        if let slot = key.debugPointSlot { return sys.debugPoints[slot] }
        if key.isEL2Register {
            guard hasEL2, currentEL == 2 else { return nil }
            if let v = readHypervisorRegister(key) { return v }
            reportUnimplemented(key, write: false)
            return nil
        }
        switch key {
        // Below EL2, EL2's virtualization registers stand in for the IDs.
        case .midrEL1: return hasEL2 && currentEL < 2 ? hyp.vpidr : sys.midr
        case .mpidrEL1: return hasEL2 && currentEL < 2 ? hyp.vmpidr : sys.mpidr
        case .revidrEL1, .aidrEL1, .rvbarEL1, .mdrarEL1: return 0
        case .idAA64PFR0EL1:
            // EL0 and EL1 (and EL2 when implemented) AArch64 only; FP and
            // AdvSIMD implemented; GIC = 1 with a GICv3 CPU interface.
            return 0x11 | (hasEL2 ? 0x100 : 0) | (gicInterface != nil ? 1 << 24 : 0)
        case .idAA64DFR0EL1: return SystemRegisterFile.debugFeatures
        case .idAA64ISAR0EL1: return 0x0021_1120  // Atomic = 2 (LSE), CRC32 = 1, SHA2 = 1, SHA1 = 1, AES = 2 (with PMULL)
        case .idAA64MMFR0EL1: return SystemRegisterFile.memoryModelFeatures
        case .actlrEL1: return sys.actlr
        case .amairEL1: return sys.amair
        case .clidrEL1: return SystemRegisterFile.cacheLevels
        case .ccsidrEL1: return sys.cacheSizeID()
        case .csselrEL1: return sys.csselr
        case .mdccintEL1: return sys.mdccint
        case .oslsrEL1: return 1 << 3 | (sys.osLocked ? 1 << 1 : 0)   // OSLM = 0b10: the OS lock is implemented
        case .osdlrEL1: return sys.osdlr
        case .dbgclaimsetEL1: return 0xFF
        case .dbgclaimclrEL1: return sys.claimTags
        case .dbgauthstatusEL1: return 0xAA   // non-secure invasive and non-invasive debug implemented, disabled
        case .sctlrEL1: return sys.sctlr
        case .cpacrEL1: return sys.cpacr
        case .ttbr0EL1: return sys.ttbr0
        case .ttbr1EL1: return sys.ttbr1
        case .tcrEL1: return sys.tcr
        case .spsrEL1: return sys.spsr
        case .elrEL1: return sys.elr
        case .spEL0: return spSel == 0 ? nil : spEL0
        case .spSel: return spSel
        case .currentEL: return currentEL << 2
        case .daif: return daif
        case .nzcv: return regs[Slot.nzcv]
        case .fpcr: return st.pointee.fpcr
        case .fpsr: return st.pointee.fpsr
        case .afsr0EL1: return sys.afsr0
        case .afsr1EL1: return sys.afsr1
        case .esrEL1: return sys.esr
        case .farEL1: return sys.far
        case .parEL1: return sys.par
        case .mairEL1: return sys.mair
        case .vbarEL1: return sys.vbar
        case .isrEL1: return (irqLevel ? 0x80 : 0) | (fiqLevel ? 0x40 : 0)
        case .contextidrEL1: return sys.contextidr
        case .tpidrEL1: return sys.tpidrEL1
        case .cntkctlEL1: return sys.cntkctl
        case .ctrEL0: return 0x8444_C004
        case .dczidEL0:
            // 64-byte blocks; DZP reports EL0's DC ZVA prohibited unless SCTLR_EL1.DZE.
            return currentEL == 0 && sys.sctlr & (1 << 14) == 0 ? 0x14 : 4
        case .tpidrEL0: return sys.tpidrEL0
        case .tpidrroEL0: return sys.tpidrroEL0
        case .mdscrEL1: return sys.mdscr
        case .cntfrqEL0, .cntpctEL0, .cntvctEL0, .cntpTvalEL0, .cntpCtlEL0, .cntpCvalEL0,
             .cntvTvalEL0, .cntvCtlEL0, .cntvCvalEL0:
            return timer.read(key)
        default:
            if key.isGICCPUInterface, let gic = gicInterface { return gic.readGICRegister(key) }
            if key.isIDRegister && currentEL > 0 { return 0 }
            reportUnimplemented(key, write: false)
            return nil
        }
    }

    /// Notes, once per register and direction, a guest reaching a system
    /// register the core does not implement (it then takes UNDEFINED).
    func reportUnimplemented(_ key: SystemRegister, write: Bool) {
        (root as? Machine)?.warn("\(path): \(write ? "MSR" : "MRS") \(key.genericName) at EL\(currentEL): "
                                 + "system register not implemented (UNDEFINED)")
    }

    /// MSR: false if the register is not writable here (UNDEFINED).
    func writeSystemRegister(_ key: SystemRegister, _ v: UInt64) -> Bool {
        if currentEL == 0 && !accessibleFromEL0(key) { return false }
        if let slot = key.debugPointSlot { sys.debugPoints[slot] = v; return true }
        if key.isEL2Register {
            guard hasEL2, currentEL == 2 else { return false }
            if writeHypervisorRegister(key, v) { return true }
            reportUnimplemented(key, write: true)
            return false
        }
        switch key {
        // Translation registers: the TLB holds one EL, ASID and table set,
        // so a change of any empties it.
        case .sctlrEL1:
            if v != sys.sctlr { flushTLB() }
            sys.sctlr = v
            systemStateChanged()
        case .cpacrEL1: sys.cpacr = v
        case .ttbr0EL1:
            if v != sys.ttbr0 { flushTLB() }
            sys.ttbr0 = v
        case .ttbr1EL1:
            if v != sys.ttbr1 { flushTLB() }
            sys.ttbr1 = v
        case .tcrEL1:
            if v != sys.tcr { flushTLB() }
            sys.tcr = v
        case .actlrEL1: sys.actlr = v
        case .amairEL1: sys.amair = v
        case .csselrEL1: sys.csselr = v & 0xF
        case .mdccintEL1: sys.mdccint = v
        case .dbgclaimsetEL1: sys.claimTags |= v & 0xFF
        case .dbgclaimclrEL1: sys.claimTags &= ~(v & 0xFF)
        case .oslarEL1: sys.osLocked = v & 1 != 0
        case .osdlrEL1: sys.osdlr = v & 1
        case .spsrEL1: sys.spsr = v
        case .elrEL1: sys.elr = v
        case .spEL0:
            guard spSel == 1 else { return false }
            spEL0 = v
        case .spSel: saveSP(); spSel = v & 1; loadSP()
        case .daif: daif = v & 0x3C0; updateInterruptPending()
        case .nzcv: regs[Slot.nzcv] = v & 0xF000_0000
        case .fpcr: st.pointee.fpcr = v & 0x07FF_9F00
        case .fpsr: st.pointee.fpsr = v & 0xF800_009F
        case .afsr0EL1: sys.afsr0 = v
        case .afsr1EL1: sys.afsr1 = v
        case .esrEL1: sys.esr = v
        case .farEL1: sys.far = v
        case .parEL1: sys.par = v
        case .mairEL1: sys.mair = v
        case .vbarEL1: sys.vbar = v & ~0x7FF
        case .contextidrEL1: sys.contextidr = v
        case .tpidrEL1: sys.tpidrEL1 = v
        case .cntkctlEL1: sys.cntkctl = v; eventStreamMark = timer.counter   // edges from now on
        case .tpidrEL0: sys.tpidrEL0 = v
        case .tpidrroEL0: sys.tpidrroEL0 = v
        case .mdscrEL1: sys.mdscr = v
        case .cntpTvalEL0, .cntpCtlEL0, .cntpCvalEL0, .cntvTvalEL0, .cntvCtlEL0, .cntvCvalEL0:
            timer.write(key, v)
        default:
            if key.isGICCPUInterface, let gic = gicInterface { return gic.writeGICRegister(key, v) }
            reportUnimplemented(key, write: true)
            return false
        }
        return true
    }

    private func accessibleFromEL0(_ key: SystemRegister) -> Bool {
        switch key {
        case .nzcv, .fpcr, .fpsr, .tpidrEL0, .tpidrroEL0, .ctrEL0, .dczidEL0, .cntfrqEL0, .cntvctEL0: return true
        case .cntpctEL0: return sys.cntkctl & 1 != 0
        case .daif: return sys.sctlr & (1 << 9) != 0
        default: return false
        }
    }
}
