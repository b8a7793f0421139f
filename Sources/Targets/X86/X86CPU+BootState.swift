import ChimeraCore

/// The convenience boot state a compiled C kernel expects.
///
/// The x86-64 psABI (System V AMD64 ABI, §3.2.3 and §3.4.1) assumes SSE2 is
/// usable from the first instruction and that the control words hold their
/// initial values; compilers emit SSE for ordinary code (clang does for
/// `memcpy`, floating point and struct copies). A kernel started in bare
/// long mode with CR4.OSFXSR clear would die with #UD at its first such
/// instruction. So, unless `psabi-boot-state` is off, reset also enables
/// the FPU and SSE the way an operating system's start-up code would
/// (Intel SDM Vol. 3A §9.6 "Initializing SSE/SSE2/SSE3/SSSE3 Extensions"):
///
/// - CR0.MP set and CR0.EM clear (no x87 emulation, WAIT honours TS),
/// - CR4.OSFXSR (bit 9) and CR4.OSXMMEXCPT (bit 10) set,
/// - MXCSR = 0x1F80 and the x87 control word = 0x037F (their reset values).
extension X86CPU {
    /// The property that turns the psABI additions off, for kernels that want the bare state.
    static let psABIBootStateProperty = PropertyDescriptor(
        "psabi-boot-state", .bool, default: true,
        doc: "At reset also enable x87/SSE as the x86-64 psABI assumes (CR0.MP, CR4.OSFXSR|OSXMMEXCPT, MXCSR and FCW at reset values); off: bare long mode")

    /// Applies the psABI boot-state additions after the bare reset state; a no-op when the property is off.
    func applyPSABIBootState() {
        guard boolProperty("psabi-boot-state") else { return }
        cr0 = (cr0 | 0x2) & ~UInt64(0x4)  // MP on, EM off
        cr4 |= 0x600                      // OSFXSR, OSXMMEXCPT
        mxcsr = 0x1F80
        x87Control = 0x037F
        updateSSEEnabled()
    }
}
