/// The executor's operation kinds: what a decoded instruction does. The
/// opcode maps name one per entry; `DecodedInstruction.sub` refines it
/// (ALU operation, condition code, shift kind, SSE operation).
public enum X86Op: UInt8, Sendable, CaseIterable {
    case invalid
    // Data transfer
    case mov, movImm, movzx, movsx, movsxd, movMoffsLoad, movMoffsStore, cmov, lea, xchg
    case push, pushImm, pop, pushf, popf, convertA, convertD, bswap
    case cmpxchg, cmpxchg16b, xadd, enter, leave, sahf, lahf, movSreg, movFromSreg, xlat, movbe
    case inPort, outPort
    // Arithmetic and logic
    case alu, inc, dec, neg, not, mul, imul1, imul2, div, idiv
    // Shifts and rotates
    case shift, shld, shrd
    // Bit and byte
    case bt, bsf, bsr, tzcnt, lzcnt, popcnt, setcc
    // Control transfer
    case jmp, jcc, jmpIndirect, call, callIndirect, ret, loop, jrcxz, int3, intN, int1, iret
    case syscall, sysret
    // String
    case movs, stos, lods, scas, cmps, ins, outs
    // Flag control
    case clc, stc, cmc, cld, std, cli, sti
    // System
    case nop, pause, hlt, cpuid, rdtsc, rdtscp, rdmsr, wrmsr, movToCR, movFromCR, movToDR, movFromDR
    case lgdt, lidt, sgdt, sidt, ltr, str, lldt, sldt, smsw, lmsw, invlpg, clts, swapgs, ud2, wbinvd
    case fence, clflush, ldmxcsr, stmxcsr, fxsave, fxrstor, rdrand
    // SSE/SSE2: `sub` is an `SSEOp`
    case sse
    // Decode-time specialisations (`DecodedInstruction.specialized()`) of
    // the commonest 32/64-bit forms, run inline by the block loop. Their
    // destination register is `reg`, a source register is `rm`, and the
    // memory fields use `zeroRegister` for "none".
    case aluRR, aluRI, aluRM, aluM, movRR, movRI, movLoad, movStore, leaFast, cmovRR
    /// SHL/SHR/SAR of a 32/64-bit register by an immediate or CL (count masked when run).
    case shiftR
    /// IMUL r, r and IMUL r, r, imm at 32/64 bits.
    case imulRR
    /// 64-bit PUSH r and POP r; CALL rel32; RET without an immediate;
    /// JMP through a register or plain memory.
    case pushR, popR, callRel, retNear, jmpIndirectR, jmpIndirectLoad
    /// MOVZX/MOVSX/MOVSXD into a 32/64-bit register from a register (not
    /// AH–BH) or plain memory; `sub` is the source size in bytes.
    case movzxRR, movzxLoad, movsxRR, movsxLoad
    /// INC (`sub` 0) or DEC (`sub` 1) of a 32/64-bit register.
    case incDecR
    /// The ALU and INC/DEC kinds above, also running the Jcc that follows
    /// them (`translateBlock` fuses a block's closing pair).
    case aluRRJcc, aluRIJcc, aluRMJcc, aluMJcc, incDecRJcc
    /// SSE: packed-integer operations (`sub` is the `SSEOp`);
    /// MOVAPS/MOVUPS/MOVDQA/MOVDQU (and MOVQ xmm, m64: `sub` says which)
    /// loads from plain memory, stores to it and moves between registers;
    /// MOVD/MOVQ xmm, r32/r64.
    case ssePackedInteger, xmmLoad, xmmStore, xmmMove, xmmFromGPR
    /// PSHUFD and PMULUDQ between registers: the two packed operations
    /// vectorised loops use most get their own dispatch entry.
    case pshufdRR, pmuludqRR
}

/// Attributes of an opcode-map entry (SDM Vol. 2D, A.2.5 superscripts).
public struct OpcodeAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// `d64`: operand size defaults to 64 bits in 64-bit mode (66 gives 16).
    public static let default64 = OpcodeAttributes(rawValue: 1 << 0)
    /// `f64`: operand size is forced to 64 bits in 64-bit mode.
    public static let force64 = OpcodeAttributes(rawValue: 1 << 1)
    /// LOCK is allowed (with a memory destination).
    public static let lockable = OpcodeAttributes(rawValue: 1 << 2)
    /// The operation is privileged (CPL 0 only, else #GP(0)).
    public static let privileged = OpcodeAttributes(rawValue: 1 << 3)
    /// Ends a translated block (control transfer or state change).
    public static let endsBlock = OpcodeAttributes(rawValue: 1 << 4)
    /// REX.W selects a different instruction name (e.g. CDQE vs CWDE).
    public static let byteOperands = OpcodeAttributes(rawValue: 1 << 5)
    /// The 66 prefix selects the entry and does not change the operand size.
    public static let mandatory66 = OpcodeAttributes(rawValue: 1 << 6)
}

/// One instruction of an opcode map.
public struct OpcodeEntry: Sendable {
    public var mnemonic: String
    public var operands: [Operand]
    public var op: X86Op
    public var sub: UInt8
    public var attributes: OpcodeAttributes

    /// `notation` is the manual's operand list, e.g. `"Ev,Gv"`; an unknown
    /// token is a bug in the table and traps when the maps are built.
    public init(_ mnemonic: String, _ notation: String, _ op: X86Op, sub: UInt8 = 0, _ attributes: OpcodeAttributes = []) {
        self.mnemonic = mnemonic
        self.operands = notation.isEmpty ? [] : notation.split(separator: ",").map { token in
            guard let o = Operand(notation: String(token)) else { preconditionFailure("bad operand notation \(token) in \(mnemonic)") }
            return o
        }
        self.op = op
        self.sub = sub
        self.attributes = attributes
    }

    /// Does the entry read a ModRM byte?
    public var hasModRM: Bool { operands.contains { $0.usesModRM } }
}

/// A cell of an opcode map: how the decoder continues from one opcode byte.
public indirect enum OpcodeSlot: Sendable {
    /// #UD.
    case invalid
    /// An instruction.
    case entry(OpcodeEntry)
    /// A group selected by ModRM.reg (SDM table A-6); `nil` cells are #UD.
    case group(String, [OpcodeSlot])
    /// Different meaning for a memory operand and a register operand.
    case modSplit(memory: OpcodeSlot, register: OpcodeSlot)
    /// Register form selected by ModRM.rm (0F 01 /7 etc.).
    case byRM([OpcodeSlot])
    /// Selected by the mandatory prefix: none, 66, F3, F2.
    case prefixed(none: OpcodeSlot, p66: OpcodeSlot, pF3: OpcodeSlot, pF2: OpcodeSlot)

    /// Does reaching an instruction through this slot consume a ModRM byte?
    func needsModRM(prefix: Int) -> Bool {
        switch self {
        case .invalid: return false
        case .entry(let e): return e.hasModRM
        case .group, .modSplit, .byRM: return true
        case .prefixed(let n, let p66, let f3, let f2):
            switch prefix {
            case 0: return n.needsModRM(prefix: prefix)
            case 1: return p66.needsModRM(prefix: prefix)
            case 2: return f3.needsModRM(prefix: prefix)
            default: return f2.needsModRM(prefix: prefix)
            }
        }
    }
}
