// A64 "Advanced SIMD vector x indexed element" and "scalar x indexed element",
// integer forms (ARM ARM C4.1.95): MUL/MLA/MLS, S/U MULL/MLAL/MLSL, SQDMULL/
// SQDMLAL/SQDMLSL and SQDMULH/SQRDMULH by element. They decode to `vInteger`
// with the by-element flag: Vm's lane `imm` is broadcast before the lane loop.
// The floating-point by-element opcodes (FMLA, FMLS, FMUL, FMULX) are left
// UNDEFINED here for the floating-point work to claim.

extension A64Decoder {
    /// Index and register of the element operand: H:L:M with Vm in V0–V15 for
    /// halfwords, H:L with M:Rm for words. Other sizes are reserved for integers.
    static func integerElement(_ w: UInt32) -> (index: UInt64, rm: UInt8)? {
        let size = bits(w, 23, 22), l = bits(w, 21, 21), m = bits(w, 20, 20), h = bits(w, 11, 11)
        switch size {
        case 1: return (UInt64(h << 2 | l << 1 | m), UInt8(bits(w, 19, 16)))
        case 2: return (UInt64(h << 1 | l), UInt8(bits(w, 20, 16)))
        default: return nil
        }
    }

    static func decodeSIMDVectorIndexed(_ w: UInt32) -> Op {
        let q = bits(w, 30, 30), u = bits(w, 29, 29), size = bits(w, 23, 22), opcode = bits(w, 15, 12)
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
        default: return decodeSIMDIndexed(w, scalar: false)  // FMLA/FMLS/FMUL/FMULX by element
        }
        guard let (index, rm) = integerElement(w) else { return .undefined }
        return integerOp(w, o, esize: size, q: q, rm: rm, imm: index, byElement: true)
    }

    static func decodeSIMDScalarIndexed(_ w: UInt32) -> Op {
        let u = bits(w, 29, 29), size = bits(w, 23, 22), opcode = bits(w, 15, 12)
        let o: UInt16
        switch (u, opcode) {
        case (0, 0x3): o = IntegerOp.sqdmlal
        case (0, 0x7): o = IntegerOp.sqdmlsl
        case (0, 0xB): o = IntegerOp.sqdmull
        case (0, 0xC): o = IntegerOp.sqdmulh
        case (0, 0xD): o = IntegerOp.sqrdmulh
        default: return decodeSIMDIndexed(w, scalar: true)  // FMLA/FMLS/FMUL/FMULX by element
        }
        guard let (index, rm) = integerElement(w) else { return .undefined }
        return integerOp(w, o, esize: size, q: 0, scalar: true, rm: rm, imm: index, byElement: true)
    }
}
