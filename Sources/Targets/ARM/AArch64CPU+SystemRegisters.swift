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
    /// `OSLAR_EL1`, `OSDLR_EL1` (accepted and ignored)
    static let oslarEL1 = SystemRegister(2, 0, 1, 0, 4)
    static let osdlrEL1 = SystemRegister(2, 0, 1, 3, 4)
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
}

extension AArch64CPU {
    /// MRS: the value, or nil if the register is not implemented (UNDEFINED).
    func readSystemRegister(_ key: SystemRegister) -> UInt64? {
        if currentEL == 0 && !accessibleFromEL0(key) { return nil }
        switch key {
        case .midrEL1: return sys.midr
        case .mpidrEL1: return sys.mpidr
        case .revidrEL1: return 0
        case .idAA64PFR0EL1: return 0x11   // EL0 and EL1 AArch64 only; FP and AdvSIMD implemented
        case .idAA64ISAR0EL1: return 0x0021_1120  // Atomic = 2 (LSE), CRC32 = 1, SHA2 = 1, SHA1 = 1, AES = 2 (with PMULL)
        case .idAA64MMFR0EL1: return 0x0F10_0000 | 5  // 4 KiB granule, 48-bit PA
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
        case .dczidEL0: return 4          // DC ZVA allowed, 64-byte blocks
        case .tpidrEL0: return sys.tpidrEL0
        case .tpidrroEL0: return sys.tpidrroEL0
        case .mdscrEL1: return sys.mdscr
        case .cntfrqEL0, .cntpctEL0, .cntvctEL0, .cntpTvalEL0, .cntpCtlEL0, .cntpCvalEL0,
             .cntvTvalEL0, .cntvCtlEL0, .cntvCvalEL0:
            return timer.read(key)
        default: return nil
        }
    }

    /// MSR: false if the register is not writable here (UNDEFINED).
    func writeSystemRegister(_ key: SystemRegister, _ v: UInt64) -> Bool {
        if currentEL == 0 && !accessibleFromEL0(key) { return false }
        switch key {
        case .sctlrEL1: sys.sctlr = v; systemStateChanged()
        case .cpacrEL1: sys.cpacr = v
        case .ttbr0EL1: sys.ttbr0 = v
        case .ttbr1EL1: sys.ttbr1 = v
        case .tcrEL1: sys.tcr = v
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
        case .cntkctlEL1: sys.cntkctl = v
        case .tpidrEL0: sys.tpidrEL0 = v
        case .tpidrroEL0: sys.tpidrroEL0 = v
        case .mdscrEL1: sys.mdscr = v
        case .oslarEL1, .osdlrEL1: break
        case .cntpTvalEL0, .cntpCtlEL0, .cntpCvalEL0, .cntvTvalEL0, .cntvCtlEL0, .cntvCvalEL0:
            timer.write(key, v)
        default: return false
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
