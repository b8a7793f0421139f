import CHostFP

// A64 Advanced SIMD floating point (ARM ARM C4.1.95 "Advanced SIMD ... "),
// single and double lanes: three-same, two-register misc, across lanes,
// pairwise, x indexed element and the fixed-point shift forms, vector and
// scalar. Every lane goes through `FPUnit`, so FPCR.RMode/FZ/DN apply and the
// exceptions of all lanes are OR-ed into FPSR.

/// `vFP` operations (low byte of aux) beyond the original set in `VectorOp`.
/// aux bit 12 = scalar, bit 13 = by element (index in `imm`).
enum VectorFPOp {
    static let fmls: UInt16 = 150, fmax: UInt16 = 151, fmin: UInt16 = 152, fmaxnm: UInt16 = 153, fminnm: UInt16 = 154
    static let fmaxp: UInt16 = 155, fminp: UInt16 = 156, fmaxnmp: UInt16 = 157, fminnmp: UInt16 = 158
    static let fcmeq: UInt16 = 159, fcmge: UInt16 = 160, fcmgt: UInt16 = 161, facge: UInt16 = 162, facgt: UInt16 = 163
    static let fcmeqZero: UInt16 = 164, fcmgeZero: UInt16 = 165, fcmgtZero: UInt16 = 166, fcmleZero: UInt16 = 167
    static let fcmltZero: UInt16 = 168
    static let fabs: UInt16 = 169, fneg: UInt16 = 170, fsqrt: UInt16 = 171
    static let frecps: UInt16 = 172, frsqrts: UInt16 = 173, fmulx: UInt16 = 174
    static let fmaxv: UInt16 = 175, fminv: UInt16 = 176, fmaxnmv: UInt16 = 177, fminnmv: UInt16 = 178
    /// imm = rounding (`FPRounding`) | exact << 4.
    static let frint: UInt16 = 179
    /// FP to integer, imm = fraction bits | rounding << 8 | unsigned << 16.
    static let toInt: UInt16 = 180
    /// Integer to FP, imm = fraction bits | unsigned << 16.
    static let fromInt: UInt16 = 181
    /// FCVTL/FCVTN: esize is the wider format (3: S<->D, 2: H<->S); Q selects the upper half.
    static let fcvtl: UInt16 = 182, fcvtn: UInt16 = 183
    static let frecpe: UInt16 = 184, frsqrte: UInt16 = 185, frecpx: UInt16 = 186
    /// FCVTXN: double to single rounding to odd (vector like FCVTN, or scalar).
    static let fcvtxn: UInt16 = 187
    static let scalar: UInt16 = 0x1000
    static let indexed: UInt16 = 0x2000
}

extension A64Decoder {
    private static func fpv(_ r: VectorOperands, _ o: UInt16, double: Bool, scalar: Bool, rm: UInt8? = nil, imm: UInt64 = 0) -> Op {
        Op(.vFP, rd: r.rd, rn: r.rn, rm: rm ?? r.rm,
           aux: Op.vectorAux(o, esize: double ? 3 : 2, q: !scalar && r.q) | (scalar ? VectorFPOp.scalar : 0), imm: imm)
    }

