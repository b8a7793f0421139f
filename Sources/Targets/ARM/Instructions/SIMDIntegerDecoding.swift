// A64 Advanced SIMD integer instructions beyond the basic subset of SIMD.swift:
// saturating, halving, rounding, absolute-difference, accumulate, insert,
// narrowing-high, pairwise-long, polynomial and count-leading forms, vector and
// scalar (ARM ARM C4.1.95 "Advanced SIMD"; C7.2 for each instruction). They
// all decode to `vInteger`, executed by `executeSIMDInteger` (SIMDSaturating.swift).
// The decoders here are reached from the `default:` of the class decoders in
// SIMD.swift, so an encoding the basic decoder does not know lands here, and
// anything neither knows (including reserved sizes) is UNDEFINED.

/// Operations of `vInteger` (low byte of aux). The range says how lanes are
/// read: same width (0–59), shift by immediate (60–79), narrowing (80–99,
/// esize is the destination size), widening (100–129, esize is the source size).
enum IntegerOp {
    // Same width, two operands.
    static let shadd: UInt16 = 0, uhadd: UInt16 = 1, srhadd: UInt16 = 2, urhadd: UInt16 = 3, shsub: UInt16 = 4, uhsub: UInt16 = 5
    static let sqadd: UInt16 = 6, uqadd: UInt16 = 7, sqsub: UInt16 = 8, uqsub: UInt16 = 9
    static let sqshl: UInt16 = 10, uqshl: UInt16 = 11, sqrshl: UInt16 = 12, uqrshl: UInt16 = 13, srshl: UInt16 = 14, urshl: UInt16 = 15
    static let sabd: UInt16 = 16, uabd: UInt16 = 17, saba: UInt16 = 18, uaba: UInt16 = 19
    static let sqdmulh: UInt16 = 20, sqrdmulh: UInt16 = 21, pmul: UInt16 = 22
    static let mul: UInt16 = 23, mla: UInt16 = 24, mls: UInt16 = 25
    // Same width, one operand (the accumulating ones also read Vd).
    static let sqabs: UInt16 = 40, sqneg: UInt16 = 41, suqadd: UInt16 = 42, usqadd: UInt16 = 43, cls: UInt16 = 44, clz: UInt16 = 45
    // Pairwise long (esize is the source size).
    static let saddlp: UInt16 = 50, uaddlp: UInt16 = 51, sadalp: UInt16 = 52, uadalp: UInt16 = 53
    // Shift by immediate (imm = amount).
    static let srshr: UInt16 = 60, urshr: UInt16 = 61, srsra: UInt16 = 62, ursra: UInt16 = 63, sri: UInt16 = 64, sli: UInt16 = 65
    static let sqshlImm: UInt16 = 66, uqshlImm: UInt16 = 67, sqshlu: UInt16 = 68
    // Narrowing.
    static let sqxtn: UInt16 = 80, uqxtn: UInt16 = 81, sqxtun: UInt16 = 82, sqshrn: UInt16 = 83, uqshrn: UInt16 = 84
    static let sqrshrn: UInt16 = 85, uqrshrn: UInt16 = 86, sqshrun: UInt16 = 87, sqrshrun: UInt16 = 88, rshrn: UInt16 = 89
    static let addhn: UInt16 = 90, raddhn: UInt16 = 91, subhn: UInt16 = 92, rsubhn: UInt16 = 93
    // Widening.
    static let sabal: UInt16 = 100, uabal: UInt16 = 101, sabdl: UInt16 = 102, uabdl: UInt16 = 103
    static let sqdmull: UInt16 = 104, sqdmlal: UInt16 = 105, sqdmlsl: UInt16 = 106, pmull: UInt16 = 107
    static let ssubw: UInt16 = 108, usubw: UInt16 = 109
    static let smull: UInt16 = 110, umull: UInt16 = 111, smlal: UInt16 = 112, umlal: UInt16 = 113, smlsl: UInt16 = 114, umlsl: UInt16 = 115

    /// Bit 12 of aux: scalar form (one lane, the rest of Vd cleared).
    static let scalar: UInt16 = 0x1000
    /// Bit 13 of aux: the second operand is element `imm` of Vm, broadcast.
    static let byElement: UInt16 = 0x2000
}

extension A64Decoder {
    /// A `vInteger` op with the usual register fields.
    static func integerOp(_ r: VectorOperands, _ o: UInt16, esize: UInt32, q: UInt32, scalar: Bool = false,
                          rm: UInt8? = nil, imm: UInt64 = 0, byElement: Bool = false) -> Op {
        Op(.vInteger, rd: r.rd, rn: r.rn, rm: rm ?? r.rm,
           aux: Op.vectorAux(o, esize: esize, q: q == 1) | (scalar ? IntegerOp.scalar : 0) | (byElement ? IntegerOp.byElement : 0),
           imm: imm)
    }

