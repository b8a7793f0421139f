import ChimeraCPUKit
// A64 Advanced SIMD: the integer subset compilers emit for memcpy/memset,
// string routines and auto-vectorised loops, plus FP/SIMD loads and stores
// (ARM ARM C4.1.87, C4.1.90). Everything else decodes as UNDEFINED.

/// A 128-bit vector value with lane access.
struct Vec {
    var lo: UInt64 = 0
    var hi: UInt64 = 0

    @inline(__always) func lane(_ i: Int, _ ebits: Int) -> UInt64 {
        let bit = i * ebits
        let word = bit < 64 ? lo : hi
        return ebits == 64 ? word : (word >> UInt64(bit & 63)) & ((1 << UInt64(ebits)) - 1)
    }

    @inline(__always) mutating func setLane(_ i: Int, _ ebits: Int, _ v: UInt64) {
        let bit = i * ebits
        let m: UInt64 = ebits == 64 ? ~0 : ((1 << UInt64(ebits)) - 1) << UInt64(bit & 63)
        let x = (v << UInt64(bit & 63)) & m
        if bit < 64 { lo = (lo & ~m) | x } else { hi = (hi & ~m) | x }
    }
}

/// Operations of `vBinary`, `vUnary`, `vShift`, `vAcross`, `vWiden`, `vNarrow`, `vPermute`, `vFP` (low byte of aux).
enum VectorOp {
    // binary
    static let add: UInt16 = 0, sub: UInt16 = 1, mul: UInt16 = 2, cmtst: UInt16 = 3, cmeq: UInt16 = 4
    static let cmgt: UInt16 = 5, cmhi: UInt16 = 6, cmge: UInt16 = 7, cmhs: UInt16 = 8
    static let and: UInt16 = 9, bic: UInt16 = 10, orr: UInt16 = 11, orn: UInt16 = 12, eor: UInt16 = 13
    static let bsl: UInt16 = 14, bit: UInt16 = 15, bif: UInt16 = 16
    static let smax: UInt16 = 17, umax: UInt16 = 18, smin: UInt16 = 19, umin: UInt16 = 20
    static let addp: UInt16 = 21, smaxp: UInt16 = 22, umaxp: UInt16 = 23, sminp: UInt16 = 24, uminp: UInt16 = 25
    static let mla: UInt16 = 26, mls: UInt16 = 27
    // unary
    static let cnt: UInt16 = 40, not: UInt16 = 41, cmgtZero: UInt16 = 42, cmgeZero: UInt16 = 43, cmeqZero: UInt16 = 44
    static let cmleZero: UInt16 = 45, cmltZero: UInt16 = 46, abs: UInt16 = 47, neg: UInt16 = 48
    static let rev64: UInt16 = 49, rev32: UInt16 = 50, rev16: UInt16 = 51, rbit: UInt16 = 52
    // shift
    static let sshr: UInt16 = 60, ushr: UInt16 = 61, shl: UInt16 = 62, ssra: UInt16 = 63, usra: UInt16 = 64
    // across
    static let addv: UInt16 = 70, smaxv: UInt16 = 71, umaxv: UInt16 = 72, sminv: UInt16 = 73, uminv: UInt16 = 74
    static let saddlv: UInt16 = 75, uaddlv: UInt16 = 76
    // widen (source esize in aux bits 8-10; q selects the upper half)
    static let sshll: UInt16 = 80, ushll: UInt16 = 81, saddl: UInt16 = 82, uaddl: UInt16 = 83, ssubl: UInt16 = 84
    static let usubl: UInt16 = 85, smull: UInt16 = 86, umull: UInt16 = 87, saddw: UInt16 = 88, uaddw: UInt16 = 89
    static let smlal: UInt16 = 90, umlal: UInt16 = 91
    // narrow
    static let xtn: UInt16 = 100, shrn: UInt16 = 101
    // permute
    static let uzp1: UInt16 = 110, trn1: UInt16 = 111, zip1: UInt16 = 112, uzp2: UInt16 = 113, trn2: UInt16 = 114, zip2: UInt16 = 115
    // floating point
    static let fadd: UInt16 = 120, fsub: UInt16 = 121, fmul: UInt16 = 122, fdiv: UInt16 = 123, fmla: UInt16 = 124, faddp: UInt16 = 125
    static let fabd: UInt16 = 126   // 127-130: formerly FCVTZS/FCVTZU/SCVTF/UCVTF, now VectorFPOp.toInt/fromInt
    // (more FP operations: VectorFPOp in SIMDFloatingPoint.swift, 150-187)
    // more binary / widening
    static let sshl: UInt16 = 140, ushl: UInt16 = 141, smlsl: UInt16 = 142, umlsl: UInt16 = 143
    /// Bit 12 of aux: scalar form (one lane, rest of the register cleared).
    static let scalar: UInt16 = 0x1000
}

/// The register numbers and Q the Advanced SIMD helpers put into an `Op`.
/// `rm` is bits 20:16 of the word even for forms without an Rm field (the
/// executors ignore it there; kept so decoded ops stay as they were).
struct VectorOperands {
    var rd: UInt8
    var rn: UInt8
    var rm: UInt8
    /// Q; the scalar patterns fix bit 30 to 1.
    var q: Bool
}

extension SIMDThreeSameFields { var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: rm.raw, q: q) } }
extension SIMDThreeDifferentFields { var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: rm.raw, q: q) } }
extension SIMDPermuteFields { var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: rm.raw, q: q) } }
extension SIMDScalarThreeSameFields { var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: rm.raw, q: true) } }
extension SIMDScalarThreeDifferentFields { var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: rm.raw, q: true) } }
extension SIMDTwoRegisterMiscFields {
    /// Bits 20:16 are 0000 and opcode<4>.
    var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: UInt8(opcode >> 4), q: q) }
}
extension SIMDScalarTwoRegisterMiscFields {
    var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: UInt8(opcode >> 4), q: true) }
}
extension SIMDAcrossLanesFields {
    /// Bits 20:16 are 1000 and opcode<4>.
    var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: UInt8(0x10 | opcode >> 4), q: q) }
}
extension SIMDScalarPairwiseFields {
    var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: UInt8(0x10 | opcode >> 4), q: true) }
}
extension SIMDShiftImmediateFields {
    /// Bits 20:16 are immh<1:0>:immb.
    var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: UInt8((immh & 3) << 3 | immb), q: q) }
}
extension SIMDScalarShiftImmediateFields {
    var operands: VectorOperands { VectorOperands(rd: rd.raw, rn: rn.raw, rm: UInt8((immh & 3) << 3 | immb), q: true) }
}