    /// Three-same FP (vector or scalar), opcode 0x18-0x1F.
    static func decodeSIMDThreeSameFP(u: Bool, size: UInt32, opcode: UInt32, _ r: VectorOperands, scalar: Bool) -> Op {
        let u = u.bit, a = size >> 1, double = size & 1 == 1
        if !scalar && double && !r.q { return .undefined }
        let o: UInt16
        switch (u, opcode, a) {
        case (0, 0x1B, 0): o = VectorFPOp.fmulx
        case (0, 0x1C, 0): o = VectorFPOp.fcmeq
        case (0, 0x1F, 0): o = VectorFPOp.frecps
        case (0, 0x1F, 1): o = VectorFPOp.frsqrts
        case (1, 0x1A, 1): o = VectorOp.fabd
        case (1, 0x1C, 0): o = VectorFPOp.fcmge
        case (1, 0x1C, 1): o = VectorFPOp.fcmgt
        case (1, 0x1D, 0): o = VectorFPOp.facge
        case (1, 0x1D, 1): o = VectorFPOp.facgt
        case (0, 0x18, 0) where !scalar: o = VectorFPOp.fmaxnm
        case (0, 0x18, 1) where !scalar: o = VectorFPOp.fminnm
        case (0, 0x19, 0) where !scalar: o = VectorOp.fmla
        case (0, 0x19, 1) where !scalar: o = VectorFPOp.fmls
        case (0, 0x1A, 0) where !scalar: o = VectorOp.fadd
        case (0, 0x1A, 1) where !scalar: o = VectorOp.fsub
        case (0, 0x1E, 0) where !scalar: o = VectorFPOp.fmax
        case (0, 0x1E, 1) where !scalar: o = VectorFPOp.fmin
        case (1, 0x18, 0) where !scalar: o = VectorFPOp.fmaxnmp
        case (1, 0x18, 1) where !scalar: o = VectorFPOp.fminnmp
        case (1, 0x1A, 0) where !scalar: o = VectorOp.faddp
        case (1, 0x1B, 0) where !scalar: o = VectorOp.fmul
        case (1, 0x1E, 0) where !scalar: o = VectorFPOp.fmaxp
        case (1, 0x1E, 1) where !scalar: o = VectorFPOp.fminp
        case (1, 0x1F, 0) where !scalar: o = VectorOp.fdiv
        default: return .undefined
        }
        return fpv(r, o, double: double, scalar: scalar)
    }

    /// Two-register misc FP (vector or scalar): opcodes 0x0C-0x0F and 0x16-0x1F.
    static func decodeSIMDTwoRegisterMiscFP(u: Bool, size: UInt32, opcode: UInt32, _ r: VectorOperands, scalar: Bool) -> Op {
        let u = u.bit, a = size >> 1, sz = size & 1
        let double = sz == 1, q = r.q.bit
        if !scalar && opcode == 0x16 && u == 0 && a == 0 {     // FCVTN{2}
            return fpv(r, VectorFPOp.fcvtn, double: double, scalar: false)
        }
        if !scalar && opcode == 0x17 && u == 0 && a == 0 {     // FCVTL{2}
            return fpv(r, VectorFPOp.fcvtl, double: double, scalar: false)
        }
        if opcode == 0x16 && u == 1 && a == 0 {                // FCVTXN{2}: double to single only
            return double ? fpv(r, VectorFPOp.fcvtxn, double: true, scalar: scalar) : .undefined
        }
        if !scalar && double && q == 0 { return .undefined }
        func cvt(_ mode: UInt16) -> Op {
            fpv(r, VectorFPOp.toInt, double: double, scalar: scalar, imm: UInt64(mode) << 8 | UInt64(u) << 16)
        }
        switch (u, opcode, a) {
        case (0, 0x0C, 1): return fpv(r, VectorFPOp.fcmgtZero, double: double, scalar: scalar)
        case (0, 0x0D, 1): return fpv(r, VectorFPOp.fcmeqZero, double: double, scalar: scalar)
        case (0, 0x0E, 1): return fpv(r, VectorFPOp.fcmltZero, double: double, scalar: scalar)
        case (1, 0x0C, 1): return fpv(r, VectorFPOp.fcmgeZero, double: double, scalar: scalar)
        case (1, 0x0D, 1): return fpv(r, VectorFPOp.fcmleZero, double: double, scalar: scalar)
        case (_, 0x1A, 0): return cvt(FPRounding.nearestEven)
        case (_, 0x1A, 1): return cvt(FPRounding.plusInfinity)
        case (_, 0x1B, 0): return cvt(FPRounding.minusInfinity)
        case (_, 0x1B, 1): return cvt(FPRounding.zero)
        case (_, 0x1C, 0): return cvt(FPRounding.nearestAway)
        case (_, 0x1D, 0): return fpv(r, VectorFPOp.fromInt, double: double, scalar: scalar, imm: UInt64(u) << 16)
        case (0, 0x1D, 1): return fpv(r, VectorFPOp.frecpe, double: double, scalar: scalar)
        case (1, 0x1D, 1): return fpv(r, VectorFPOp.frsqrte, double: double, scalar: scalar)
        case (0, 0x1F, 1) where scalar: return fpv(r, VectorFPOp.frecpx, double: double, scalar: true)
        default: break
        }
        guard !scalar else { return .undefined }
        func frint(_ mode: UInt16, exact: Bool = false) -> Op {
            fpv(r, VectorFPOp.frint, double: double, scalar: false, imm: UInt64(mode) | (exact ? 0x10 : 0))
        }
        switch (u, opcode, a) {
        case (0, 0x0F, 1): return fpv(r, VectorFPOp.fabs, double: double, scalar: false)
        case (1, 0x0F, 1): return fpv(r, VectorFPOp.fneg, double: double, scalar: false)
        case (1, 0x1F, 1): return fpv(r, VectorFPOp.fsqrt, double: double, scalar: false)
        case (0, 0x18, 0): return frint(FPRounding.nearestEven)
        case (0, 0x18, 1): return frint(FPRounding.plusInfinity)
        case (0, 0x19, 0): return frint(FPRounding.minusInfinity)
        case (0, 0x19, 1): return frint(FPRounding.zero)
        case (1, 0x18, 0): return frint(FPRounding.nearestAway)
        case (1, 0x19, 0): return frint(FPRounding.current, exact: true)
        case (1, 0x19, 1): return frint(FPRounding.current)
        default: return .undefined
        }
    }