    /// Three same (vector), integer opcodes not in SIMD.swift. Size 11 needs Q = 1
    /// (checked by the caller); halving, absolute-difference and doubling
    /// multiplies reserve it entirely.
    static func decodeSIMDThreeSameInteger(_ f: SIMDThreeSameFields) -> Op {
        let u = f.u.bit, size = f.size, opcode = f.opcode, q = f.q.bit, r = f.operands
        guard size != 3 || q == 1 else { return .undefined }
        let o: UInt16
        switch opcode {
        case 0x00 where size != 3: o = u == 0 ? IntegerOp.shadd : IntegerOp.uhadd
        case 0x01: o = u == 0 ? IntegerOp.sqadd : IntegerOp.uqadd
        case 0x02 where size != 3: o = u == 0 ? IntegerOp.srhadd : IntegerOp.urhadd
        case 0x04 where size != 3: o = u == 0 ? IntegerOp.shsub : IntegerOp.uhsub
        case 0x05: o = u == 0 ? IntegerOp.sqsub : IntegerOp.uqsub
        case 0x09: o = u == 0 ? IntegerOp.sqshl : IntegerOp.uqshl
        case 0x0A: o = u == 0 ? IntegerOp.srshl : IntegerOp.urshl
        case 0x0B: o = u == 0 ? IntegerOp.sqrshl : IntegerOp.uqrshl
        case 0x0E where size != 3: o = u == 0 ? IntegerOp.sabd : IntegerOp.uabd
        case 0x0F where size != 3: o = u == 0 ? IntegerOp.saba : IntegerOp.uaba
        case 0x13 where u == 1 && size == 0: o = IntegerOp.pmul
        case 0x16 where size == 1 || size == 2: o = u == 0 ? IntegerOp.sqdmulh : IntegerOp.sqrdmulh
        default: return .undefined
        }
        return integerOp(r, o, esize: size, q: q)
    }

    /// Scalar three same, integer opcodes not in SIMD.swift.
    static func decodeSIMDScalarThreeSameInteger(_ f: SIMDScalarThreeSameFields) -> Op {
        let u = f.u.bit, size = f.size, opcode = f.opcode, r = f.operands
        let o: UInt16
        switch opcode {
        case 0x01: o = u == 0 ? IntegerOp.sqadd : IntegerOp.uqadd
        case 0x05: o = u == 0 ? IntegerOp.sqsub : IntegerOp.uqsub
        case 0x09: o = u == 0 ? IntegerOp.sqshl : IntegerOp.uqshl
        case 0x0B: o = u == 0 ? IntegerOp.sqrshl : IntegerOp.uqrshl
        case 0x0A where size == 3: o = u == 0 ? IntegerOp.srshl : IntegerOp.urshl
        case 0x16 where size == 1 || size == 2: o = u == 0 ? IntegerOp.sqdmulh : IntegerOp.sqrdmulh
        case 0x06 where size == 3, 0x07 where size == 3, 0x11 where size == 3 && u == 0:
            // CMGT/CMHI/CMGE/CMHS/CMTST (scalar D): the basic vector op on one lane.
            let v: UInt16
            switch (opcode, u) {
            case (0x06, 0): v = VectorOp.cmgt
            case (0x06, _): v = VectorOp.cmhi
            case (0x07, 0): v = VectorOp.cmge
            case (0x07, _): v = VectorOp.cmhs
            default: v = VectorOp.cmtst
            }
            return Op(.vBinary, rd: r.rd, rn: r.rn, rm: r.rm, aux: Op.vectorAux(v, esize: 3, q: false) | VectorOp.scalar)
        default: return .undefined
        }
        return integerOp(r, o, esize: size, q: 0, scalar: true)
    }

