import CUnicorn

// Register identifiers. Raw values are Chimera's own dense indices (X0...X30 =
// 0...30, x86 GPRs in hardware encoding order RAX=0...R15=15) so simulators can
// index their register files directly; `ucID` maps them to Unicorn's ids.

/// An AArch64 scalar (at most 64-bit) register readable with `UnicornEngine.read(_:)`.
public enum ARM64Register: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// General-purpose register X0.
    case x0
    /// General-purpose register X1.
    case x1
    /// General-purpose register X2.
    case x2
    /// General-purpose register X3.
    case x3
    /// General-purpose register X4.
    case x4
    /// General-purpose register X5.
    case x5
    /// General-purpose register X6.
    case x6
    /// General-purpose register X7.
    case x7
    /// General-purpose register X8.
    case x8
    /// General-purpose register X9.
    case x9
    /// General-purpose register X10.
    case x10
    /// General-purpose register X11.
    case x11
    /// General-purpose register X12.
    case x12
    /// General-purpose register X13.
    case x13
    /// General-purpose register X14.
    case x14
    /// General-purpose register X15.
    case x15
    /// General-purpose register X16.
    case x16
    /// General-purpose register X17.
    case x17
    /// General-purpose register X18.
    case x18
    /// General-purpose register X19.
    case x19
    /// General-purpose register X20.
    case x20
    /// General-purpose register X21.
    case x21
    /// General-purpose register X22.
    case x22
    /// General-purpose register X23.
    case x23
    /// General-purpose register X24.
    case x24
    /// General-purpose register X25.
    case x25
    /// General-purpose register X26.
    case x26
    /// General-purpose register X27.
    case x27
    /// General-purpose register X28.
    case x28
    /// General-purpose register X29.
    case x29
    /// General-purpose register X30.
    case x30
    /// The stack pointer of the current exception level (Unicorn runs at EL1, SPSel=1).
    case sp
    /// The program counter.
    case pc
    /// The condition flags, in PSTATE bit positions (N=31, Z=30, C=29, V=28).
    case nzcv
    /// The floating-point control register.
    case fpcr
    /// The floating-point status register.
    case fpsr
    /// The full PSTATE as Unicorn packs it (SPSR layout: NZCV, DAIF, EL, SPSel).
    case pstate
    /// The EL0 read/write software thread ID register (TLS pointer).
    case tpidrEL0
    /// The EL0 read-only software thread ID register.
    case tpidrroEL0
    /// The banked EL0 stack pointer (`SP_EL0`), whatever the current EL.
    case spEL0
    /// The banked EL1 stack pointer (`SP_EL1`), whatever the current EL.
    case spEL1

    /// The general-purpose register Xn for `n` in 0...30, or nil otherwise.
    public static func x(_ n: Int) -> ARM64Register? {
        (0...30).contains(n) ? ARM64Register(rawValue: n) : nil
    }

    /// The architectural name in upper case, e.g. `X3`, `SP`, `NZCV`.
    public var description: String {
        switch self {
        case .sp: return "SP"
        case .pc: return "PC"
        case .nzcv: return "NZCV"
        case .fpcr: return "FPCR"
        case .fpsr: return "FPSR"
        case .pstate: return "PSTATE"
        case .tpidrEL0: return "TPIDR_EL0"
        case .tpidrroEL0: return "TPIDRRO_EL0"
        case .spEL0: return "SP_EL0"
        case .spEL1: return "SP_EL1"
        default: return "X\(rawValue)"
        }
    }

    /// The Unicorn register id (`UC_ARM64_REG_*`).
    var ucID: Int32 {
        switch self {
        case .x29: return Int32(UC_ARM64_REG_X29.rawValue)
        case .x30: return Int32(UC_ARM64_REG_X30.rawValue)
        case .sp: return Int32(UC_ARM64_REG_SP.rawValue)
        case .pc: return Int32(UC_ARM64_REG_PC.rawValue)
        case .nzcv: return Int32(UC_ARM64_REG_NZCV.rawValue)
        case .fpcr: return Int32(UC_ARM64_REG_FPCR.rawValue)
        case .fpsr: return Int32(UC_ARM64_REG_FPSR.rawValue)
        case .pstate: return Int32(UC_ARM64_REG_PSTATE.rawValue)
        case .tpidrEL0: return Int32(UC_ARM64_REG_TPIDR_EL0.rawValue)
        case .tpidrroEL0: return Int32(UC_ARM64_REG_TPIDRRO_EL0.rawValue)
        case .spEL0: return Int32(UC_ARM64_REG_SP_EL0.rawValue)
        case .spEL1: return Int32(UC_ARM64_REG_SP_EL1.rawValue)
        default: return Int32(UC_ARM64_REG_X0.rawValue) + Int32(rawValue)
        }
    }
}