    /// FMAXNMV/FMINNMV/FMAXV/FMINV (4S only without FEAT_FP16).
    static func decodeSIMDAcrossLanesFP(_ f: SIMDAcrossLanesFields) -> Op {
        let a = f.size >> 1, opcode = f.opcode, r = f.operands
        guard f.u, f.q, f.size & 1 == 0 else { return .undefined }
        switch (opcode, a) {
        case (0x0C, 0): return fpv(r, VectorFPOp.fmaxnmv, double: false, scalar: false)
        case (0x0C, 1): return fpv(r, VectorFPOp.fminnmv, double: false, scalar: false)
        case (0x0F, 0): return fpv(r, VectorFPOp.fmaxv, double: false, scalar: false)
        case (0x0F, 1): return fpv(r, VectorFPOp.fminv, double: false, scalar: false)
        default: return .undefined
        }
    }

    /// Scalar pairwise FP: FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP (Vd = op(Vn[0], Vn[1])).
    static func decodeSIMDScalarPairwiseFP(_ f: SIMDScalarPairwiseFields) -> Op {
        let a = f.size >> 1, double = f.size & 1 == 1, opcode = f.opcode, r = f.operands
        guard f.u else { return .undefined }
        switch (opcode, a) {
        case (0x0C, 0): return fpv(r, VectorFPOp.fmaxnmp, double: double, scalar: true)
        case (0x0C, 1): return fpv(r, VectorFPOp.fminnmp, double: double, scalar: true)
        case (0x0D, 0): return fpv(r, VectorOp.faddp, double: double, scalar: true)
        case (0x0F, 0): return fpv(r, VectorFPOp.fmaxp, double: double, scalar: true)
        case (0x0F, 1): return fpv(r, VectorFPOp.fminp, double: double, scalar: true)
        default: return .undefined
        }
    }

    /// SCVTF/UCVTF/FCVTZS/FCVTZU (vector or scalar, fixed-point): shift-immediate opcodes 0x1C and 0x1F.
    static func decodeSIMDFixedConversion(u: Bool, immh: UInt32, immb: UInt32, opcode: UInt32, _ r: VectorOperands, scalar: Bool) -> Op {
        let u = UInt64(u.bit)
        let both = UInt64(immh << 3 | immb)
        let double: Bool
        if immh & 8 != 0 { double = true } else if immh & 4 != 0 { double = false } else { return .undefined }
        if !scalar && double && !r.q { return .undefined }
        let fbits = (double ? 128 : 64) - both
        if opcode == 0x1C { return fpv(r, VectorFPOp.fromInt, double: double, scalar: scalar, imm: fbits | u << 16) }
        return fpv(r, VectorFPOp.toInt, double: double, scalar: scalar, imm: fbits | UInt64(FPRounding.zero) << 8 | u << 16)
    }