    /// Three different (vector), opcodes not in SIMD.swift; size 11 only for PMULL (64 × 64 → 128).
    static func decodeSIMDThreeDifferentInteger(_ f: SIMDThreeDifferentFields) -> Op {
        let u = f.u.bit, size = f.size, opcode = f.opcode, q = f.q.bit, r = f.operands
        if opcode == 14 {
            guard u == 0, size == 0 || size == 3 else { return .undefined }
            return integerOp(r, IntegerOp.pmull, esize: size, q: q)
        }
        guard size != 3 else { return .undefined }
        let o: UInt16
        switch opcode {
        case 3: o = u == 0 ? IntegerOp.ssubw : IntegerOp.usubw
        case 4: o = u == 0 ? IntegerOp.addhn : IntegerOp.raddhn
        case 5: o = u == 0 ? IntegerOp.sabal : IntegerOp.uabal
        case 6: o = u == 0 ? IntegerOp.subhn : IntegerOp.rsubhn
        case 7: o = u == 0 ? IntegerOp.sabdl : IntegerOp.uabdl
        case 9 where u == 0 && size != 0: o = IntegerOp.sqdmlal
        case 11 where u == 0 && size != 0: o = IntegerOp.sqdmlsl
        case 13 where u == 0 && size != 0: o = IntegerOp.sqdmull
        default: return .undefined
        }
        return integerOp(r, o, esize: size, q: q)
    }

    /// Scalar three different: SQDMLAL, SQDMLSL, SQDMULL (H → S, S → D).
    static func decodeSIMDScalarThreeDifferent(_ f: SIMDScalarThreeDifferentFields) -> Op {
        let u = f.u.bit, size = f.size, opcode = f.opcode, r = f.operands
        guard u == 0, size == 1 || size == 2 else { return .undefined }
        let o: UInt16
        switch opcode {
        case 9: o = IntegerOp.sqdmlal
        case 11: o = IntegerOp.sqdmlsl
        case 13: o = IntegerOp.sqdmull
        default: return .undefined
        }
        return integerOp(r, o, esize: size, q: 0, scalar: true)
    }

    /// Two-register miscellaneous (vector), integer opcodes not in SIMD.swift.
    static func decodeSIMDTwoRegisterMiscInteger(_ f: SIMDTwoRegisterMiscFields) -> Op {
        let u = f.u.bit, size = f.size, opcode = f.opcode, q = f.q.bit, r = f.operands
        let o: UInt16
        switch opcode {
        case 0x02 where size != 3: o = u == 0 ? IntegerOp.saddlp : IntegerOp.uaddlp
        case 0x06 where size != 3: o = u == 0 ? IntegerOp.sadalp : IntegerOp.uadalp
        case 0x03 where size != 3 || q == 1: o = u == 0 ? IntegerOp.suqadd : IntegerOp.usqadd
        case 0x07 where size != 3 || q == 1: o = u == 0 ? IntegerOp.sqabs : IntegerOp.sqneg
        case 0x04 where size != 3: o = u == 0 ? IntegerOp.cls : IntegerOp.clz
        case 0x12 where u == 1 && size != 3: o = IntegerOp.sqxtun
        case 0x14 where size != 3: o = u == 0 ? IntegerOp.sqxtn : IntegerOp.uqxtn
        default: return .undefined
        }
        return integerOp(r, o, esize: size, q: q, rm: 0)
    }

    /// Scalar two-register miscellaneous, integer opcodes not in SIMD.swift.
    static func decodeSIMDScalarTwoRegisterMiscInteger(_ f: SIMDScalarTwoRegisterMiscFields) -> Op {
        let u = f.u.bit, size = f.size, opcode = f.opcode, r = f.operands
        let rd = f.rd.raw, rn = f.rn.raw
        let o: UInt16
        switch opcode {
        case 0x03: o = u == 0 ? IntegerOp.suqadd : IntegerOp.usqadd
        case 0x07: o = u == 0 ? IntegerOp.sqabs : IntegerOp.sqneg
        case 0x12 where u == 1 && size != 3: o = IntegerOp.sqxtun
        case 0x14 where size != 3: o = u == 0 ? IntegerOp.sqxtn : IntegerOp.uqxtn
        case 0x08 where size == 3, 0x09 where size == 3, 0x0A where size == 3 && u == 0, 0x0B where size == 3:
            // Compare with zero, ABS, NEG (scalar D): the basic vector op on one lane.
            let v: UInt16
            switch (opcode, u) {
            case (0x08, 0): v = VectorOp.cmgtZero
            case (0x08, _): v = VectorOp.cmgeZero
            case (0x09, 0): v = VectorOp.cmeqZero
            case (0x09, _): v = VectorOp.cmleZero
            case (0x0A, _): v = VectorOp.cmltZero
            case (0x0B, 0): v = VectorOp.abs
            default: v = VectorOp.neg
            }
            return Op(.vUnary, rd: rd, rn: rn, aux: Op.vectorAux(v, esize: 3, q: false) | VectorOp.scalar)
        default: return .undefined
        }
        return integerOp(r, o, esize: size, q: 0, scalar: true, rm: 0)
    }