/// An AArch64 system register by its MRS/MSR encoding, read and written
/// through `UC_ARM64_REG_CP_REG` (Unicorn's way to reach any register
/// without a dedicated id).
public struct ARM64SystemRegister: Hashable, Sendable, CustomStringConvertible {
    /// The encoding fields op0, op1, CRn, CRm, op2.
    public var op0: UInt32, op1: UInt32, crn: UInt32, crm: UInt32, op2: UInt32
    /// The manual's name, for messages.
    public var name: String

    /// A register with the given encoding.
    public init(_ op0: UInt32, _ op1: UInt32, _ crn: UInt32, _ crm: UInt32, _ op2: UInt32, name: String) {
        self.op0 = op0; self.op1 = op1; self.crn = crn; self.crm = crm; self.op2 = op2; self.name = name
    }

    /// The manual's name, e.g. `TCR_EL1`.
    public var description: String { name }

    /// `SCTLR_EL1`.
    public static let sctlrEL1 = ARM64SystemRegister(3, 0, 1, 0, 0, name: "SCTLR_EL1")
    /// `TTBR0_EL1`.
    public static let ttbr0EL1 = ARM64SystemRegister(3, 0, 2, 0, 0, name: "TTBR0_EL1")
    /// `TTBR1_EL1`.
    public static let ttbr1EL1 = ARM64SystemRegister(3, 0, 2, 0, 1, name: "TTBR1_EL1")
    /// `TCR_EL1`.
    public static let tcrEL1 = ARM64SystemRegister(3, 0, 2, 0, 2, name: "TCR_EL1")
    /// `SPSR_EL1`.
    public static let spsrEL1 = ARM64SystemRegister(3, 0, 4, 0, 0, name: "SPSR_EL1")
    /// `ELR_EL1`.
    public static let elrEL1 = ARM64SystemRegister(3, 0, 4, 0, 1, name: "ELR_EL1")
    /// `ESR_EL1`.
    public static let esrEL1 = ARM64SystemRegister(3, 0, 5, 2, 0, name: "ESR_EL1")
    /// `FAR_EL1`.
    public static let farEL1 = ARM64SystemRegister(3, 0, 6, 0, 0, name: "FAR_EL1")
    /// `PAR_EL1`.
    public static let parEL1 = ARM64SystemRegister(3, 0, 7, 4, 0, name: "PAR_EL1")
    /// `MAIR_EL1`.
    public static let mairEL1 = ARM64SystemRegister(3, 0, 10, 2, 0, name: "MAIR_EL1")
    /// `VBAR_EL1`.
    public static let vbarEL1 = ARM64SystemRegister(3, 0, 12, 0, 0, name: "VBAR_EL1")
    /// `CPACR_EL1`.
    public static let cpacrEL1 = ARM64SystemRegister(3, 0, 1, 0, 2, name: "CPACR_EL1")
    /// `HCR_EL2` (Unicorn's `max` CPU has EL2: its RW bit decides whether EL1 is AArch64).
    public static let hcrEL2 = ARM64SystemRegister(3, 4, 1, 1, 0, name: "HCR_EL2")
    /// `SCR_EL3` (Unicorn's `max` CPU has EL3: NS and RW decide the EL1 regime).
    public static let scrEL3 = ARM64SystemRegister(3, 6, 1, 1, 0, name: "SCR_EL3")
}