    /// Advanced SIMD (scalar) x indexed element: FMLA, FMLS, FMUL, FMULX by element.
    static func decodeSIMDIndexed(u: Bool, size: UInt32, opcode: UInt32, l: Bool, h: Bool, _ r: VectorOperands, scalar: Bool) -> Op {
        let u = u.bit, l = l.bit, h = h.bit
        guard size >= 2 else { return .undefined }
        let double = size == 3
        if double && (l == 1 || (!scalar && !r.q)) { return .undefined }
        let o: UInt16
        switch (u, opcode) {
        case (0, 0x1): o = VectorOp.fmla
        case (0, 0x5): o = VectorFPOp.fmls
        case (0, 0x9): o = VectorOp.fmul
        case (1, 0x9): o = VectorFPOp.fmulx
        default: return .undefined
        }
        let index = double ? UInt64(h) : UInt64(h << 1 | l)
        var op = fpv(r, o, double: double, scalar: scalar, imm: index)
        op.aux |= VectorFPOp.indexed
        return op
    }
}

extension AArch64CPU {
    /// All `vFP` instructions: lanes through `FPUnit`, exceptions into FPSR.
    func executeVectorFP(_ op: Op) {
        var fpu = fpUnit
        let esize = Int((op.aux >> 8) & 7), q = op.aux & 0x800 != 0, scalar = op.aux & VectorFPOp.scalar != 0
        let o = op.aux & 0xFF
        let d: Vec
        if o == VectorFPOp.fcvtxn && scalar {
            setV(op.rd, UInt64(fpu.doubleToSingle(Double(bits64: vLow(op.rn)), roundToOdd: true).bitPattern))
        } else if o == VectorFPOp.fcvtl || o == VectorFPOp.fcvtn || o == VectorFPOp.fcvtxn {
            d = convertPrecision(op, &fpu, wideDouble: esize == 3, upper: q)
            setV(op.rd, d.lo, d.hi)
        } else {
            d = esize == 3 ? vectorFP(op, &fpu, Double.self) : vectorFP(op, &fpu, Float.self)
            setVec(op.rd, d, q: q && !scalar)
        }
        commit(fpu)
    }

    private func convertPrecision(_ op: Op, _ fpu: inout FPUnit, wideDouble: Bool, upper: Bool) -> Vec {
        let n = vec(op.rn)
        var out = Vec()
        if o(op) == VectorFPOp.fcvtl {
            // Narrow lanes from the lower or upper half of Vn widen into all of Vd.
            for i in 0..<(wideDouble ? 2 : 4) {
                let src = n.lane((upper ? (wideDouble ? 2 : 4) : 0) + i, wideDouble ? 32 : 16)
                if wideDouble {
                    out.setLane(i, 64, fpu.singleToDouble(Float(bits64: src)).bitPattern)
                } else {
                    out.setLane(i, 32, UInt64(fpu.doubleToSingle(fpu.halfToDouble(UInt16(src))).bitPattern))
                }
            }
            return out
        }
        // FCVTN{2}: wide lanes of Vn narrow into the lower half (upper half zeroed) or the upper half (lower kept).
        out = upper ? Vec(lo: vLow(op.rd), hi: 0) : Vec()
        for i in 0..<(wideDouble ? 2 : 4) {
            let v: UInt64
            if wideDouble {
                v = UInt64(fpu.doubleToSingle(Double(bits64: n.lane(i, 64)), roundToOdd: o(op) == VectorFPOp.fcvtxn).bitPattern)
            } else {
                let x = fpu.unpack(Float(bits64: n.lane(i, 32)))
                let dx = x.isNaN ? Double(bitPattern: UInt64(x.bitPattern >> 31) << 63 | 0x7FF0_0000_0000_0000 | UInt64(x.bitPattern & 0x7F_FFFF) << 29)
                    : Double(x)
                v = UInt64(fpu.doubleToHalf(dx))
            }
            out.setLane((upper ? (wideDouble ? 2 : 4) : 0) + i, wideDouble ? 32 : 16, v)
        }
        return out
    }