extension A64Decoder {
    private static func vop(_ kind: OpKind, _ r: VectorOperands, _ o: UInt16, esize: UInt32, rm: UInt8? = nil, imm: UInt64 = 0) -> Op {
        Op(kind, rd: r.rd, rn: r.rn, rm: rm ?? r.rm, aux: Op.vectorAux(o, esize: esize, q: r.q), imm: imm)
    }

    static func decodeSIMDThreeSame(_ f: SIMDThreeSameFields) -> Op {
        let u = f.u, size = f.size, opcode = f.opcode, q = f.q
        if opcode == 3 {
            let ops: (UInt16, UInt16, UInt16, UInt16) = !u ? (VectorOp.and, VectorOp.bic, VectorOp.orr, VectorOp.orn)
                : (VectorOp.eor, VectorOp.bsl, VectorOp.bit, VectorOp.bif)
            let o = size == 0 ? ops.0 : size == 1 ? ops.1 : size == 2 ? ops.2 : ops.3
            return vop(.vBinary, f.operands, o, esize: 3)
        }
        if opcode >= 0x18 { return decodeSIMDThreeSameFP(u: u, size: size, opcode: opcode, f.operands, scalar: false) }
        guard size != 3 || q else { return .undefined }
        let o: UInt16
        switch (u, opcode) {
        case (false, 0x10): o = VectorOp.add
        case (true, 0x10): o = VectorOp.sub
        case (false, 0x13) where size != 3: o = VectorOp.mul
        case (false, 0x12) where size != 3: o = VectorOp.mla
        case (true, 0x12) where size != 3: o = VectorOp.mls
        case (false, 0x11): o = VectorOp.cmtst
        case (true, 0x11): o = VectorOp.cmeq
        case (false, 0x06): o = VectorOp.cmgt
        case (true, 0x06): o = VectorOp.cmhi
        case (false, 0x07): o = VectorOp.cmge
        case (true, 0x07): o = VectorOp.cmhs
        case (false, 0x0C) where size != 3: o = VectorOp.smax
        case (true, 0x0C) where size != 3: o = VectorOp.umax
        case (false, 0x0D) where size != 3: o = VectorOp.smin
        case (true, 0x0D) where size != 3: o = VectorOp.umin
        case (false, 0x17): o = VectorOp.addp
        case (false, 0x08): o = VectorOp.sshl
        case (true, 0x08): o = VectorOp.ushl
        case (false, 0x14) where size != 3: o = VectorOp.smaxp
        case (true, 0x14) where size != 3: o = VectorOp.umaxp
        case (false, 0x15) where size != 3: o = VectorOp.sminp
        case (true, 0x15) where size != 3: o = VectorOp.uminp
        default: return decodeSIMDThreeSameInteger(f)
        }
        return vop(.vBinary, f.operands, o, esize: size)
    }

    static func decodeSIMDThreeDifferent(_ f: SIMDThreeDifferentFields) -> Op {
        let u = f.u, size = f.size
        guard size != 3 else { return decodeSIMDThreeDifferentInteger(f) }
        let o: UInt16
        switch (f.opcode, u) {
        case (0, false): o = VectorOp.saddl
        case (0, true): o = VectorOp.uaddl
        case (1, false): o = VectorOp.saddw
        case (1, true): o = VectorOp.uaddw
        case (2, false): o = VectorOp.ssubl
        case (2, true): o = VectorOp.usubl
        case (8, false): o = VectorOp.smlal
        case (8, true): o = VectorOp.umlal
        case (10, false): o = VectorOp.smlsl
        case (10, true): o = VectorOp.umlsl
        case (12, false): o = VectorOp.smull
        case (12, true): o = VectorOp.umull
        default: return decodeSIMDThreeDifferentInteger(f)
        }
        return vop(.vWiden, f.operands, o, esize: size)
    }

    static func decodeSIMDTwoRegisterMisc(_ f: SIMDTwoRegisterMiscFields) -> Op {
        let u = f.u, size = f.size, opcode = f.opcode, q = f.q, r = f.operands
        if (0x0C...0x0F).contains(opcode) || opcode >= 0x16 {
            return decodeSIMDTwoRegisterMiscFP(u: u, size: size, opcode: opcode, r, scalar: false)
        }
        let o: UInt16
        switch (u, opcode) {
        case (false, 0x05) where size == 0: o = VectorOp.cnt
        case (true, 0x05) where size == 0: o = VectorOp.not
        case (true, 0x05) where size == 1: o = VectorOp.rbit
        case (false, 0x00) where size < 3: o = VectorOp.rev64
        case (true, 0x00) where size < 2: o = VectorOp.rev32
        case (false, 0x01) where size == 0: o = VectorOp.rev16
        case (false, 0x08): o = VectorOp.cmgtZero
        case (true, 0x08): o = VectorOp.cmgeZero
        case (false, 0x09): o = VectorOp.cmeqZero
        case (true, 0x09): o = VectorOp.cmleZero
        case (false, 0x0A): o = VectorOp.cmltZero
        case (false, 0x0B): o = VectorOp.abs
        case (true, 0x0B): o = VectorOp.neg
        case (false, 0x12) where size < 3:
            return vop(.vNarrow, r, VectorOp.xtn, esize: size)
        case (true, 0x13) where size < 3:
            return vop(.vWiden, r, VectorOp.ushll, esize: size, imm: UInt64(8 << size))
        default: return decodeSIMDTwoRegisterMiscInteger(f)
        }
        if size == 3 && !q { return .undefined }
        if o == VectorOp.rbit || o == VectorOp.not { return vop(.vUnary, r, o, esize: 0) }
        return vop(.vUnary, r, o, esize: size)
    }