/// An AArch64 128-bit SIMD&FP register readable with `UnicornEngine.readVector(_:)`.
public enum ARM64VectorRegister: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// SIMD&FP register V0 (128 bits).
    case v0
    /// SIMD&FP register V1 (128 bits).
    case v1
    /// SIMD&FP register V2 (128 bits).
    case v2
    /// SIMD&FP register V3 (128 bits).
    case v3
    /// SIMD&FP register V4 (128 bits).
    case v4
    /// SIMD&FP register V5 (128 bits).
    case v5
    /// SIMD&FP register V6 (128 bits).
    case v6
    /// SIMD&FP register V7 (128 bits).
    case v7
    /// SIMD&FP register V8 (128 bits).
    case v8
    /// SIMD&FP register V9 (128 bits).
    case v9
    /// SIMD&FP register V10 (128 bits).
    case v10
    /// SIMD&FP register V11 (128 bits).
    case v11
    /// SIMD&FP register V12 (128 bits).
    case v12
    /// SIMD&FP register V13 (128 bits).
    case v13
    /// SIMD&FP register V14 (128 bits).
    case v14
    /// SIMD&FP register V15 (128 bits).
    case v15
    /// SIMD&FP register V16 (128 bits).
    case v16
    /// SIMD&FP register V17 (128 bits).
    case v17
    /// SIMD&FP register V18 (128 bits).
    case v18
    /// SIMD&FP register V19 (128 bits).
    case v19
    /// SIMD&FP register V20 (128 bits).
    case v20
    /// SIMD&FP register V21 (128 bits).
    case v21
    /// SIMD&FP register V22 (128 bits).
    case v22
    /// SIMD&FP register V23 (128 bits).
    case v23
    /// SIMD&FP register V24 (128 bits).
    case v24
    /// SIMD&FP register V25 (128 bits).
    case v25
    /// SIMD&FP register V26 (128 bits).
    case v26
    /// SIMD&FP register V27 (128 bits).
    case v27
    /// SIMD&FP register V28 (128 bits).
    case v28
    /// SIMD&FP register V29 (128 bits).
    case v29
    /// SIMD&FP register V30 (128 bits).
    case v30
    /// SIMD&FP register V31 (128 bits).
    case v31

    /// The vector register Vn for `n` in 0...31, or nil otherwise.
    public static func v(_ n: Int) -> ARM64VectorRegister? { ARM64VectorRegister(rawValue: n) }

    /// The architectural name, e.g. `V7`.
    public var description: String { "V\(rawValue)" }

    /// The Unicorn register id (`UC_ARM64_REG_V*`, which Unicorn treats as Q*).
    var ucID: Int32 { Int32(UC_ARM64_REG_V0.rawValue) + Int32(rawValue) }
}

