// Execution of `vInteger` (decoded in SIMDIntegerDecoding.swift and
// SIMDByElement.swift). Lanes are widened to Int128 so every intermediate
// (doubling products, rounding constants, shifts by up to the lane width) is
// exact; results are then saturated or truncated to the lane. Saturation sets
// FPSR.QC (bit 27), as the ARM ARM's SatQ functions do; no other FPSR bit is
// touched here.

/// FPSR.QC, the cumulative saturation flag.
let fpsrQC: UInt64 = 1 << 27

@inline(__always) private func laneMask(_ bits: Int) -> UInt64 { bits >= 64 ? ~0 : (1 << UInt64(bits)) - 1 }

/// The lane value `v` (`bits` wide) as a signed or unsigned integer.
@inline(__always) private func signedLane(_ v: UInt64, _ bits: Int) -> Int128 {
    Int128(Int64(bitPattern: signExtend(v & laneMask(bits), bits: UInt64(bits))))
}
@inline(__always) private func unsignedLane(_ v: UInt64, _ bits: Int) -> Int128 { Int128(v & laneMask(bits)) }

/// The low `bits` of `v`.
@inline(__always) private func truncated(_ v: Int128, _ bits: Int) -> UInt64 {
    UInt64(truncatingIfNeeded: v) & laneMask(bits)
}

/// `SignedSatQ`: `v` clamped to a signed `bits`-bit range; `qc` set when clamped.
@inline(__always) private func signedSat(_ v: Int128, _ bits: Int, _ qc: inout Bool) -> UInt64 {
    let hi = (Int128(1) << (bits - 1)) - 1, lo = -(Int128(1) << (bits - 1))
    if v > hi { qc = true; return truncated(hi, bits) }
    if v < lo { qc = true; return truncated(lo, bits) }
    return truncated(v, bits)
}

/// `UnsignedSatQ`: `v` clamped to [0, 2^bits − 1]; `qc` set when clamped.
@inline(__always) private func unsignedSat(_ v: Int128, _ bits: Int, _ qc: inout Bool) -> UInt64 {
    let hi = (Int128(1) << bits) - 1
    if v > hi { qc = true; return truncated(hi, bits) }
    if v < 0 { qc = true; return 0 }
    return truncated(v, bits)
}

/// Shift by a signed register amount (SQSHL/SRSHL family): left for
/// `shift >= 0`, right otherwise, adding half of the last bit shifted out
/// when `round`. A left shift of at least the lane width yields a value out
/// of every lane range with the sign of `a` (so it saturates, and truncates to 0).
@inline(__always) private func shiftBy(_ a: Int128, _ shift: Int, bits: Int, round: Bool) -> Int128 {
    if shift >= 0 {
        if shift >= bits { return a == 0 ? 0 : (a < 0 ? -(Int128(1) << bits) : Int128(1) << bits) }
        return a << shift
    }
    let k = min(-shift, bits + 1)
    return round ? (a + (Int128(1) << (k - 1))) >> k : a >> k
}

/// Carry-less (polynomial) product of the low `bits` of `a` and `b`.
@inline(__always) func polynomialMultiply(_ a: UInt64, _ b: UInt64, bits: Int) -> UInt128 {
    var r: UInt128 = 0
    for i in 0..<bits where (b >> UInt64(i)) & 1 == 1 { r ^= UInt128(a) << i }
    return r
}

