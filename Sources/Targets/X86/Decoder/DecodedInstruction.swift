/// The compact pre-decoded form the executor runs (24 bytes), cached in
/// translated blocks. Operands are normalised: the ModRM r/m side (or an
/// opcode-embedded or fixed register) in `rm`/memory fields, the ModRM.reg
/// side in `reg`, immediates pre-extended in `imm`.
public struct DecodedInstruction: Sendable {
    // Three machine words, so the struct travels in registers from the
    // block arena to the handlers: a struct of a dozen byte-sized stored
    // fields was unpacked and repacked byte by byte on every call, which
    // cost more than most handlers. Fields are bit ranges of the words.
    //   w0: op | sub | size | form | reg | rm | base | index   (8 bits each)
    //   w1: scale | flags | end (16 bits) | disp (32 bits, signed)
    @usableFromInline var w0: UInt64 = UInt64(DecodedInstruction.none) << 48 | UInt64(DecodedInstruction.none) << 56 | 4 << 16
    @usableFromInline var w1: UInt64 = 0
    public var imm: UInt64 = 0

    @inline(__always) private func byte(_ w: UInt64, _ k: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: w >> (k * 8)) }
    @inline(__always) private static func put(_ w: inout UInt64, _ k: UInt64, _ v: UInt8) {
        w = (w & ~(0xFF << (k * 8))) | UInt64(v) << (k * 8)
    }

    public var op: X86Op {
        @inline(__always) get { unsafeBitCast(byte(w0, 0), to: X86Op.self) }
        set { Self.put(&w0, 0, newValue.rawValue) }
    }
    /// ALU operation, condition code, shift kind or `SSEOp` raw value.
    public var sub: UInt8 { @inline(__always) get { byte(w0, 1) } set { Self.put(&w0, 1, newValue) } }
    /// Operand size in bytes: 1, 2, 4 or 8.
    public var size: UInt8 { @inline(__always) get { byte(w0, 2) } set { Self.put(&w0, 2, newValue) } }
    /// Operand form (`Form` raw value).
    public var form: UInt8 { @inline(__always) get { byte(w0, 3) } set { Self.put(&w0, 3, newValue) } }
    /// ModRM.reg operand (with REX.R); byte registers AH–BH are 16–19.
    public var reg: UInt8 { @inline(__always) get { byte(w0, 4) } set { Self.put(&w0, 4, newValue) } }
    /// Register r/m operand, or `DecodedInstruction.memory` for a memory operand.
    public var rm: UInt8 { @inline(__always) get { byte(w0, 5) } set { Self.put(&w0, 5, newValue) } }
    /// Base register, `ripBase` for RIP-relative, `none`.
    public var base: UInt8 { @inline(__always) get { byte(w0, 6) } set { Self.put(&w0, 6, newValue) } }
    public var index: UInt8 { @inline(__always) get { byte(w0, 7) } set { Self.put(&w0, 7, newValue) } }
    /// log2 of the SIB scale.
    public var scale: UInt8 { @inline(__always) get { byte(w1, 0) } set { Self.put(&w1, 0, newValue) } }
    /// `Flags` bits.
    public var flags: UInt8 { @inline(__always) get { byte(w1, 1) } set { Self.put(&w1, 1, newValue) } }
    /// Offset of the next instruction from the start of the translated
    /// block (the instruction's length until `translateBlock` places it):
    /// the block loop keeps RIP as the block's start and rebuilds it from
    /// this only where something can observe it.
    public var end: UInt16 {
        @inline(__always) get { UInt16(truncatingIfNeeded: w1 >> 16) }
        set { w1 = (w1 & ~0xFFFF_0000) | UInt64(newValue) << 16 }
    }
    public var disp: Int32 {
        @inline(__always) get { Int32(truncatingIfNeeded: Int64(bitPattern: w1) >> 32) }
        set { w1 = (w1 & 0xFFFF_FFFF) | UInt64(UInt32(bitPattern: newValue)) << 32 }
    }

    public static let memory: UInt8 = 0xFF
    public static let none: UInt8 = 0xFF
    public static let ripBase: UInt8 = 16

    /// Bits of `flags`.
    public enum Flags {
        public static let rep: UInt8 = 1 << 0
        public static let repne: UInt8 = 1 << 1
        public static let lock: UInt8 = 1 << 2
        public static let address32: UInt8 = 1 << 3
        public static let fs: UInt8 = 1 << 4
        public static let gs: UInt8 = 1 << 5
        public static let rexW: UInt8 = 1 << 6
        /// The entry ends a translated block.
        public static let endsBlock: UInt8 = 1 << 7
    }

    /// Operand forms: which side is destination and where the source comes from.
    public enum Form {
        /// dst = r/m, src = reg (or a single r/m operand).
        public static let eg: UInt8 = 0
        /// dst = reg, src = r/m.
        public static let ge: UInt8 = 1
        /// dst = r/m, src = immediate.
        public static let ei: UInt8 = 2
        /// dst = r/m, count = CL.
        public static let ecl: UInt8 = 3
        /// dst = reg, src = r/m, third operand immediate.
        public static let gei: UInt8 = 4
        /// dst = r/m, src = reg, count immediate (SHLD/SHRD).
        public static let egi: UInt8 = 5
        /// dst = r/m, src = reg, count CL.
        public static let egcl: UInt8 = 6
    }

    public var hasMemory: Bool { rm == DecodedInstruction.memory }

    /// Index of the always-zero slot after the 16 GPRs (16 is `ripBase`):
    /// specialised memory operands use it for an absent base or index, so
    /// the address is `disp + gpr[base] + gpr[index] << scale` with one
    /// select for RIP-relative bases.
    public static let zeroRegister: UInt8 = 17

    /// The same instruction as one of the specialised operation kinds when
    /// it is a 32/64-bit register or plain memory form of ALU, MOV or LEA
    /// (no prefixes that change addressing, no LOCK); otherwise unchanged.
    /// Decoding stays the single source of truth: this only re-labels.
    public func specialized() -> DecodedInstruction {
        let plainAddressing = flags & (Flags.fs | Flags.gs | Flags.address32 | Flags.lock) == 0
        var d = self
        // The block loop keeps the block's start RIP in register slot 16,
        // so a RIP-relative displacement absorbs the offset of the next
        // instruction (`end`) here, when that still fits 32 bits.
        func fastMemory() -> Bool {
            if d.base == DecodedInstruction.ripBase {
                let folded = Int64(d.disp) + Int64(d.end)
                guard let disp = Int32(exactly: folded) else { return false }
                d.disp = disp
            }
            if d.base == DecodedInstruction.none { d.base = DecodedInstruction.zeroRegister }
            if d.index == DecodedInstruction.none { d.index = DecodedInstruction.zeroRegister }
            return true
        }
        if op == .sse {
            guard let s = SSEOp(rawValue: sub) else { return self }
            if s.isPackedInteger {
                d.op = .ssePackedInteger
                if rm != DecodedInstruction.memory && s == .pshufd { d.op = .pshufdRR }
                if rm != DecodedInstruction.memory && s == .pmuludq { d.op = .pmuludqRR }
            } else if s == .movaLoad || s == .movuLoad || s == .movaStore || s == .movuStore {
                if rm != DecodedInstruction.memory {
                    d.op = .xmmMove
                    if s == .movaStore || s == .movuStore { d.reg = rm; d.rm = reg }
                } else if plainAddressing {
                    d.op = s == .movaLoad || s == .movuLoad ? .xmmLoad : .xmmStore
                    guard fastMemory() else { return self }
                } else { return self }
            } else if s == .movqLoad && rm == DecodedInstruction.memory && plainAddressing {
                d.op = .xmmLoad; guard fastMemory() else { return self }
            } else if s == .movdToXMM && rm != DecodedInstruction.memory && (size == 4 || size == 8) {
                d.op = .xmmFromGPR
            } else { return self }
            return d
        }
        if op == .alu && sub != 2 && sub != 3 {  // not ADC/SBB; any operand size
            // Byte registers AH–BH (16–19) keep the generic path.
            guard reg < 16 && (rm < 16 || rm == DecodedInstruction.memory) else { return self }
            if form == Form.ge {
                if rm != DecodedInstruction.memory {
                    d.op = .aluRR
                } else if plainAddressing {
                    d.op = .aluRM; guard fastMemory() else { return self }
                } else { return self }
            } else if rm != DecodedInstruction.memory {
                if form == Form.ei {
                    d.op = .aluRI; d.reg = rm
                } else {
                    d.op = .aluRR; d.reg = rm; d.rm = reg
                }
            } else if plainAddressing {
                d.op = .aluM; guard fastMemory() else { return self }
            } else { return self }
            return d
        }
        if op == .mov && (size == 1 || size == 2) {
            // 8/16-bit loads merge into the register; stores write the low part.
            guard rm == DecodedInstruction.memory, reg < 16, plainAddressing else { return self }
            d.op = form == Form.ge ? .movLoad : .movStore
            guard fastMemory() else { return self }
            return d
        }
        // Near branches and stack operations are 64-bit in long mode (66 gives 16).
        switch op {
        case .push where size == 8 && rm < 16:
            d.op = .pushR; return d
        case .pop where size == 8 && rm < 16:
            d.op = .popR; return d
        case .call:
            d.op = .callRel; return d
        case .ret where imm == 0:
            d.op = .retNear; return d
        case .jmpIndirect where size == 8:
            if rm < 16 { d.op = .jmpIndirectR; return d }
            guard rm == DecodedInstruction.memory, plainAddressing else { return self }
            d.op = .jmpIndirectLoad
            return fastMemory() ? d : self
        default: break
        }
        guard size == 4 || size == 8 else { return self }
        switch op {
        case .imul2 where rm != DecodedInstruction.memory && (form == Form.ge || form == Form.gei):
            d.op = .imulRR
        case .cmov where rm != DecodedInstruction.memory:
            d.op = .cmovRR
        case .shift where rm != DecodedInstruction.memory && (form == Form.ei || form == Form.ecl) && sub >= 4:
            d.op = .shiftR; d.reg = rm
        case .movzx, .movsx, .movsxd:
            if op == .movsxd {
                // MOVSXD with a 32-bit destination is a plain 32-bit move.
                guard size == 8 else { return self }
                d.sub = 4
            }
            let zero = op == .movzx
            if rm != DecodedInstruction.memory {
                guard rm < 16 else { return self }  // AH–BH
                d.op = zero ? .movzxRR : .movsxRR
            } else if plainAddressing {
                d.op = zero ? .movzxLoad : .movsxLoad; guard fastMemory() else { return self }
            } else { return self }
        case .inc where rm != DecodedInstruction.memory, .dec where rm != DecodedInstruction.memory:
            d.op = .incDecR; d.reg = rm
            d.sub = op == .inc ? 0 : 1
        case .mov:
            if rm != DecodedInstruction.memory {
                d.op = .movRR
                if form != Form.ge { d.reg = rm; d.rm = reg }
            } else if plainAddressing {
                d.op = form == Form.ge ? .movLoad : .movStore; guard fastMemory() else { return self }
            } else { return self }
        case .movImm where rm != DecodedInstruction.memory:
            d.op = .movRI; d.reg = rm
            if size == 4 { d.imm &= 0xFFFF_FFFF }
        case .lea where flags & Flags.address32 == 0:
            d.op = .leaFast; guard fastMemory() else { return self }
        default:
            return self
        }
        return d
    }

    /// This specialised ALU or INC/DEC instruction as the kind that also
    /// runs the Jcc after it; nil for other kinds.
    public func fusedWithBranch() -> DecodedInstruction? {
        var d = self
        switch op {
        case .aluRR: d.op = .aluRRJcc
        case .aluRI: d.op = .aluRIJcc
        case .aluRM: d.op = .aluRMJcc
        case .aluM: d.op = .aluMJcc
        case .incDecR: d.op = .incDecRJcc
        default: return nil
        }
        return d
    }

    public init() {}

    /// Builds the executor form of `p` (privilege is checked by the handlers against CPL).
    public init(_ p: ParsedInstruction) {
        guard let e = p.entry else { return }
        op = e.op
        // 90 with REX.B is XCHG r8, rAX, not NOP (SDM Vol. 2B, NOP/XCHG).
        if p.map == .oneByte && p.opcode == 0x90 && p.prefixes.rexB != 0 {
            self.op = .xchg
            size = UInt8(p.operandSize)
            end = UInt16(p.length)
            rm = 8
            reg = 0
            return
        }
        sub = e.sub
        size = UInt8(p.operandSize)
        end = UInt16(p.length)
        let px = p.prefixes
        var f: UInt8 = 0
        if px.rep { f |= Flags.rep }
        if px.repne { f |= Flags.repne }
        if px.lock { f |= Flags.lock }
        if px.addressSize { f |= Flags.address32 }
        if px.segment == 1 { f |= Flags.fs }
        if px.segment == 2 { f |= Flags.gs }
        if px.rexW { f |= Flags.rexW }
        if e.attributes.contains(.endsBlock) { f |= Flags.endsBlock }
        flags = f
        imm = p.immediate
        if e.op == .enter { imm = (p.immediate & 0xFFFF) | ((p.immediate2 & 0xFF) << 16) }
        let hasREX = px.rex != 0
        func byteReg(_ r: UInt8, isByte: Bool) -> UInt8 {
            (isByte && !hasREX && r >= 4 && r < 8) ? 16 + r - 4 : r
        }
        let isByteOp: (Operand) -> Bool = { $0 == .Eb || $0 == .Gb || $0 == .Zb }
        // ModRM fields.
        if let m = p.modrm {
            let regNum = (m >> 3) & 7 | px.rexR << 3
            let gOperand = e.operands.first { !$0.isRM && $0.usesModRM }
            reg = byteReg(regNum, isByte: gOperand.map(isByteOp) ?? false)
            if m >> 6 == 3 {
                let rmNum = m & 7 | px.rexB << 3
                let eOperand = e.operands.first { $0.isRM }
                rm = byteReg(rmNum, isByte: eOperand.map(isByteOp) ?? false)
            } else {
                rm = DecodedInstruction.memory
                disp = Int32(truncatingIfNeeded: p.displacement)
                if let s = p.sib {
                    let b = s & 7
                    let idx = (s >> 3) & 7 | px.rexX << 3
                    index = idx == 4 ? DecodedInstruction.none : idx
                    scale = s >> 6
                    base = (b == 5 && m >> 6 == 0) ? DecodedInstruction.none : b | px.rexB << 3
                } else if m & 7 == 5 && m >> 6 == 0 {
                    base = DecodedInstruction.ripBase
                } else {
                    base = m & 7 | px.rexB << 3
                }
            }
        }
        // Opcode-embedded and fixed registers take the r/m slot.
        let ops = e.operands
        if let z = ops.first(where: { $0 == .Zb || $0 == .Zv }) {
            rm = byteReg(p.opcode & 7 | px.rexB << 3, isByte: z == .Zb)
            if ops.count == 2 && ops[1] == .rAX { reg = 0 }  // XCHG rAX, r
        } else if ops.first == .AL || ops.first == .rAX {
            if p.modrm == nil { rm = 0 }
        }
        if p.modrm == nil && (ops.contains(.AL) || ops.contains(.rAX)) && ops.first != .AL && ops.first != .rAX {
            reg = 0  // OUT Ib,AL / MOV Ob,AL: accumulator as the register operand
        }
        // Form.
        let hasImm = ops.contains { [.Ib, .Ibs, .Iw, .Iz, .Iv, .one].contains($0) }
        let hasCL = ops.contains(.CL)
        if ops.contains(.one) { imm = 1 }
        if ops.count == 3 {
            form = ops[0].isRM ? (hasCL ? Form.egcl : Form.egi) : Form.gei
        } else if hasCL {
            form = Form.ecl
        } else if hasImm && ops.count == 2 {
            form = Form.ei
        } else if let first = ops.first, !first.isRM, first.usesModRM, ops.count == 2 {
            form = Form.ge
        } else {
            form = Form.eg
        }
    }
}