    static func decodeSIMDAcrossLanes(_ f: SIMDAcrossLanesFields) -> Op {
        let u = f.u, size = f.size, opcode = f.opcode, q = f.q
        if u && (opcode == 0x0C || opcode == 0x0F) { return decodeSIMDAcrossLanesFP(f) }
        guard size < 2 || (size == 2 && q) else { return .undefined }
        let o: UInt16
        switch (u, opcode) {
        case (false, 0x1B): o = VectorOp.addv
        case (false, 0x0A): o = VectorOp.smaxv
        case (true, 0x0A): o = VectorOp.umaxv
        case (false, 0x1A): o = VectorOp.sminv
        case (true, 0x1A): o = VectorOp.uminv
        case (false, 0x03): o = VectorOp.saddlv
        case (true, 0x03): o = VectorOp.uaddlv
        default: return .undefined
        }
        return vop(.vAcross, f.operands, o, esize: size)
    }

    static func decodeSIMDCopy(_ f: SIMDCopyFields) -> Op {
        let q = f.q, imm5 = f.imm5, imm4 = f.imm4
        guard imm5 & 0xF != 0 else { return .undefined }
        let esize = UInt32(imm5.trailingZeroBitCount)
        let index = imm5 >> (esize + 1)
        let rd = f.rd, rn = f.rn
        func aux(_ i2: UInt32 = 0) -> UInt16 { Op.copyAux(esize: esize, q: q, index: index, sourceIndex: i2) }
        if f.op {
            guard q else { return .undefined }
            return Op(.vInsElement, rd: rd.raw, rn: rn.raw, aux: aux(imm4 >> esize))
        }
        switch imm4 {
        case 0:
            guard esize < 3 || q else { return .undefined }
            return Op(.vDupElement, rd: rd.raw, rn: rn.raw, aux: aux())
        case 1:
            guard esize < 3 || q else { return .undefined }
            return Op(.vDupGeneral, rd: rd.raw, rn: rn.xzr, aux: aux())
        case 3 where q:
            return Op(.vIns, rd: rd.raw, rn: rn.xzr, aux: aux())
        case 5 where esize < 2 || (esize == 2 && q):
            return Op(.vSmov, rd: rd.sink, rn: rn.raw, aux: aux())
        case 7 where (!q && esize < 3) || (q && esize == 3):
            return Op(.vUmov, rd: rd.sink, rn: rn.raw, aux: aux())
        default:
            return .undefined
        }
    }

    static func decodeSIMDModifiedImmediate(_ f: SIMDModifiedImmediateFields) -> Op {
        let q = UInt16(f.q.bit), op = f.op, cmode = f.cmode
        guard !f.o2 else { return .undefined }
        let imm8 = UInt64(f.abc << 5 | f.defgh)
        var imm: UInt64, mode: UInt16
        func rep32(_ x: UInt64) -> UInt64 { x << 32 | x }
        func rep16(_ x: UInt64) -> UInt64 { rep32(x << 16 | x) }
        switch cmode {
        case 0, 2, 4, 6:
            imm = rep32(imm8 << UInt64(8 * (cmode >> 1))); mode = !op ? 0 : 1
        case 1, 3, 5, 7:
            imm = rep32(imm8 << UInt64(8 * (cmode >> 1))); mode = !op ? 2 : 3
        case 8, 10:
            imm = rep16(imm8 << UInt64(8 * ((cmode >> 1) & 1))); mode = !op ? 0 : 1
        case 9, 11:
            imm = rep16(imm8 << UInt64(8 * ((cmode >> 1) & 1))); mode = !op ? 2 : 3
        case 12:
            imm = rep32(imm8 << 8 | 0xFF); mode = !op ? 0 : 1
        case 13:
            imm = rep32(imm8 << 16 | 0xFFFF); mode = !op ? 0 : 1
        case 14 where !op:
            imm = imm8 * 0x0101_0101_0101_0101; mode = 0
        case 14:
            imm = 0
            for b in 0..<8 where (imm8 >> UInt64(b)) & 1 == 1 { imm |= 0xFF << UInt64(b * 8) }
            mode = 0
        case 15 where !op:
            let b6 = (imm8 >> 6) & 1
            let v = (imm8 >> 7) << 31 | ((b6 ^ 1) << 30) | (b6 == 1 ? 0x1F << 25 : 0) | ((imm8 & 0x3F) << 19)
            imm = rep32(v); mode = 0
        case 15 where q == 1:
            let b6 = (imm8 >> 6) & 1
            imm = (imm8 >> 7) << 63 | ((b6 ^ 1) << 62) | (b6 == 1 ? 0xFF << 54 : 0) | ((imm8 & 0x3F) << 48); mode = 0
        default:
            return .undefined
        }
        return Op(.vMovi, rd: f.rd.raw, aux: q | mode << 1, imm: imm)
    }

    static func decodeSIMDShiftImmediate(_ f: SIMDShiftImmediateFields) -> Op {
        let q = f.q, u = f.u, immh = f.immh, opcode = f.opcode, r = f.operands
        guard immh != 0 else { return .undefined }
        let esize = UInt32(31 - immh.leadingZeroBitCount)   // 0 = bytes … 3 = doublewords
        let ebits = UInt32(8) << esize
        let both = immh << 3 | f.immb
        let right = UInt64(2 * ebits - both), left = UInt64(both - ebits)
        if opcode == 0x1C || opcode == 0x1F {
            return decodeSIMDFixedConversion(u: u, immh: immh, immb: f.immb, opcode: opcode, r, scalar: false)
        }
        switch (opcode, u) {
        case (0x00, _):
            guard esize < 3 || q else { return .undefined }
            return vop(.vShift, r, !u ? VectorOp.sshr : VectorOp.ushr, esize: esize, imm: right)
        case (0x02, _):
            guard esize < 3 || q else { return .undefined }
            return vop(.vShift, r, !u ? VectorOp.ssra : VectorOp.usra, esize: esize, imm: right)
        case (0x0A, false):
            guard esize < 3 || q else { return .undefined }
            return vop(.vShift, r, VectorOp.shl, esize: esize, imm: left)
        case (0x14, _):
            guard esize < 3 else { return .undefined }
            return vop(.vWiden, r, !u ? VectorOp.sshll : VectorOp.ushll, esize: esize, imm: left)
        case (0x10, false):
            guard esize < 3 else { return .undefined }
            return vop(.vNarrow, r, VectorOp.shrn, esize: esize, imm: right)
        default:
            return decodeSIMDShiftImmediateInteger(f)
        }
    }