extension AArch64CPU {
    /// Saturating, halving, rounding, narrowing/widening and by-element
    /// integer SIMD (`vInteger`; see `IntegerOp` for the aux layout).
    func executeSIMDInteger(_ op: Op) {
        let o = op.aux & 0xFF, esize = Int((op.aux >> 8) & 7), q = op.aux & 0x800 != 0
        let scalar = op.aux & IntegerOp.scalar != 0
        let ebits = 8 << esize, emask = laneMask(ebits)
        let n = vec(op.rn), acc = vec(op.rd)
        var m = vec(op.rm)
        if op.aux & IntegerOp.byElement != 0 {
            let x = m.lane(Int(op.imm), ebits)
            m = Vec()
            for i in 0..<(128 / ebits) { m.setLane(i, ebits, x) }
        }
        var qc = false
        var d = Vec()
        func s(_ v: UInt64, _ b: Int = ebits) -> Int128 { signedLane(v, b) }
        func u(_ v: UInt64, _ b: Int = ebits) -> Int128 { unsignedLane(v, b) }
        switch o {
        case 0..<50:
            let lanes = scalar ? 1 : (q ? 128 : 64) / ebits
            for i in 0..<lanes {
                let a = n.lane(i, ebits), b = m.lane(i, ebits), c = acc.lane(i, ebits)
                let v: UInt64
                switch o {
                case IntegerOp.shadd: v = truncated((s(a) + s(b)) >> 1, ebits)
                case IntegerOp.uhadd: v = truncated((u(a) + u(b)) >> 1, ebits)
                case IntegerOp.srhadd: v = truncated((s(a) + s(b) + 1) >> 1, ebits)
                case IntegerOp.urhadd: v = truncated((u(a) + u(b) + 1) >> 1, ebits)
                case IntegerOp.shsub: v = truncated((s(a) - s(b)) >> 1, ebits)
                case IntegerOp.uhsub: v = truncated((u(a) - u(b)) >> 1, ebits)
                case IntegerOp.sqadd: v = signedSat(s(a) + s(b), ebits, &qc)
                case IntegerOp.uqadd: v = unsignedSat(u(a) + u(b), ebits, &qc)
                case IntegerOp.sqsub: v = signedSat(s(a) - s(b), ebits, &qc)
                case IntegerOp.uqsub: v = unsignedSat(u(a) - u(b), ebits, &qc)
                case IntegerOp.sqshl, IntegerOp.sqrshl:
                    v = signedSat(shiftBy(s(a), Int(Int8(truncatingIfNeeded: b)), bits: ebits, round: o == IntegerOp.sqrshl), ebits, &qc)
                case IntegerOp.uqshl, IntegerOp.uqrshl:
                    v = unsignedSat(shiftBy(u(a), Int(Int8(truncatingIfNeeded: b)), bits: ebits, round: o == IntegerOp.uqrshl), ebits, &qc)
                case IntegerOp.srshl: v = truncated(shiftBy(s(a), Int(Int8(truncatingIfNeeded: b)), bits: ebits, round: true), ebits)
                case IntegerOp.urshl: v = truncated(shiftBy(u(a), Int(Int8(truncatingIfNeeded: b)), bits: ebits, round: true), ebits)
                case IntegerOp.sabd: v = truncated((s(a) - s(b)).magnitude.asInt128, ebits)
                case IntegerOp.uabd: v = truncated((u(a) - u(b)).magnitude.asInt128, ebits)
                case IntegerOp.saba: v = truncated(u(c) + (s(a) - s(b)).magnitude.asInt128, ebits)
                case IntegerOp.uaba: v = truncated(u(c) + (u(a) - u(b)).magnitude.asInt128, ebits)
                case IntegerOp.sqdmulh: v = signedSat((2 * s(a) * s(b)) >> ebits, ebits, &qc)
                case IntegerOp.sqrdmulh: v = signedSat((2 * s(a) * s(b) + (Int128(1) << (ebits - 1))) >> ebits, ebits, &qc)
                case IntegerOp.pmul: v = UInt64(truncatingIfNeeded: polynomialMultiply(a, b, bits: 8)) & 0xFF
                case IntegerOp.mul: v = (a &* b) & emask
                case IntegerOp.mla: v = (c &+ a &* b) & emask
                case IntegerOp.mls: v = (c &- a &* b) & emask
                case IntegerOp.sqabs: v = signedSat(s(a) < 0 ? -s(a) : s(a), ebits, &qc)
                case IntegerOp.sqneg: v = signedSat(-s(a), ebits, &qc)
                case IntegerOp.suqadd: v = signedSat(s(c) + u(a), ebits, &qc)
                case IntegerOp.usqadd: v = unsignedSat(u(c) + s(a), ebits, &qc)
                case IntegerOp.cls:
                    let x = (a >> UInt64(ebits - 1)) & 1 == 1 ? ~a & emask : a
                    v = UInt64(x.leadingZeroBitCount - (64 - ebits) - 1)
                case IntegerOp.clz: v = UInt64(a.leadingZeroBitCount - (64 - ebits))
                default: v = 0
                }
                d.setLane(i, ebits, v)
            }
        case 50..<60:
            // Pairwise long: adjacent source lanes summed into one lane twice as wide.
            let wide = 2 * ebits, lanes = (q ? 128 : 64) / wide
            let signed = o == IntegerOp.saddlp || o == IntegerOp.sadalp
            let accumulate = o == IntegerOp.sadalp || o == IntegerOp.uadalp
            for i in 0..<lanes {
                let a = n.lane(2 * i, ebits), b = n.lane(2 * i + 1, ebits)
                var sum = signed ? s(a) + s(b) : u(a) + u(b)
                if accumulate { sum += u(acc.lane(i, wide), wide) }
                d.setLane(i, wide, truncated(sum, wide))
            }
        case 60..<80:
            let lanes = scalar ? 1 : (q ? 128 : 64) / ebits
            let sh = Int(op.imm)
            for i in 0..<lanes {
                let a = n.lane(i, ebits), c = acc.lane(i, ebits)
                let v: UInt64
                switch o {
                case IntegerOp.srshr: v = truncated((s(a) + (Int128(1) << (sh - 1))) >> sh, ebits)
                case IntegerOp.urshr: v = truncated((u(a) + (Int128(1) << (sh - 1))) >> sh, ebits)
                case IntegerOp.srsra: v = truncated(u(c) + ((s(a) + (Int128(1) << (sh - 1))) >> sh), ebits)
                case IntegerOp.ursra: v = truncated(u(c) + ((u(a) + (Int128(1) << (sh - 1))) >> sh), ebits)
                case IntegerOp.sri:
                    let mask: UInt64 = sh >= ebits ? 0 : emask >> UInt64(sh)
                    v = (c & ~mask) | ((sh >= ebits ? 0 : a >> UInt64(sh)) & mask)
                case IntegerOp.sli:
                    let mask = (emask << UInt64(sh)) & emask
                    v = (c & ~mask) | ((a << UInt64(sh)) & mask)
                case IntegerOp.sqshlImm: v = signedSat(s(a) << sh, ebits, &qc)
                case IntegerOp.uqshlImm: v = unsignedSat(u(a) << sh, ebits, &qc)
                default: v = unsignedSat(s(a) << sh, ebits, &qc)   // SQSHLU
                }
                d.setLane(i, ebits, v & emask)
            }
        case 80..<100:
            // Narrowing: esize is the destination; the "2" forms (Q = 1) fill the upper half.
            let wide = 2 * ebits, count = scalar ? 1 : 64 / ebits
            let sh = Int(op.imm)
            let round = sh > 0 ? Int128(1) << (sh - 1) : 0
            d = q && !scalar ? acc : Vec()
            for i in 0..<count {
                let a = n.lane(i, wide), b = m.lane(i, wide)
                let v: UInt64
                switch o {
                case IntegerOp.sqxtn: v = signedSat(s(a, wide), ebits, &qc)
                case IntegerOp.uqxtn: v = unsignedSat(u(a, wide), ebits, &qc)
                case IntegerOp.sqxtun: v = unsignedSat(s(a, wide), ebits, &qc)
                case IntegerOp.sqshrn: v = signedSat(s(a, wide) >> sh, ebits, &qc)
                case IntegerOp.uqshrn: v = unsignedSat(u(a, wide) >> sh, ebits, &qc)
                case IntegerOp.sqrshrn: v = signedSat((s(a, wide) + round) >> sh, ebits, &qc)
                case IntegerOp.uqrshrn: v = unsignedSat((u(a, wide) + round) >> sh, ebits, &qc)
                case IntegerOp.sqshrun: v = unsignedSat(s(a, wide) >> sh, ebits, &qc)
                case IntegerOp.sqrshrun: v = unsignedSat((s(a, wide) + round) >> sh, ebits, &qc)
                case IntegerOp.rshrn: v = truncated((u(a, wide) + round) >> sh, ebits)
                case IntegerOp.addhn: v = truncated((u(a, wide) + u(b, wide)) >> ebits, ebits)
                case IntegerOp.raddhn: v = truncated((u(a, wide) + u(b, wide) + (Int128(1) << (ebits - 1))) >> ebits, ebits)
                case IntegerOp.subhn: v = truncated((u(a, wide) - u(b, wide)) >> ebits, ebits)
                default: v = truncated((u(a, wide) - u(b, wide) + (Int128(1) << (ebits - 1))) >> ebits, ebits)  // RSUBHN
                }
                d.setLane((q && !scalar ? count : 0) + i, ebits, v)
            }
            setVec(op.rd, d, q: q && !scalar)
            if qc { st.pointee.fpsr |= fpsrQC }
            return
        default:
            // Widening: esize is the source; Q selects the upper source halves ("2" forms).
            if o == IntegerOp.pmull && esize == 3 {
                let part = q ? 1 : 0
                let p = polynomialMultiply(n.lane(part, 64), m.lane(part, 64), bits: 64)
                setV(op.rd, UInt64(truncatingIfNeeded: p), UInt64(truncatingIfNeeded: p >> 64))
                return
            }
            let wide = 2 * ebits, count = scalar ? 1 : 64 / ebits
            let part = q && !scalar ? count : 0
            for i in 0..<count {
                let a = n.lane(part + i, ebits), b = m.lane(part + i, ebits), c = acc.lane(i, wide)
                let v: UInt64
                switch o {
                case IntegerOp.sabal: v = truncated(u(c, wide) + (s(a) - s(b)).magnitude.asInt128, wide)
                case IntegerOp.uabal: v = truncated(u(c, wide) + (u(a) - u(b)).magnitude.asInt128, wide)
                case IntegerOp.sabdl: v = truncated((s(a) - s(b)).magnitude.asInt128, wide)
                case IntegerOp.uabdl: v = truncated((u(a) - u(b)).magnitude.asInt128, wide)
                case IntegerOp.sqdmull: v = signedSat(2 * s(a) * s(b), wide, &qc)
                case IntegerOp.sqdmlal, IntegerOp.sqdmlsl:
                    let product = s(signedSat(2 * s(a) * s(b), wide, &qc), wide)
                    v = signedSat(o == IntegerOp.sqdmlal ? s(c, wide) + product : s(c, wide) - product, wide, &qc)
                case IntegerOp.pmull: v = UInt64(truncatingIfNeeded: polynomialMultiply(a, b, bits: 8))
                case IntegerOp.ssubw: v = truncated(u(n.lane(i, wide), wide) - s(b), wide)
                case IntegerOp.usubw: v = truncated(u(n.lane(i, wide), wide) - u(b), wide)
                case IntegerOp.smull: v = truncated(s(a) * s(b), wide)
                case IntegerOp.umull: v = truncated(u(a) * u(b), wide)
                case IntegerOp.smlal: v = truncated(u(c, wide) + s(a) * s(b), wide)
                case IntegerOp.umlal: v = truncated(u(c, wide) + u(a) * u(b), wide)
                case IntegerOp.smlsl: v = truncated(u(c, wide) - s(a) * s(b), wide)
                default: v = truncated(u(c, wide) - u(a) * u(b), wide)   // UMLSL
                }
                d.setLane(i, wide, v)
            }
            setVec(op.rd, d, q: !scalar || wide == 128)
            if qc { st.pointee.fpsr |= fpsrQC }
            return
        }
        setVec(op.rd, d, q: q && !scalar)
        if qc { st.pointee.fpsr |= fpsrQC }
    }
}

private extension UInt128 {
    /// A magnitude known to be below 2^127.
    var asInt128: Int128 { Int128(truncatingIfNeeded: self) }
}