    @inline(__always) private func o(_ op: Op) -> UInt16 { op.aux & 0xFF }

    private func vectorFP<F: ARMFloat>(_ op: Op, _ fpu: inout FPUnit, _: F.Type) -> Vec {
        let o = op.aux & 0xFF, q = op.aux & 0x800 != 0
        let scalar = op.aux & VectorFPOp.scalar != 0, indexed = op.aux & VectorFPOp.indexed != 0
        let ebits = F.self == Double.self ? 64 : 32
        let lanes = scalar ? 1 : (q ? 128 : 64) / ebits
        let ones: UInt64 = ebits == 64 ? ~0 : 0xFFFF_FFFF
        let signBit: UInt64 = 1 << UInt64(ebits - 1)
        let n = vec(op.rn), m = vec(op.rm), acc = vec(op.rd)
        var d = Vec()
        func f(_ v: UInt64) -> F { F(bits64: v) }

        switch o {
        case VectorFPOp.fmaxv, VectorFPOp.fminv, VectorFPOp.fmaxnmv, VectorFPOp.fminnmv:
            // Reduce(): pairs of halves, (e0 op e1) op (e2 op e3).
            let kind: OpKind = o == VectorFPOp.fmaxv ? .fmax : o == VectorFPOp.fminv ? .fmin : o == VectorFPOp.fmaxnmv ? .fmaxnm : .fminnm
            let lo = fpu.binary(kind, f(n.lane(0, 32)), f(n.lane(1, 32)))
            let hi = fpu.binary(kind, f(n.lane(2, 32)), f(n.lane(3, 32)))
            d.setLane(0, ebits, fpu.binary(kind, lo, hi).bits64)
            return d
        default: break
        }

        for i in 0..<lanes {
            var a = n.lane(i, ebits)
            var b = indexed ? m.lane(Int(op.imm), ebits) : m.lane(i, ebits)
            switch o {
            case VectorOp.faddp, VectorFPOp.fmaxp, VectorFPOp.fminp, VectorFPOp.fmaxnmp, VectorFPOp.fminnmp:
                let j = 2 * i
                let src = j < lanes ? n : m
                let jj = j < lanes ? j : j - lanes
                a = src.lane(jj, ebits); b = src.lane(jj + 1, ebits)
            default: break
            }
            let v: UInt64
            switch o {
            case VectorOp.fadd, VectorOp.faddp: v = fpu.binary(.fadd, f(a), f(b)).bits64
            case VectorOp.fsub: v = fpu.binary(.fsub, f(a), f(b)).bits64
            case VectorOp.fmul: v = fpu.binary(.fmul, f(a), f(b)).bits64
            case VectorOp.fdiv: v = fpu.binary(.fdiv, f(a), f(b)).bits64
            case VectorOp.fabd: v = fpu.binary(.fsub, f(a), f(b)).bits64 & ~signBit
            case VectorFPOp.fmax, VectorFPOp.fmaxp: v = fpu.binary(.fmax, f(a), f(b)).bits64
            case VectorFPOp.fmin, VectorFPOp.fminp: v = fpu.binary(.fmin, f(a), f(b)).bits64
            case VectorFPOp.fmaxnm, VectorFPOp.fmaxnmp: v = fpu.binary(.fmaxnm, f(a), f(b)).bits64
            case VectorFPOp.fminnm, VectorFPOp.fminnmp: v = fpu.binary(.fminnm, f(a), f(b)).bits64
            case VectorOp.fmla: v = fpu.fused(.fmadd, f(a), f(b), f(acc.lane(i, ebits))).bits64
            case VectorFPOp.fmls: v = fpu.fused(.fmadd, f(a ^ signBit), f(b), f(acc.lane(i, ebits))).bits64
            case VectorFPOp.fmulx: v = fpu.mulx(f(a), f(b)).bits64
            case VectorFPOp.frecps: v = fpu.reciprocalStep(f(a), f(b)).bits64
            case VectorFPOp.frsqrts: v = fpu.reciprocalSqrtStep(f(a), f(b)).bits64
            case VectorFPOp.fcmeq: v = fpu.compareEqual(f(a), f(b)) ? ones : 0
            case VectorFPOp.fcmge: v = fpu.compareGreater(f(a), f(b), orEqual: true) ? ones : 0
            case VectorFPOp.fcmgt: v = fpu.compareGreater(f(a), f(b), orEqual: false) ? ones : 0
            case VectorFPOp.facge: v = fpu.compareGreater(f(a & ~signBit), f(b & ~signBit), orEqual: true) ? ones : 0
            case VectorFPOp.facgt: v = fpu.compareGreater(f(a & ~signBit), f(b & ~signBit), orEqual: false) ? ones : 0
            case VectorFPOp.fcmeqZero: v = fpu.compareEqual(f(a), 0) ? ones : 0
            case VectorFPOp.fcmgeZero: v = fpu.compareGreater(f(a), 0, orEqual: true) ? ones : 0
            case VectorFPOp.fcmgtZero: v = fpu.compareGreater(f(a), 0, orEqual: false) ? ones : 0
            case VectorFPOp.fcmleZero: v = fpu.compareGreater(0, f(a), orEqual: true) ? ones : 0
            case VectorFPOp.fcmltZero: v = fpu.compareGreater(0, f(a), orEqual: false) ? ones : 0
            case VectorFPOp.fabs: v = a & ~signBit
            case VectorFPOp.fneg: v = a ^ signBit
            case VectorFPOp.fsqrt: v = fpu.squareRoot(f(a)).bits64
            case VectorFPOp.frecpe: v = fpu.reciprocalEstimate(f(a)).bits64
            case VectorFPOp.frsqrte: v = fpu.reciprocalSqrtEstimate(f(a)).bits64
            case VectorFPOp.frecpx: v = fpu.reciprocalExponent(f(a)).bits64
            case VectorFPOp.frint:
                var mode = UInt16(op.imm & 7)
                if mode == FPRounding.current { mode = fpu.rounding }
                v = fpu.round(f(a), mode, exact: op.imm & 0x10 != 0).bits64
            case VectorFPOp.toInt:
                v = fpu.toInteger(f(a), UInt16((op.imm >> 8) & 7), bits64: ebits == 64, unsigned: op.imm & 0x10000 != 0,
                                  fractionBits: Int(op.imm & 0xFF))
            case VectorFPOp.fromInt:
                let unsigned = op.imm & 0x10000 != 0
                let x = ebits == 64 || unsigned ? a : UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: a)))
                v = fpu.fromInteger(x, signed: !unsigned, fractionBits: Int(op.imm & 0xFF), F.self).bits64
            default: v = 0
            }
            d.setLane(i, ebits, v & ones)
        }
        return d
    }
}