    static func decodeSIMDScalarShiftImmediate(_ f: SIMDScalarShiftImmediateFields) -> Op {
        let u = f.u, immh = f.immh, opcode = f.opcode
        if opcode == 0x1C || opcode == 0x1F {
            return decodeSIMDFixedConversion(u: u, immh: immh, immb: f.immb, opcode: opcode, f.operands, scalar: true)
        }
        guard immh & 8 != 0 else { return decodeSIMDScalarShiftImmediateInteger(f) }
        let both = immh << 3 | f.immb
        let rd = f.rd.raw, rn = f.rn.raw
        // Scalar D forms: reuse the vector op with Q = 0 and 64-bit lanes (one lane).
        switch (opcode, u) {
        case (0x00, _):
            return Op(.vShift, rd: rd, rn: rn, aux: Op.vectorAux(!u ? VectorOp.sshr : VectorOp.ushr, esize: 3, q: false), imm: UInt64(128 - both))
        case (0x0A, false): return Op(.vShift, rd: rd, rn: rn, aux: Op.vectorAux(VectorOp.shl, esize: 3, q: false), imm: UInt64(both - 64))
        default: return decodeSIMDScalarShiftImmediateInteger(f)
        }
    }

    static func decodeSIMDScalarCopy(_ f: SIMDScalarCopyFields) -> Op {
        let imm5 = f.imm5
        guard !f.op, f.imm4 == 0, imm5 & 0xF != 0 else { return .undefined }
        let esize = UInt32(imm5.trailingZeroBitCount)
        return Op(.vDupElement, rd: f.rd.raw, rn: f.rn.raw,
                  aux: Op.copyAux(esize: esize, q: false, index: imm5 >> (esize + 1)) | 0x8000)
    }

    static func decodeSIMDScalarThreeSame(_ f: SIMDScalarThreeSameFields) -> Op {
        let u = f.u, size = f.size, opcode = f.opcode
        if opcode >= 0x18 { return decodeSIMDThreeSameFP(u: u, size: size, opcode: opcode, f.operands, scalar: true) }
        let o: UInt16
        switch (u, opcode) {
        case (false, 0x10) where size == 3: o = VectorOp.add
        case (true, 0x10) where size == 3: o = VectorOp.sub
        case (false, 0x08) where size == 3: o = VectorOp.sshl
        case (true, 0x08) where size == 3: o = VectorOp.ushl
        case (true, 0x11) where size == 3: o = VectorOp.cmeq
        default: return decodeSIMDScalarThreeSameInteger(f)
        }
        return Op(.vBinary, rd: f.rd.raw, rn: f.rn.raw, rm: f.rm.raw, aux: Op.vectorAux(o, esize: 3, q: false) | VectorOp.scalar)
    }

    static func decodeSIMDScalarTwoRegisterMisc(_ f: SIMDScalarTwoRegisterMiscFields) -> Op {
        let opcode = f.opcode
        if (0x0C...0x0F).contains(opcode) || opcode >= 0x16 {
            return decodeSIMDTwoRegisterMiscFP(u: f.u, size: f.size, opcode: opcode, f.operands, scalar: true)
        }
        return decodeSIMDScalarTwoRegisterMiscInteger(f)
    }

    static func decodeSIMDScalarPairwise(_ f: SIMDScalarPairwiseFields) -> Op {
        if f.u { return decodeSIMDScalarPairwiseFP(f) }
        guard f.size == 3, f.opcode == 0x1B else { return .undefined }
        return Op(.vAcross, rd: f.rd.raw, rn: f.rn.raw, aux: Op.vectorAux(VectorOp.addv, esize: 3, q: true))
    }

    static func decodeSIMDExtract(_ f: SIMDExtractFields) -> Op {
        let q = f.q, imm4 = f.imm4
        guard f.op2 == 0, q || imm4 < 8 else { return .undefined }
        return Op(.vExt, rd: f.rd.raw, rn: f.rn.raw, rm: f.rm.raw, aux: UInt16(q.bit), imm: UInt64(imm4))
    }

    static func decodeSIMDTableLookup(_ f: SIMDTableLookupFields) -> Op {
        guard f.op2 == 0 else { return .undefined }
        return Op(.vTbl, rd: f.rd.raw, rn: f.rn.raw, rm: f.rm.raw, aux: UInt16(f.q.bit | f.len << 1 | f.op.bit << 3))
    }

    static func decodeSIMDPermute(_ f: SIMDPermuteFields) -> Op {
        let size = f.size
        guard size != 3 || f.q else { return .undefined }
        let o: UInt16
        switch f.opcode {
        case 1: o = VectorOp.uzp1
        case 2: o = VectorOp.trn1
        case 3: o = VectorOp.zip1
        case 5: o = VectorOp.uzp2
        case 6: o = VectorOp.trn2
        case 7: o = VectorOp.zip2
        default: return .undefined
        }
        return vop(.vPermute, f.operands, o, esize: size)
    }

    static func decodeSIMDLoadStoreMultiple(_ f: SIMDLoadStoreMultipleFields) -> Op {
        let q = f.q, post = f.p, size = f.size
        if !post && f.rm.number != 0 { return .undefined }
        let (rpt, selem): (UInt32, UInt32)
        switch f.opcode {
        case 0: (rpt, selem) = (1, 4)
        case 2: (rpt, selem) = (4, 1)
        case 4: (rpt, selem) = (1, 3)
        case 6: (rpt, selem) = (3, 1)
        case 7: (rpt, selem) = (1, 1)
        case 8: (rpt, selem) = (1, 2)
        case 10: (rpt, selem) = (2, 1)
        default: return .undefined
        }
        if size == 3 && !q && selem != 1 { return .undefined }
        let bytes = UInt64(rpt * selem) * (q ? 16 : 8)
        return Op(f.l ? .ld1Multiple : .st1Multiple, rd: f.rt.raw, rn: f.rn.sp, rm: Op.postIndexSlot(post: post, rm: f.rm),
                  aux: Op.multipleStructuresAux(repeats: rpt, elements: selem, esize: size, q: q), imm: bytes)
    }

