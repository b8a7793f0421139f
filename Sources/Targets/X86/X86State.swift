import ChimeraCPUKit

/// The state the hot loop touches on every instruction, kept in one
/// unsafe allocation owned by the core (PERFORMANCE.md rule 1).
struct X86HotState {
    var rip: UInt64 = 0
    /// RFLAGS; the six arithmetic flags are stale while `lazyOp != 0`.
    var flags: UInt64 = 2
    /// Lazy-flags record of the last flag-setting ALU operation (`LazyFlags`).
    var lazyOp: UInt8 = 0
    var lazySize: UInt8 = 8
    var cpl: UInt8 = 0
    /// Non-zero: something (interrupt, INIT/SIPI, NMI) wants a look between blocks.
    var pending: UInt8 = 0
    /// Non-zero: leave the current block after this instruction (code was overwritten).
    var abortBlock: UInt32 = 0
    /// Inside a block, `rip` and `retired` are brought up to date only where
    /// something can observe them. A fast memory access records 1 + its
    /// index in the block here first; the memory slow paths call
    /// `syncPosition()`, which rebuilds both from it and clears it. 0: exact.
    var cursor: UInt32 = 0
    /// The running block: RIP of its first instruction, instructions
    /// retired before it, and its decoded instructions.
    var blockRip: UInt64 = 0
    var blockRetired: UInt64 = 0
    var blockCode: UnsafePointer<DecodedInstruction>? = nil
    var lazyA: UInt64 = 0
    var lazyB: UInt64 = 0
    var lazyResult: UInt64 = 0
    var retired: UInt64 = 0
    var fsBase: UInt64 = 0
    var gsBase: UInt64 = 0
    /// 1 when CR0.EM = 0, CR0.TS = 0 and CR4.OSFXSR = 1: SSE instructions may run.
    var sseEnabled: UInt8 = 0
    /// MXCSR (kept here: SSE conversions read its rounding control).
    var mxcsr: UInt32 = 0x1F80
}

/// Kinds of lazily evaluated flag results.
enum LazyFlags {
    static let none: UInt8 = 0
    static let add: UInt8 = 1
    static let adc: UInt8 = 2
    static let sub: UInt8 = 3
    static let sbb: UInt8 = 4
    static let logic: UInt8 = 5
    static let inc: UInt8 = 6
    static let dec: UInt8 = 7
    /// Shifts by a non-zero count: `lazyA` is the operand, `lazyB` the
    /// (masked) count; AF is left clear.
    static let shl: UInt8 = 8
    static let shr: UInt8 = 9
    static let sar: UInt8 = 10
}

/// RFLAGS bits (SDM Vol. 1, §3.4.3).
enum RFlags {
    static let cf: UInt64 = 1 << 0
    static let pf: UInt64 = 1 << 2
    static let af: UInt64 = 1 << 4
    static let zf: UInt64 = 1 << 6
    static let sf: UInt64 = 1 << 7
    static let tf: UInt64 = 1 << 8
    static let `if`: UInt64 = 1 << 9
    static let df: UInt64 = 1 << 10
    static let of: UInt64 = 1 << 11
    static let iopl: UInt64 = 3 << 12
    static let nt: UInt64 = 1 << 14
    static let rf: UInt64 = 1 << 16
    static let vm: UInt64 = 1 << 17
    static let ac: UInt64 = 1 << 18
    static let id: UInt64 = 1 << 21
    static let arithmetic: UInt64 = cf | pf | af | zf | sf | of
    /// Bits POPF/IRET may change (without VM/VIF/VIP, which long mode does not use here).
    static let writable: UInt64 = arithmetic | tf | `if` | df | iopl | nt | rf | ac | id
}

/// An x86 architectural exception: the kit's trap, whose `vector` is the
/// IDT vector (`GuestTrap.leave` asks the run loop to return after a
/// completed instruction).
typealias X86Fault = GuestTrap

extension GuestTrap {
    static func gp(_ code: UInt32 = 0) -> GuestTrap { GuestTrap(vector: 13, errorCode: code, hasErrorCode: true) }
    static let ud = GuestTrap(vector: 6)
    static let de = GuestTrap(vector: 0)
    static let nm = GuestTrap(vector: 7)
}

/// A translated block of decoded x86 instructions as the run loop enters it.
typealias X86Block = BlockRef<DecodedInstruction>

/// Exception vectors (SDM Vol. 3A, table 6-1).
enum X86Vector {
    static let de: UInt8 = 0, db: UInt8 = 1, nmi: UInt8 = 2, bp: UInt8 = 3, of: UInt8 = 4, br: UInt8 = 5
    static let ud: UInt8 = 6, nm: UInt8 = 7, df: UInt8 = 8, ts: UInt8 = 10, np: UInt8 = 11, ss: UInt8 = 12
    static let gp: UInt8 = 13, pf: UInt8 = 14, mf: UInt8 = 16, ac: UInt8 = 17, mc: UInt8 = 18, xm: UInt8 = 19

    static func name(_ v: UInt8) -> String {
        let names: [UInt8: String] = [0: "#DE (divide error)", 1: "#DB", 2: "NMI", 3: "#BP (breakpoint)", 4: "#OF",
                                      5: "#BR", 6: "#UD (invalid opcode)", 7: "#NM (device not available)",
                                      8: "#DF (double fault)", 10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP (general protection)",
                                      14: "#PF (page fault)", 16: "#MF", 17: "#AC", 18: "#MC", 19: "#XM (SIMD exception)"]
        return names[v] ?? "vector \(v)"
    }
}