extension FPUnit {
    /// FPCompareEQ: Invalid only for signalling NaNs.
    mutating func compareEqual<F: ARMFloat>(_ a0: F, _ b0: F) -> Bool {
        let a = unpack(a0), b = unpack(b0)
        if a.isNaN || b.isNaN {
            if a.isSignalingNaN || b.isSignalingNaN { raise(CHFP_INVALID) }
            return false
        }
        return a == b
    }

    /// FPCompareGE/GT: Invalid for any NaN.
    mutating func compareGreater<F: ARMFloat>(_ a0: F, _ b0: F, orEqual: Bool) -> Bool {
        let a = unpack(a0), b = unpack(b0)
        if a.isNaN || b.isNaN { raise(CHFP_INVALID); return false }
        return orEqual ? a >= b : a > b
    }

    /// FPMulX: FPMul, except infinity times zero gives 2.0 with the product's sign.
    mutating func mulx<F: ARMFloat>(_ a0: F, _ b0: F) -> F {
        let a = unpack(a0), b = unpack(b0)
        if let nan = processNaNs(a, b) { return nan }
        if (a.isInfinite && b == 0) || (a == 0 && b.isInfinite) {
            return (a.sign == b.sign) ? F(2) : -F(2)
        }
        return clean(F.hostMul(a, b, control, &flags))
    }

