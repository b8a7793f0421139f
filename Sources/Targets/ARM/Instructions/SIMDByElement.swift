// A64 "Advanced SIMD vector x indexed element" and "scalar x indexed element",
// integer forms (ARM ARM C4.1.95): MUL/MLA/MLS, S/U MULL/MLAL/MLSL, SQDMULL/
// SQDMLAL/SQDMLSL and SQDMULH/SQRDMULH by element. They decode to `vInteger`
// with the by-element flag: Vm's lane `imm` is broadcast before the lane loop.
// The floating-point by-element opcodes (FMLA, FMLS, FMUL, FMULX) are left
// UNDEFINED here for the floating-point work to claim.

extension SIMDVectorIndexedFields {
    /// M:Rm, the element register of the word and single-precision forms.
    var mrm: UInt32 { m.bit << 4 | rm }
    var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: UInt8(mrm), q: q) }
}

extension SIMDScalarIndexedFields {
    var mrm: UInt32 { m.bit << 4 | rm }
    var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: UInt8(mrm), q: true) }
}

extension A64Decoder {
    /// Index and register of the element operand: H:L:M with Vm in V0–V15 for
    /// halfwords, H:L with M:Rm for words. Other sizes are reserved for integers.
    static func integerElement(size: UInt32, l: Bool, m: Bool, h: Bool, rm: UInt32) -> (index: UInt64, rm: UInt8)? {
        switch size {
        case 1: return (UInt64(h.bit << 2 | l.bit << 1 | m.bit), UInt8(rm))
        case 2: return (UInt64(h.bit << 1 | l.bit), UInt8(m.bit << 4 | rm))
        default: return nil
        }
    }

    static func decodeSIMDVectorIndexed(_ f: SIMDVectorIndexedFields) -> Op {
        let q = f.q.bit, u = f.u.bit, size = f.size, opcode = f.opcode
        let o: UInt16
        switch (u, opcode) {
        case (1, 0x0): o = IntegerOp.mla
        case (1, 0x4): o = IntegerOp.mls
        case (0, 0x8): o = IntegerOp.mul
        case (_, 0x2): o = u == 0 ? IntegerOp.smlal : IntegerOp.umlal
        case (_, 0x6): o = u == 0 ? IntegerOp.smlsl : IntegerOp.umlsl
        case (_, 0xA): o = u == 0 ? IntegerOp.smull : IntegerOp.umull
        case (0, 0x3): o = IntegerOp.sqdmlal
        case (0, 0x7): o = IntegerOp.sqdmlsl
        case (0, 0xB): o = IntegerOp.sqdmull
        case (0, 0xC): o = IntegerOp.sqdmulh
        case (0, 0xD): o = IntegerOp.sqrdmulh
        default:   // FMLA/FMLS/FMUL/FMULX by element
            return decodeSIMDIndexed(u: f.u, size: size, opcode: opcode, l: f.l, h: f.h, f.operands, scalar: false)
        }
        guard let (index, rm) = integerElement(size: size, l: f.l, m: f.m, h: f.h, rm: f.rm) else { return .undefined }
        return integerOp(f.operands, o, esize: size, q: q, rm: rm, imm: index, byElement: true)
    }

    static func decodeSIMDScalarIndexed(_ f: SIMDScalarIndexedFields) -> Op {
        let u = f.u.bit, size = f.size, opcode = f.opcode
        let o: UInt16
        switch (u, opcode) {
        case (0, 0x3): o = IntegerOp.sqdmlal
        case (0, 0x7): o = IntegerOp.sqdmlsl
        case (0, 0xB): o = IntegerOp.sqdmull
        case (0, 0xC): o = IntegerOp.sqdmulh
        case (0, 0xD): o = IntegerOp.sqrdmulh
        default:   // FMLA/FMLS/FMUL/FMULX by element
            return decodeSIMDIndexed(u: f.u, size: size, opcode: opcode, l: f.l, h: f.h, f.operands, scalar: true)
        }
        guard let (index, rm) = integerElement(size: size, l: f.l, m: f.m, h: f.h, rm: f.rm) else { return .undefined }
        return integerOp(f.operands, o, esize: size, q: 0, scalar: true, rm: rm, imm: index, byElement: true)
    }
}