    static func decodeSIMDLoadStoreSingle(_ f: SIMDLoadStoreSingleFields) -> Op {
        let q = f.q.bit, post = f.p, load = f.l, s = f.s.bit, size = f.size
        if !post && f.rm.number != 0 { return .undefined }
        guard !f.r, f.opcode & 1 == 0 else { return decodeSIMDLoadStoreSingleStructure(f) }   // two to four elements
        let rmSlot = Op.postIndexSlot(post: post, rm: f.rm)
        let rt = f.rt.raw, rn = f.rn.sp
        let kind: OpKind = load ? .ld1Lane : .st1Lane
        switch f.opcode {
        case 6:
            guard load, s == 0 else { return .undefined }
            return Op(.ld1r, rd: rt, rn: rn, rm: rmSlot, aux: Op.structureAux(esize: size, q: f.q), imm: UInt64(1) << UInt64(size))
        case 0:
            return Op(kind, rd: rt, rn: rn, rm: rmSlot, aux: Op.structureAux(esize: 0, index: q << 3 | s << 2 | size), imm: 1)
        case 2:
            guard size & 1 == 0 else { return .undefined }
            return Op(kind, rd: rt, rn: rn, rm: rmSlot, aux: Op.structureAux(esize: 1, index: q << 2 | s << 1 | size >> 1), imm: 2)
        default:
            if size == 0 {
                return Op(kind, rd: rt, rn: rn, rm: rmSlot, aux: Op.structureAux(esize: 2, index: q << 1 | s), imm: 4)
            }
            guard size == 1, s == 0 else { return .undefined }
            return Op(kind, rd: rt, rn: rn, rm: rmSlot, aux: Op.structureAux(esize: 3, index: q), imm: 8)
        }
    }
}

extension AArch64CPU {
    func vec(_ n: UInt8) -> Vec { Vec(lo: vLow(n), hi: vHigh(n)) }
    func setVec(_ n: UInt8, _ v: Vec, q: Bool) { setV(n, v.lo, q ? v.hi : 0) }

    /// FP/SIMD loads and stores (scalar, pairs, structures). Returns the loop outcome.
    func executeFPLoadStore(_ op: Op, at pc: UInt64) throws(GuestTrap) -> UInt8 {
        let r = regs
        let base = r[Int(op.rn)]
        func load(_ a: UInt64, _ bytes: Int) throws(GuestTrap) -> Vec {
            var v = Vec()
            if bytes == 16 {
                v.lo = try read(UInt64.self, a, pc); v.hi = try read(UInt64.self, a &+ 8, pc)
            } else {
                v.lo = try readSized(a, size: bytes, pc: pc)
            }
            return v
        }
        func store(_ a: UInt64, _ v: Vec, _ bytes: Int) throws(GuestTrap) {
            if bytes == 16 {
                try write(UInt64.self, a, v.lo, pc)
                try write(UInt64.self, a &+ 8, v.hi, pc)
            } else {
                try writeSized(a, size: bytes, value: v.lo, pc: pc)
            }
        }
        func postIncrement(_ total: UInt64) {
            switch op.rm {
            case 0xFF: break
            case 0xFE: r[Int(op.rn)] = base &+ total
            default: r[Int(op.rn)] = base &+ r[Int(op.rm)]
            }
        }
        switch op.kind {
        case .ldrFP8, .ldrFP16, .ldrFP32, .ldrFP64, .ldrFP128:
            let bytes: Int
            switch op.kind {
            case .ldrFP8: bytes = 1
            case .ldrFP16: bytes = 2
            case .ldrFP32: bytes = 4
            case .ldrFP64: bytes = 8
            default: bytes = 16
            }
            let a = try effectiveAddress(op, base, r, pc)
            let v = try load(a, bytes)
            writeBack(op, base, r)
            setV(op.rd, v.lo, v.hi)
        case .strFP8, .strFP16, .strFP32, .strFP64, .strFP128:
            let bytes: Int
            switch op.kind {
            case .strFP8: bytes = 1
            case .strFP16: bytes = 2
            case .strFP32: bytes = 4
            case .strFP64: bytes = 8
            default: bytes = 16
            }
            let a = try effectiveAddress(op, base, r, pc)
            try store(a, vec(op.rd), bytes)
            writeBack(op, base, r)
        case .ldpFP32, .ldpFP64, .ldpFP128:
            let bytes = op.kind == .ldpFP32 ? 4 : op.kind == .ldpFP64 ? 8 : 16
            let a = try effectiveAddress(op, base, r, pc)
            let v1 = try load(a, bytes)
            let v2 = try load(a &+ UInt64(bytes), bytes)
            writeBack(op, base, r)
            setV(op.rd, v1.lo, v1.hi)
            setV(op.ra, v2.lo, v2.hi)
        case .stpFP32, .stpFP64, .stpFP128:
            let bytes = op.kind == .stpFP32 ? 4 : op.kind == .stpFP64 ? 8 : 16
            let a = try effectiveAddress(op, base, r, pc)
            try store(a, vec(op.rd), bytes)
            try store(a &+ UInt64(bytes), vec(op.ra), bytes)
            writeBack(op, base, r)
        case .ld1Multiple, .st1Multiple:
            let rpt = Int(op.aux & 7), selem = Int((op.aux >> 3) & 7), esize = Int((op.aux >> 6) & 3), q = op.aux & 0x100 != 0
            let ebytes = 1 << esize, elements = (q ? 16 : 8) / ebytes
            var a = base
            var regsOut = (Vec(), Vec(), Vec(), Vec())
            return try withUnsafeMutableBytes(of: &regsOut) { (raw) throws(GuestTrap) -> UInt8 in
            let regsOut = raw.bindMemory(to: Vec.self)
            for k in 0..<(rpt * selem) { regsOut[k] = vec(UInt8((Int(op.rd) + k) % 32)) }
            for rep in 0..<rpt {
                for e in 0..<elements {
                    for s in 0..<selem {
                        let k = rep + s
                        if op.kind == .ld1Multiple {
                            let v = try readSized(a, size: ebytes, pc: pc)
                            regsOut[k].setLane(e, ebytes * 8, v)
                        } else {
                            try writeSized(a, size: ebytes, value: regsOut[k].lane(e, ebytes * 8), pc: pc)
                        }
                        a &+= UInt64(ebytes)
                    }
                }
            }
            if op.kind == .ld1Multiple {
                for k in 0..<(rpt * selem) { setVec(UInt8((Int(op.rd) + k) % 32), regsOut[k], q: q) }
            }
            postIncrement(op.imm)
            return 0
            }
        case .ld1r:
            let esize = Int(op.aux & 3), q = op.aux & 0x10 != 0
            let v = try readSized(base, size: 1 << esize, pc: pc)
            var out = Vec()
            for e in 0..<((q ? 16 : 8) >> esize) { out.setLane(e, 8 << esize, v) }
            setVec(op.rd, out, q: q)
            postIncrement(op.imm)
        case .ld1Lane, .st1Lane:
            let esize = Int(op.aux & 3), index = Int(op.aux >> 8)
            if op.kind == .ld1Lane {
                let v = try readSized(base, size: 1 << esize, pc: pc)
                var out = vec(op.rd)
                out.setLane(index, 8 << esize, v)
                setV(op.rd, out.lo, out.hi)
            } else {
                try writeSized(base, size: 1 << esize, value: vec(op.rd).lane(index, 8 << esize), pc: pc)
            }
            postIncrement(op.imm)
        default:
            break
        }
        return 0
    }

