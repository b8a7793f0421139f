/// What an AArch64 core forwards its `ICC_*_EL1` accesses to: the GICv3 CPU
/// interface bound to that core (ARM IHI 0069, chapter 12). A core without
/// one treats those encodings as UNDEFINED, as before GICv3 existed.
///
/// The core holds it as an optional reference set when a GICv3 is realized
/// and consults it only on MRS/MSR of an ICC encoding, so the run loop pays
/// nothing for it.
protocol GICSystemRegisterInterface: AnyObject {
    /// MRS of an ICC register: its value, or nil when this interface has no
    /// readable register at `key` (the core then takes UNDEFINED).
    func readGICRegister(_ key: SystemRegister) -> UInt64?
    /// MSR of an ICC register: false when this interface has no writable
    /// register at `key` (UNDEFINED).
    func writeGICRegister(_ key: SystemRegister, _ value: UInt64) -> Bool
}

/// The GICv3 CPU interface registers reachable from EL1 (IHI 0069, 12.1.6).
extension SystemRegister {
    /// `ICC_PMR_EL1`
    static let iccPMREL1 = SystemRegister(3, 0, 4, 6, 0)
    /// `ICC_IAR0_EL1`, `ICC_EOIR0_EL1`, `ICC_HPPIR0_EL1`, `ICC_BPR0_EL1`
    static let iccIAR0EL1 = SystemRegister(3, 0, 12, 8, 0)
    static let iccEOIR0EL1 = SystemRegister(3, 0, 12, 8, 1)
    static let iccHPPIR0EL1 = SystemRegister(3, 0, 12, 8, 2)
    static let iccBPR0EL1 = SystemRegister(3, 0, 12, 8, 3)
    /// `ICC_AP0R0_EL1` (n = 0–3 at op2 4 + n)
    static let iccAP0R0EL1 = SystemRegister(3, 0, 12, 8, 4)
    /// `ICC_AP1R0_EL1` (n = 0–3 at op2 n)
    static let iccAP1R0EL1 = SystemRegister(3, 0, 12, 9, 0)
    /// `ICC_DIR_EL1`, `ICC_RPR_EL1`
    static let iccDIREL1 = SystemRegister(3, 0, 12, 11, 1)
    static let iccRPREL1 = SystemRegister(3, 0, 12, 11, 3)
    /// `ICC_SGI1R_EL1`, `ICC_ASGI1R_EL1`, `ICC_SGI0R_EL1`
    static let iccSGI1REL1 = SystemRegister(3, 0, 12, 11, 5)
    static let iccASGI1REL1 = SystemRegister(3, 0, 12, 11, 6)
    static let iccSGI0REL1 = SystemRegister(3, 0, 12, 11, 7)
    /// `ICC_IAR1_EL1`, `ICC_EOIR1_EL1`, `ICC_HPPIR1_EL1`, `ICC_BPR1_EL1`
    static let iccIAR1EL1 = SystemRegister(3, 0, 12, 12, 0)
    static let iccEOIR1EL1 = SystemRegister(3, 0, 12, 12, 1)
    static let iccHPPIR1EL1 = SystemRegister(3, 0, 12, 12, 2)
    static let iccBPR1EL1 = SystemRegister(3, 0, 12, 12, 3)
    /// `ICC_CTLR_EL1`, `ICC_SRE_EL1`, `ICC_IGRPEN0_EL1`, `ICC_IGRPEN1_EL1`
    static let iccCTLREL1 = SystemRegister(3, 0, 12, 12, 4)
    static let iccSREEL1 = SystemRegister(3, 0, 12, 12, 5)
    static let iccIGRPEN0EL1 = SystemRegister(3, 0, 12, 12, 6)
    static let iccIGRPEN1EL1 = SystemRegister(3, 0, 12, 12, 7)

    /// In the EL1 GIC CPU interface space: `ICC_PMR_EL1`, or op0 3, op1 0,
    /// CRn 12, CRm 8–12 (the ICC_* block; `VBAR_EL1`/`ISR_EL1` are CRm 0–1).
    var isGICCPUInterface: Bool {
        self == .iccPMREL1 || (op0 == 3 && op1 == 0 && crn == 12 && crm >= 8 && crm <= 12)
    }
}