/// An x86-64 scalar (at most 64-bit) register readable with `UnicornEngine.read(_:)`.
public enum X86Register: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// Accumulator, encoding 0.
    case rax
    /// Counter, encoding 1.
    case rcx
    /// Data, encoding 2.
    case rdx
    /// Base, encoding 3.
    case rbx
    /// Stack pointer, encoding 4.
    case rsp
    /// Frame pointer, encoding 5.
    case rbp
    /// Source index, encoding 6.
    case rsi
    /// Destination index, encoding 7.
    case rdi
    /// Extended register R8.
    case r8
    /// Extended register R9.
    case r9
    /// Extended register R10.
    case r10
    /// Extended register R11.
    case r11
    /// Extended register R12.
    case r12
    /// Extended register R13.
    case r13
    /// Extended register R14.
    case r14
    /// Extended register R15.
    case r15
    /// The instruction pointer.
    case rip
    /// The flags register (Unicorn always reads bit 1 as set).
    case rflags
    /// The FS segment base (TLS on Linux).
    case fsBase
    /// The GS segment base.
    case gsBase
    /// The SSE control/status register (Unicorn 2.0.1 resets it to 0, not 0x1F80).
    case mxcsr
    /// Control register 0 (Unicorn reset value 0x11: PE|ET, paging off).
    case cr0
    /// Control register 2 (page-fault linear address).
    case cr2
    /// Control register 3 (page-table base).
    case cr3
    /// Control register 4.
    case cr4
    /// The CS selector.
    case cs
    /// The SS selector.
    case ss
    /// The DS selector.
    case ds
    /// The ES selector.
    case es
    /// The FS selector.
    case fs
    /// The GS selector.
    case gs

    /// The general-purpose register with hardware encoding `n` in 0...15, or nil otherwise.
    public static func gpr(_ n: Int) -> X86Register? {
        (0...15).contains(n) ? X86Register(rawValue: n) : nil
    }

    /// The upper-case name, e.g. `RAX`, `R12`, `FS_BASE`.
    public var description: String { X86Register.names[rawValue] }

    /// Names indexed by raw value (String(describing:) would recurse through `description`).
    private static let names = [
        "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
        "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
        "RIP", "RFLAGS", "FS_BASE", "GS_BASE", "MXCSR", "CR0", "CR2", "CR3", "CR4",
        "CS", "SS", "DS", "ES", "FS", "GS",
    ]

    /// The Unicorn register id (`UC_X86_REG_*`).
    var ucID: Int32 {
        let id: uc_x86_reg
        switch self {
        case .rax: id = UC_X86_REG_RAX
        case .rcx: id = UC_X86_REG_RCX
        case .rdx: id = UC_X86_REG_RDX
        case .rbx: id = UC_X86_REG_RBX
        case .rsp: id = UC_X86_REG_RSP
        case .rbp: id = UC_X86_REG_RBP
        case .rsi: id = UC_X86_REG_RSI
        case .rdi: id = UC_X86_REG_RDI
        case .r8: id = UC_X86_REG_R8
        case .r9: id = UC_X86_REG_R9
        case .r10: id = UC_X86_REG_R10
        case .r11: id = UC_X86_REG_R11
        case .r12: id = UC_X86_REG_R12
        case .r13: id = UC_X86_REG_R13
        case .r14: id = UC_X86_REG_R14
        case .r15: id = UC_X86_REG_R15
        case .rip: id = UC_X86_REG_RIP
        case .rflags: id = UC_X86_REG_RFLAGS
        case .fsBase: id = UC_X86_REG_FS_BASE
        case .gsBase: id = UC_X86_REG_GS_BASE
        case .mxcsr: id = UC_X86_REG_MXCSR
        case .cr0: id = UC_X86_REG_CR0
        case .cr2: id = UC_X86_REG_CR2
        case .cr3: id = UC_X86_REG_CR3
        case .cr4: id = UC_X86_REG_CR4
        case .cs: id = UC_X86_REG_CS
        case .ss: id = UC_X86_REG_SS
        case .ds: id = UC_X86_REG_DS
        case .es: id = UC_X86_REG_ES
        case .fs: id = UC_X86_REG_FS
        case .gs: id = UC_X86_REG_GS
        }
        return Int32(id.rawValue)
    }
}

/// An x86-64 128-bit SSE register readable with `UnicornEngine.readVector(_:)`.
public enum X86VectorRegister: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// SSE register XMM0 (128 bits).
    case xmm0
    /// SSE register XMM1 (128 bits).
    case xmm1
    /// SSE register XMM2 (128 bits).
    case xmm2
    /// SSE register XMM3 (128 bits).
    case xmm3
    /// SSE register XMM4 (128 bits).
    case xmm4
    /// SSE register XMM5 (128 bits).
    case xmm5
    /// SSE register XMM6 (128 bits).
    case xmm6
    /// SSE register XMM7 (128 bits).
    case xmm7
    /// SSE register XMM8 (128 bits).
    case xmm8
    /// SSE register XMM9 (128 bits).
    case xmm9
    /// SSE register XMM10 (128 bits).
    case xmm10
    /// SSE register XMM11 (128 bits).
    case xmm11
    /// SSE register XMM12 (128 bits).
    case xmm12
    /// SSE register XMM13 (128 bits).
    case xmm13
    /// SSE register XMM14 (128 bits).
    case xmm14
    /// SSE register XMM15 (128 bits).
    case xmm15

    /// The register XMMn for `n` in 0...15, or nil otherwise.
    public static func xmm(_ n: Int) -> X86VectorRegister? { X86VectorRegister(rawValue: n) }

    /// The upper-case name, e.g. `XMM3`.
    public var description: String { "XMM\(rawValue)" }

    /// The Unicorn register id (`UC_X86_REG_XMM*`, contiguous in 2.0.1).
    var ucID: Int32 { Int32(UC_X86_REG_XMM0.rawValue) + Int32(rawValue) }
}