    /// `n op m` (or `acc ± n * m`) lane-wise, for the wrapping integer
    /// operations of `vBinary`; `V` is the lane layout of the 128 bits.
    @inline(__always)
    func simdLanes<V: SIMD>(_ n: Vec, _ m: Vec, _ acc: Vec, _ o: UInt16, _: V.Type) -> Vec
    where V.Scalar: FixedWidthInteger {
        let a = unsafeBitCast(SIMD2<UInt64>(n.lo, n.hi), to: V.self)
        let b = unsafeBitCast(SIMD2<UInt64>(m.lo, m.hi), to: V.self)
        let r: V
        switch o {
        case VectorOp.add: r = a &+ b
        case VectorOp.sub: r = a &- b
        case VectorOp.mul: r = a &* b
        case VectorOp.mla: r = unsafeBitCast(SIMD2<UInt64>(acc.lo, acc.hi), to: V.self) &+ a &* b
        default: r = unsafeBitCast(SIMD2<UInt64>(acc.lo, acc.hi), to: V.self) &- a &* b
        }
        let w = unsafeBitCast(r, to: SIMD2<UInt64>.self)
        return Vec(lo: w[0], hi: w[1])
    }

    func executeSIMD(_ op: Op) {
        let r = regs
        let o = op.aux & 0xFF, esize = Int((op.aux >> 8) & 7), q = op.aux & 0x800 != 0
        let scalar = op.aux & VectorOp.scalar != 0
        let ebits = 8 << esize, lanes = scalar ? 1 : (q ? 128 : 64) / ebits
        let emask: UInt64 = ebits >= 64 ? ~0 : (1 << UInt64(ebits)) - 1
        func sx(_ v: UInt64, _ b: Int = ebits) -> Int64 { Int64(bitPattern: signExtend(v, bits: UInt64(b))) }
        let n = vec(op.rn), m = vec(op.rm)
        var d = Vec()
        switch op.kind {
        case .vBinary:
            if !scalar && (o <= VectorOp.mul || o == VectorOp.mla || o == VectorOp.mls) {
                // ADD/SUB/MUL/MLA/MLS on whole registers with the host's vector
                // types: auto-vectorised loops are made of these, and the
                // lane-by-lane path below costs ~10x more.
                let acc = o >= VectorOp.mla ? vec(op.rd) : Vec()
                switch esize {
                case 0: d = simdLanes(n, m, acc, o, SIMD16<UInt8>.self)
                case 1: d = simdLanes(n, m, acc, o, SIMD8<UInt16>.self)
                case 2: d = simdLanes(n, m, acc, o, SIMD4<UInt32>.self)
                default: d = simdLanes(n, m, acc, o, SIMD2<UInt64>.self)
                }
                break
            }
            if o >= VectorOp.and && o <= VectorOp.bif {
                let dd = vec(op.rd)
                func f(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
                    switch o {
                    case VectorOp.and: return a & b
                    case VectorOp.bic: return a & ~b
                    case VectorOp.orr: return a | b
                    case VectorOp.orn: return a | ~b
                    case VectorOp.eor: return a ^ b
                    case VectorOp.bsl: return (c & a) | (~c & b)
                    case VectorOp.bit: return (c & ~b) | (a & b)
                    default: return (c & b) | (a & ~b)
                    }
                }
                d.lo = f(n.lo, m.lo, dd.lo)
                d.hi = f(n.hi, m.hi, dd.hi)
                break
            }
            let acc = vec(op.rd)
            for i in 0..<lanes {
                var a = n.lane(i, ebits), b = m.lane(i, ebits)
                if o >= VectorOp.addp && o <= VectorOp.uminp {
                    let j = 2 * i
                    let src = j < lanes ? n : m
                    let jj = j < lanes ? j : j - lanes
                    a = src.lane(jj, ebits); b = src.lane(jj + 1, ebits)
                }
                let v: UInt64
                switch o {
                case VectorOp.add, VectorOp.addp: v = a &+ b
                case VectorOp.sub: v = a &- b
                case VectorOp.mul: v = a &* b
                case VectorOp.mla: v = acc.lane(i, ebits) &+ a &* b
                case VectorOp.mls: v = acc.lane(i, ebits) &- a &* b
                case VectorOp.cmtst: v = a & b != 0 ? emask : 0
                case VectorOp.cmeq: v = a == b ? emask : 0
                case VectorOp.cmgt: v = sx(a) > sx(b) ? emask : 0
                case VectorOp.cmge: v = sx(a) >= sx(b) ? emask : 0
                case VectorOp.cmhi: v = a > b ? emask : 0
                case VectorOp.cmhs: v = a >= b ? emask : 0
                case VectorOp.smax, VectorOp.smaxp: v = sx(a) > sx(b) ? a : b
                case VectorOp.smin, VectorOp.sminp: v = sx(a) < sx(b) ? a : b
                case VectorOp.umax, VectorOp.umaxp: v = max(a, b)
                case VectorOp.sshl, VectorOp.ushl:
                    let sh = Int64(Int8(truncatingIfNeeded: b))
                    if sh >= 0 {
                        v = sh >= Int64(ebits) ? 0 : a << UInt64(sh)
                    } else if o == VectorOp.ushl {
                        v = -sh >= Int64(ebits) ? 0 : a >> UInt64(-sh)
                    } else {
                        v = UInt64(bitPattern: sx(a) >> min(-sh, 63))
                    }
                default: v = min(a, b)
                }
                d.setLane(i, ebits, v & emask)
            }
        case .vUnary:
            for i in 0..<lanes {
                let a = n.lane(i, ebits)
                var v: UInt64
                switch o {
                case VectorOp.cnt: v = UInt64(a.nonzeroBitCount)
                case VectorOp.not: v = ~a
                case VectorOp.rbit: v = reverseBits(a) >> 56
                case VectorOp.cmgtZero: v = sx(a) > 0 ? emask : 0
                case VectorOp.cmgeZero: v = sx(a) >= 0 ? emask : 0
                case VectorOp.cmeqZero: v = a == 0 ? emask : 0
                case VectorOp.cmleZero: v = sx(a) <= 0 ? emask : 0
                case VectorOp.cmltZero: v = sx(a) < 0 ? emask : 0
                case VectorOp.abs: v = sx(a) < 0 ? 0 &- a : a
                case VectorOp.neg: v = 0 &- a
                default:
                    // REV64/REV32/REV16: reverse elements within containers.
                    let container = o == VectorOp.rev64 ? 64 : o == VectorOp.rev32 ? 32 : 16
                    let per = container / ebits
                    let base = (i / per) * per
                    v = n.lane(base + (per - 1 - (i - base)), ebits)
                }
                d.setLane(i, ebits, v & emask)
            }
        case .vShift:
            let acc = vec(op.rd)
            let amount = op.imm
            for i in 0..<lanes {
                let a = n.lane(i, ebits)
                let v: UInt64
                switch o {
                case VectorOp.shl: v = amount >= 64 ? 0 : a << amount
                case VectorOp.ushr, VectorOp.usra:
                    let s = amount >= UInt64(ebits) ? 0 : a >> amount
                    v = o == VectorOp.usra ? acc.lane(i, ebits) &+ s : s
                default:
                    let s = UInt64(bitPattern: sx(a) >> Int64(min(amount, 63)))
                    v = o == VectorOp.ssra ? acc.lane(i, ebits) &+ s : s
                }
                d.setLane(i, ebits, v & emask)
            }
        case .vAcross:
            if o == VectorOp.addv && esize == 3 {
                // ADDP (scalar): Dd = Vn.D[0] + Vn.D[1].
                setV(op.rd, n.lo &+ n.hi)
                return
            }
            var acc: UInt64 = n.lane(0, ebits)
            var sacc: Int64 = sx(acc)
            for i in 1..<lanes {
                let a = n.lane(i, ebits)
                switch o {
                case VectorOp.addv: acc = acc &+ a
                case VectorOp.uaddlv: acc = acc &+ a
                case VectorOp.saddlv: sacc = sacc &+ sx(a)
                case VectorOp.umaxv: acc = max(acc, a)
                case VectorOp.uminv: acc = min(acc, a)
                case VectorOp.smaxv: sacc = max(sacc, sx(a))
                default: sacc = min(sacc, sx(a))
                }
            }
            switch o {
            case VectorOp.addv, VectorOp.umaxv, VectorOp.uminv: setV(op.rd, acc & emask)
            case VectorOp.uaddlv: setV(op.rd, acc & ((emask << UInt64(ebits)) | emask))
            case VectorOp.saddlv: setV(op.rd, UInt64(bitPattern: sacc) & ((emask << UInt64(ebits)) | emask))
            default: setV(op.rd, UInt64(bitPattern: sacc) & emask)
            }
            return
        case .vMovi:
            let qq = op.aux & 1 != 0
            let mode = (op.aux >> 1) & 3
            let old = vec(op.rd)
            switch mode {
            case 0: d = Vec(lo: op.imm, hi: op.imm)
            case 1: d = Vec(lo: ~op.imm, hi: ~op.imm)
            case 2: d = Vec(lo: old.lo | op.imm, hi: old.hi | op.imm)
            default: d = Vec(lo: old.lo & ~op.imm, hi: old.hi & ~op.imm)
            }
            setVec(op.rd, d, q: qq)
            return
        case .vDupElement, .vDupGeneral:
            let es = Int(op.aux & 7), qq = op.aux & 0x10 != 0, index = Int((op.aux >> 8) & 0xF)
            let eb = 8 << es
            let v = op.kind == .vDupGeneral ? r[Int(op.rn)] : n.lane(index, eb)
            if op.aux & 0x8000 != 0 { setV(op.rd, v); return }
            for i in 0..<((qq ? 128 : 64) / eb) { d.setLane(i, eb, v) }
            setVec(op.rd, d, q: qq)
            return
        case .vIns, .vInsElement:
            let es = Int(op.aux & 7), index = Int((op.aux >> 8) & 0xF), index2 = Int((op.aux >> 12) & 0xF)
            var out = vec(op.rd)
            out.setLane(index, 8 << es, op.kind == .vIns ? r[Int(op.rn)] : n.lane(index2, 8 << es))
            setV(op.rd, out.lo, out.hi)
            return
        case .vUmov, .vSmov:
            let es = Int(op.aux & 7), qq = op.aux & 0x10 != 0, index = Int((op.aux >> 8) & 0xF)
            let v = n.lane(index, 8 << es)
            if op.kind == .vUmov { r[Int(op.rd)] = v } else {
                let s = UInt64(bitPattern: sx(v, 8 << es))
                r[Int(op.rd)] = qq ? s : s & 0xFFFF_FFFF
            }
            return
        case .vExt:
            let qq = op.aux & 1 != 0
            let bytes = qq ? 16 : 8
            let idx = Int(op.imm)
            for i in 0..<bytes {
                let k = i + idx
                d.setLane(i, 8, k < bytes ? n.lane(k, 8) : m.lane(k - bytes, 8))
            }
            setVec(op.rd, d, q: qq)
            return
        case .vTbl:
            let qq = op.aux & 1 != 0, count = Int((op.aux >> 1) & 3) + 1, tbx = op.aux & 8 != 0
            var table: [Vec] = []
            for k in 0..<count { table.append(vec(UInt8((Int(op.rn) + k) % 32))) }
            let old = vec(op.rd)
            for i in 0..<(qq ? 16 : 8) {
                let index = Int(m.lane(i, 8))
                if index < count * 16 { d.setLane(i, 8, table[index / 16].lane(index % 16, 8)) }
                else if tbx { d.setLane(i, 8, old.lane(i, 8)) }
            }
            setVec(op.rd, d, q: qq)
            return
        case .vPermute:
            let half = lanes / 2
            for i in 0..<lanes {
                let v: UInt64
                switch o {
                case VectorOp.uzp1, VectorOp.uzp2:
                    let k = 2 * i + (o == VectorOp.uzp2 ? 1 : 0)
                    v = k < lanes ? n.lane(k, ebits) : m.lane(k - lanes, ebits)
                case VectorOp.trn1, VectorOp.trn2:
                    let p = i & ~1, odd = o == VectorOp.trn2 ? 1 : 0
                    v = i & 1 == 0 ? n.lane(p + odd, ebits) : m.lane(p + odd, ebits)
                default:
                    let base = o == VectorOp.zip2 ? half : 0
                    v = i & 1 == 0 ? n.lane(base + i / 2, ebits) : m.lane(base + i / 2, ebits)
                }
                d.setLane(i, ebits, v)
            }
        case .vWiden:
            if esize == 1 && (o == VectorOp.sshll || o == VectorOp.ushll || o == VectorOp.smull
                              || o == VectorOp.umull || o == VectorOp.smlal || o == VectorOp.umlal) {
                // 16 -> 32-bit widening (SXTL/UXTL, S/UMULL, S/UMLAL: the
                // int16 x int16 -> int32 kernels compilers vectorise) with
                // the host's vector types.
                let signed = o == VectorOp.sshll || o == VectorOp.smull || o == VectorOp.smlal
                func widen(_ half: UInt64) -> SIMD4<UInt32> {
                    signed ? SIMD4<UInt32>(truncatingIfNeeded: SIMD4<Int32>(truncatingIfNeeded: unsafeBitCast(half, to: SIMD4<Int16>.self)))
                        : SIMD4<UInt32>(truncatingIfNeeded: unsafeBitCast(half, to: SIMD4<UInt16>.self))
                }
                let a = widen(q ? n.hi : n.lo)
                let r: SIMD4<UInt32>
                if o == VectorOp.sshll || o == VectorOp.ushll {
                    r = a &<< SIMD4<UInt32>(repeating: UInt32(truncatingIfNeeded: op.imm))
                } else {
                    let p = a &* widen(q ? m.hi : m.lo)
                    if o == VectorOp.smlal || o == VectorOp.umlal {
                        let acc = vec(op.rd)
                        r = unsafeBitCast(SIMD2<UInt64>(acc.lo, acc.hi), to: SIMD4<UInt32>.self) &+ p
                    } else {
                        r = p
                    }
                }
                let w = unsafeBitCast(r, to: SIMD2<UInt64>.self)
                setVec(op.rd, Vec(lo: w[0], hi: w[1]), q: true)
                return
            }
            let wide = ebits * 2, outLanes = 64 / ebits
            let part = q ? outLanes : 0
            let acc = vec(op.rd)
            for i in 0..<outLanes {
                let a = n.lane(part + i, ebits), b = m.lane(part + i, ebits)
                let v: UInt64
                switch o {
                case VectorOp.sshll: v = UInt64(bitPattern: sx(a)) << op.imm
                case VectorOp.ushll: v = a << op.imm
                case VectorOp.saddl: v = UInt64(bitPattern: sx(a) &+ sx(b))
                case VectorOp.uaddl: v = a &+ b
                case VectorOp.ssubl: v = UInt64(bitPattern: sx(a) &- sx(b))
                case VectorOp.usubl: v = a &- b
                case VectorOp.smull: v = UInt64(bitPattern: sx(a) &* sx(b))
                case VectorOp.umull: v = a &* b
                case VectorOp.smlal: v = acc.lane(i, wide) &+ UInt64(bitPattern: sx(a) &* sx(b))
                case VectorOp.umlal: v = acc.lane(i, wide) &+ a &* b
                case VectorOp.smlsl: v = acc.lane(i, wide) &- UInt64(bitPattern: sx(a) &* sx(b))
                case VectorOp.umlsl: v = acc.lane(i, wide) &- a &* b
                case VectorOp.saddw: v = n.lane(i, wide) &+ UInt64(bitPattern: sx(b))
                default: v = n.lane(i, wide) &+ b
                }
                d.setLane(i, wide, v)
            }
            setVec(op.rd, d, q: true)
            return
        case .vNarrow:
            // esize is the destination element size; Q selects XTN2/SHRN2 (upper half, lower preserved).
            let wide = ebits * 2, count = 64 / ebits
            var out = q ? vec(op.rd) : Vec()
            for i in 0..<count {
                var v = n.lane(i, wide)
                if o == VectorOp.shrn { v = v >> op.imm }
                out.setLane((q ? count : 0) + i, ebits, v & emask)
            }
            setVec(op.rd, out, q: q)
            return
        case .vFP:
            executeVectorFP(op)
            return
        default:
            return
        }
        setVec(op.rd, d, q: q && !scalar)
    }
}