    /// FPRecipStepFused: 2 - a * b with one rounding (infinity times zero gives 2.0).
    mutating func reciprocalStep<F: ARMFloat>(_ a0: F, _ b0: F) -> F {
        let a = -unpack(a0), b = unpack(b0)
        if let nan = processNaNs(a, b) { return nan }
        if (a.isInfinite && b == 0) || (a == 0 && b.isInfinite) { return F(2) }
        if a.isInfinite || b.isInfinite { return a.sign == b.sign ? .infinity : -.infinity }
        return F.hostFMA(a, b, F(2), control, &flags)
    }

    /// FPRSqrtStepFused: (3 - a * b) / 2 with one rounding (infinity times zero gives 1.5).
    mutating func reciprocalSqrtStep<F: ARMFloat>(_ a0: F, _ b0: F) -> F {
        let a = -unpack(a0), b = unpack(b0)
        if let nan = processNaNs(a, b) { return nan }
        if (a.isInfinite && b == 0) || (a == 0 && b.isInfinite) { return F(1.5) }
        if a.isInfinite || b.isInfinite { return a.sign == b.sign ? .infinity : -.infinity }
        // 1.5 + a * (b / 2): halving an operand is exact unless it is (near) subnormal;
        // when both are that small the product is negligible and halving 3 + a*b after
        // rounding is exact too (scaling by two commutes with rounding for normal results).
        let minExponent = F.leastNormalMagnitude.exponent
        if b.exponent > minExponent { return F.hostFMA(a, b / 2, F(1.5), control, &flags) }
        if a.exponent > minExponent { return F.hostFMA(a / 2, b, F(1.5), control, &flags) }
        return F.hostFMA(a, b, F(3), control, &flags) / 2
    }
}

/// FRECPE, FRSQRTE and FRECPX: the estimate algorithms of the ARM ARM
/// (RecipEstimate, RecipSqrtEstimate without FEAT_RPRES) on 9-bit scaled inputs.
extension FPUnit {
    /// RecipEstimate: `a` in 256...511 stands for 0.5 <= a/512 < 1; the result, in 256...511, for 1 <= r/256 < 2.
    static func recipEstimate(_ a0: UInt64) -> UInt64 {
        let a = a0 * 2 + 1
        let b = (1 << 19) / a
        return (b + 1) / 2
    }

    /// RecipSqrtEstimate: `a` in 128...511 stands for 0.25 <= a/512 < 1; result in 256...511.
    static func recipSqrtEstimate(_ a0: UInt64) -> UInt64 {
        var a = a0
        if a < 256 { a = a * 2 + 1 } else { a = (a >> 1) << 1; a = (a + 1) * 2 }
        var b: UInt64 = 512
        while a * (b + 1) * (b + 1) < 1 << 28 { b += 1 }
        return (b + 1) / 2
    }