    /// Shift by immediate (vector), opcodes not in SIMD.swift (immh != 0 checked by the caller).
    static func decodeSIMDShiftImmediateInteger(_ f: SIMDShiftImmediateFields) -> Op {
        let q = f.q.bit, u = f.u.bit, immh = f.immh, immb = f.immb, opcode = f.opcode, r = f.operands
        guard immh != 0 else { return .undefined }
        let esize = UInt32(31 - immh.leadingZeroBitCount)
        let ebits = UInt32(8) << esize
        let both = immh << 3 | immb
        let right = UInt64(2 * ebits - both), left = UInt64(both - ebits)
        let o: UInt16, amount: UInt64
        switch (opcode, u) {
        case (0x04, _): o = u == 0 ? IntegerOp.srshr : IntegerOp.urshr; amount = right
        case (0x06, _): o = u == 0 ? IntegerOp.srsra : IntegerOp.ursra; amount = right
        case (0x08, 1): o = IntegerOp.sri; amount = right
        case (0x0A, 1): o = IntegerOp.sli; amount = left
        case (0x0C, 1): o = IntegerOp.sqshlu; amount = left
        case (0x0E, _): o = u == 0 ? IntegerOp.sqshlImm : IntegerOp.uqshlImm; amount = left
        case (0x10, 1), (0x11, _), (0x12, _), (0x13, _):
            // Narrowing: immh selects the destination size; 1xxx is reserved.
            guard esize < 3 else { return .undefined }
            let n: UInt16
            switch (opcode, u) {
            case (0x10, _): n = IntegerOp.sqshrun
            case (0x11, 0): n = IntegerOp.rshrn
            case (0x11, _): n = IntegerOp.sqrshrun
            case (0x12, 0): n = IntegerOp.sqshrn
            case (0x12, _): n = IntegerOp.uqshrn
            case (0x13, 0): n = IntegerOp.sqrshrn
            default: n = IntegerOp.uqrshrn
            }
            return integerOp(r, n, esize: esize, q: q, rm: 0, imm: right)
        default: return .undefined
        }
        guard esize < 3 || q == 1 else { return .undefined }
        return integerOp(r, o, esize: esize, q: q, rm: 0, imm: amount)
    }

    /// Scalar shift by immediate, forms not in SIMD.swift. The D-only forms
    /// need immh = 1xxx; the saturating left shifts take any size; the
    /// narrowing ones take B/H/S destinations only.
    static func decodeSIMDScalarShiftImmediateInteger(_ f: SIMDScalarShiftImmediateFields) -> Op {
        let u = f.u.bit, immh = f.immh, immb = f.immb, opcode = f.opcode, r = f.operands
        guard immh != 0 else { return .undefined }
        let esize = UInt32(31 - immh.leadingZeroBitCount)
        let ebits = UInt32(8) << esize
        let both = immh << 3 | immb
        let right = UInt64(2 * ebits - both), left = UInt64(both - ebits)
        let o: UInt16, amount: UInt64
        switch (opcode, u) {
        case (0x02, _) where esize == 3:
            return Op(.vShift, rd: r.rd, rn: r.rn, aux: Op.vectorAux(u == 0 ? VectorOp.ssra : VectorOp.usra, esize: 3, q: false), imm: right)
        case (0x04, _) where esize == 3: o = u == 0 ? IntegerOp.srshr : IntegerOp.urshr; amount = right
        case (0x06, _) where esize == 3: o = u == 0 ? IntegerOp.srsra : IntegerOp.ursra; amount = right
        case (0x08, 1) where esize == 3: o = IntegerOp.sri; amount = right
        case (0x0A, 1) where esize == 3: o = IntegerOp.sli; amount = left
        case (0x0C, 1): o = IntegerOp.sqshlu; amount = left
        case (0x0E, _): o = u == 0 ? IntegerOp.sqshlImm : IntegerOp.uqshlImm; amount = left
        case (0x10, 1) where esize < 3: o = IntegerOp.sqshrun; amount = right
        case (0x11, 1) where esize < 3: o = IntegerOp.sqrshrun; amount = right
        case (0x12, _) where esize < 3: o = u == 0 ? IntegerOp.sqshrn : IntegerOp.uqshrn; amount = right
        case (0x13, _) where esize < 3: o = u == 0 ? IntegerOp.sqrshrn : IntegerOp.uqrshrn; amount = right
        default: return .undefined
        }
        return integerOp(r, o, esize: esize, q: 0, scalar: true, rm: 0, imm: amount)
    }
}