    mutating func reciprocalEstimate<F: ARMFloat>(_ x0: F) -> F {
        let x = unpack(x0)
        if x.isNaN { return processNaN(x) }
        if x.isInfinite { return x.sign == .minus ? -F(0) : F(0) }
        if x == 0 { raise(CHFP_DIVBYZERO); return x.sign == .minus ? -F.infinity : F.infinity }
        let fbits = F.significandBitCount, ebits = F.exponentBitCount, width = 1 + ebits + fbits
        let single = fbits == 23
        let negative = x.sign == .minus
        if x.magnitude < F(sign: .plus, exponent: single ? -128 : -1024, significand: 1) {
            // The reciprocal overflows.
            let toInfinity: Bool
            switch rounding {
            case FPRounding.nearestEven: toInfinity = true
            case FPRounding.plusInfinity: toInfinity = !negative
            case FPRounding.minusInfinity: toInfinity = negative
            default: toInfinity = false
            }
            raise(CHFP_OVERFLOW); raise(CHFP_INEXACT)
            let r = toInfinity ? F.infinity : F.greatestFiniteMagnitude
            return negative ? -r : r
        }
        if flushToZero && x.magnitude >= F(sign: .plus, exponent: single ? 126 : 1022, significand: 1) {
            // The reciprocal would be subnormal: flushed, UFC only.
            raise(CHFP_UNDERFLOW)
            return negative ? -F(0) : F(0)
        }
        let bits = x.bits64
        let fracMask: UInt64 = (1 << UInt64(fbits)) - 1
        var fraction = bits & fracMask
        var exp = Int((bits >> UInt64(fbits)) & ((1 << UInt64(ebits)) - 1))
        if exp == 0 {
            if (fraction >> UInt64(fbits - 1)) & 1 == 0 {
                exp = -1
                fraction = (fraction << 2) & fracMask
            } else {
                fraction = (fraction << 1) & fracMask
            }
        }
        let scaled = 256 | (fraction >> UInt64(fbits - 8))
        var resultExp = (single ? 253 : 2045) - exp
        let estimate = Self.recipEstimate(scaled)
        var resultFraction = (estimate & 0xFF) << UInt64(fbits - 8)
        if resultExp == 0 {
            resultFraction = (1 << UInt64(fbits - 1)) | resultFraction >> 1
        } else if resultExp == -1 {
            resultFraction = (1 << UInt64(fbits - 2)) | resultFraction >> 2
            resultExp = 0
        }
        let sign: UInt64 = negative ? 1 << UInt64(width - 1) : 0
        return F(bits64: sign | UInt64(resultExp) << UInt64(fbits) | resultFraction)
    }

    mutating func reciprocalSqrtEstimate<F: ARMFloat>(_ x0: F) -> F {
        let x = unpack(x0)
        if x.isNaN { return processNaN(x) }
        if x == 0 { raise(CHFP_DIVBYZERO); return x.sign == .minus ? -F.infinity : F.infinity }
        if x.sign == .minus { raise(CHFP_INVALID); return .defaultNaN }
        if x.isInfinite { return F(0) }
        let fbits = F.significandBitCount, ebits = F.exponentBitCount
        let fracMask: UInt64 = (1 << UInt64(fbits)) - 1
        let bits = x.bits64
        var fraction = bits & fracMask
        var exp = Int((bits >> UInt64(fbits)) & ((1 << UInt64(ebits)) - 1))
        if exp == 0 {
            while (fraction >> UInt64(fbits - 1)) & 1 == 0 {
                fraction = (fraction << 1) & fracMask
                exp -= 1
            }
            fraction = (fraction << 1) & fracMask
        }
        let scaled = exp & 1 == 0 ? 256 | fraction >> UInt64(fbits - 8) : 128 | fraction >> UInt64(fbits - 7)
        let resultExp = ((fbits == 23 ? 380 : 3068) - exp) / 2
        let estimate = Self.recipSqrtEstimate(scaled)
        return F(bits64: UInt64(resultExp) << UInt64(fbits) | (estimate & 0xFF) << UInt64(fbits - 8))
    }

    /// FPRecpX: the exponent inverted, fraction cleared (zero and subnormal exponents give the maximum).
    mutating func reciprocalExponent<F: ARMFloat>(_ x0: F) -> F {
        let x = unpack(x0)
        if x.isNaN { return processNaN(x) }
        let fbits = UInt64(F.significandBitCount), ebits = UInt64(F.exponentBitCount)
        let bits = x0.bits64
        let expMask: UInt64 = (1 << ebits) - 1
        let exp = (bits >> fbits) & expMask
        let sign = bits & (1 << (fbits + ebits))
        let resultExp = exp == 0 ? expMask - 1 : ~exp & expMask
        return F(bits64: sign | resultExp << fbits)
    }
}
