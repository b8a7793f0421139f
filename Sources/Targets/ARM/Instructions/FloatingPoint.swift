import CHostFP

// A64 scalar floating point (ARM ARM C4.1.90): arithmetic, FMADD family,
// compares, conditional select, conversions, FMOV; single and double.
// NaN results follow FPProcessNaNs (signalling before quiet, first operand
// first) and FPCR.DN; invalid operations give the default NaN.

/// The two formats the scalar FP unit handles, with their host operations
/// (`CHostFP`: explicit rounding, flushing and exception flags).
protocol ARMFloat: BinaryFloatingPoint {
    var bits64: UInt64 { get }
    init(bits64: UInt64)
    static var defaultNaN: Self { get }
    var quieted: Self { get }
    static func hostAdd(_ a: Self, _ b: Self, _ control: UInt32, _ flags: inout UInt32) -> Self
    static func hostSub(_ a: Self, _ b: Self, _ control: UInt32, _ flags: inout UInt32) -> Self
    static func hostMul(_ a: Self, _ b: Self, _ control: UInt32, _ flags: inout UInt32) -> Self
    static func hostDiv(_ a: Self, _ b: Self, _ control: UInt32, _ flags: inout UInt32) -> Self
    static func hostSqrt(_ a: Self, _ control: UInt32, _ flags: inout UInt32) -> Self
    /// a * b + c, one rounding.
    static func hostFMA(_ a: Self, _ b: Self, _ c: Self, _ control: UInt32, _ flags: inout UInt32) -> Self
    /// A 64-bit integer (two's complement when `signed`), rounded.
    static func hostFromInteger(_ x: UInt64, signed: Bool, _ control: UInt32, _ flags: inout UInt32) -> Self
}

extension Float: ARMFloat {
    var bits64: UInt64 { UInt64(bitPattern) }
    init(bits64: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: bits64)) }
    static var defaultNaN: Float { Float(bitPattern: 0x7FC0_0000) }
    var quieted: Float { Float(bitPattern: bitPattern | 0x0040_0000) }
    static func hostAdd(_ a: Float, _ b: Float, _ c: UInt32, _ f: inout UInt32) -> Float { chfp_f32_add(a, b, c, &f) }
    static func hostSub(_ a: Float, _ b: Float, _ c: UInt32, _ f: inout UInt32) -> Float { chfp_f32_sub(a, b, c, &f) }
    static func hostMul(_ a: Float, _ b: Float, _ c: UInt32, _ f: inout UInt32) -> Float { chfp_f32_mul(a, b, c, &f) }
    static func hostDiv(_ a: Float, _ b: Float, _ c: UInt32, _ f: inout UInt32) -> Float { chfp_f32_div(a, b, c, &f) }
    static func hostSqrt(_ a: Float, _ c: UInt32, _ f: inout UInt32) -> Float { chfp_f32_sqrt(a, c, &f) }
    static func hostFMA(_ a: Float, _ b: Float, _ x: Float, _ c: UInt32, _ f: inout UInt32) -> Float { chfp_f32_fma(a, b, x, c, &f) }
    static func hostFromInteger(_ x: UInt64, signed: Bool, _ c: UInt32, _ f: inout UInt32) -> Float {
        signed ? chfp_i64_to_f32(Int64(bitPattern: x), c, &f) : chfp_u64_to_f32(x, c, &f)
    }
}

extension Double: ARMFloat {
    var bits64: UInt64 { bitPattern }
    init(bits64: UInt64) { self.init(bitPattern: bits64) }
    static var defaultNaN: Double { Double(bitPattern: 0x7FF8_0000_0000_0000) }
    var quieted: Double { Double(bitPattern: bitPattern | 0x0008_0000_0000_0000) }
    static func hostAdd(_ a: Double, _ b: Double, _ c: UInt32, _ f: inout UInt32) -> Double { chfp_f64_add(a, b, c, &f) }
    static func hostSub(_ a: Double, _ b: Double, _ c: UInt32, _ f: inout UInt32) -> Double { chfp_f64_sub(a, b, c, &f) }
    static func hostMul(_ a: Double, _ b: Double, _ c: UInt32, _ f: inout UInt32) -> Double { chfp_f64_mul(a, b, c, &f) }
    static func hostDiv(_ a: Double, _ b: Double, _ c: UInt32, _ f: inout UInt32) -> Double { chfp_f64_div(a, b, c, &f) }
    static func hostSqrt(_ a: Double, _ c: UInt32, _ f: inout UInt32) -> Double { chfp_f64_sqrt(a, c, &f) }
    static func hostFMA(_ a: Double, _ b: Double, _ x: Double, _ c: UInt32, _ f: inout UInt32) -> Double { chfp_f64_fma(a, b, x, c, &f) }
    static func hostFromInteger(_ x: UInt64, signed: Bool, _ c: UInt32, _ f: inout UInt32) -> Double {
        signed ? chfp_i64_to_f64(Int64(bitPattern: x), c, &f) : chfp_u64_to_f64(x, c, &f)
    }
}

/// FP rounding used by FRINT and FCVT*: FPCR.RMode order, plus ties-away.
enum FPRounding {
    static let nearestEven: UInt16 = 0
    static let plusInfinity: UInt16 = 1
    static let minusInfinity: UInt16 = 2
    static let zero: UInt16 = 3
    static let nearestAway: UInt16 = 4
    static let current: UInt16 = 5
}

/// FPSR cumulative exception bits (ARM ARM D17.2 "FPSR").
enum FPStatus {
    static let ioc: UInt64 = 1 << 0
    static let dzc: UInt64 = 1 << 1
    static let ofc: UInt64 = 1 << 2
    static let ufc: UInt64 = 1 << 3
    static let ixc: UInt64 = 1 << 4
    static let idc: UInt64 = 1 << 7

    /// FPSR bits for `CHostFP` flags.
    @inline(__always) static func bits(_ flags: UInt32) -> UInt64 {
        UInt64(flags & 0x1F) | UInt64(flags & UInt32(CHFP_DENORMAL)) << 2
    }
}

/// The FP unit for one instruction: FPCR controls in, exception flags out
/// (the caller ORs `flags` into FPSR, see `AArch64CPU.commit`). Implements
/// the ARM ARM pseudocode FPUnpack (FZ input flushing, IDC), FPProcessNaNs,
/// FPRound (tininess before rounding, FZ output flushing with UFC and no IXC,
/// through `CHostFP`), FPCompare, FPRoundInt and FPToFixed/FixedToFP.
struct FPUnit {
    let fpcr: UInt64
    /// `CHostFP` flags raised so far.
    var flags: UInt32 = 0

    init(fpcr: UInt64) { self.fpcr = fpcr }

    var defaultNaNMode: Bool { fpcr & (1 << 25) != 0 }
    var flushToZero: Bool { fpcr & (1 << 24) != 0 }
    /// FPCR.AHP: alternative half-precision format.
    var alternativeHalf: Bool { fpcr & (1 << 26) != 0 }
    /// FPCR.RMode in `FPRounding` terms.
    var rounding: UInt16 { UInt16((fpcr >> 22) & 3) }

    /// Host control word for FPRound with FPCR.RMode and FPCR.FZ.
    var control: UInt32 { control(rounding: rounding) }

    func control(rounding mode: UInt16) -> UInt32 {
        UInt32(mode & 3) | UInt32(CHFP_TININESS_BEFORE_ROUNDING)
            | (flushToZero ? UInt32(CHFP_FLUSH_INPUTS) | UInt32(CHFP_FLUSH_OUTPUTS) : 0)
    }

    mutating func raise(_ flag: Int) { flags |= UInt32(flag) }

    /// FPUnpack: a subnormal input reads as zero when FPCR.FZ is set (IDC).
    mutating func unpack<F: ARMFloat>(_ x: F) -> F {
        if flushToZero && x.isSubnormal {
            raise(CHFP_DENORMAL)
            return x.sign == .minus ? -F(0) : F(0)
        }
        return x
    }

    /// FPProcessNaN for one operand (already known to be a NaN).
    mutating func processNaN<F: ARMFloat>(_ a: F) -> F {
        if a.isSignalingNaN {
            raise(CHFP_INVALID)
            return defaultNaNMode ? .defaultNaN : a.quieted
        }
        return defaultNaNMode ? .defaultNaN : a
    }

    mutating func processNaNs<F: ARMFloat>(_ a: F, _ b: F) -> F? {
        if a.isSignalingNaN { return processNaN(a) }
        if b.isSignalingNaN { return processNaN(b) }
        if a.isNaN { return processNaN(a) }
        if b.isNaN { return processNaN(b) }
        return nil
    }

    mutating func processNaNs3<F: ARMFloat>(_ a: F, _ b: F, _ c: F) -> F? {
        if a.isSignalingNaN { return processNaN(a) }
        if b.isSignalingNaN { return processNaN(b) }
        if c.isSignalingNaN { return processNaN(c) }
        if a.isNaN { return processNaN(a) }
        if b.isNaN { return processNaN(b) }
        if c.isNaN { return processNaN(c) }
        return nil
    }

    /// A result computed by the host: a NaN from non-NaN inputs is the default NaN
    /// (the host already raised Invalid).
    func clean<F: ARMFloat>(_ r: F) -> F { r.isNaN ? .defaultNaN : r }

    mutating func binary<F: ARMFloat>(_ kind: OpKind, _ a0: F, _ b0: F) -> F {
        let a = unpack(a0), b = unpack(b0)
        switch kind {
        case .fmaxnm, .fminnm:
            if a.isNaN && !a.isSignalingNaN && !b.isNaN { return b }
            if b.isNaN && !b.isSignalingNaN && !a.isNaN { return a }
        default: break
        }
        if let n = processNaNs(a, b) { return kind == .fnmul ? -n : n }
        let c = control
        switch kind {
        case .fadd: return clean(F.hostAdd(a, b, c, &flags))
        case .fsub: return clean(F.hostSub(a, b, c, &flags))
        case .fmul: return clean(F.hostMul(a, b, c, &flags))
        case .fnmul: return -clean(F.hostMul(a, b, c, &flags))
        case .fdiv: return clean(F.hostDiv(a, b, c, &flags))
        case .fmax, .fmaxnm:
            if a == 0 && b == 0 { return a.sign == .plus || b.sign == .plus ? F(0) : -F(0) }
            return a > b ? a : b
        default:
            if a == 0 && b == 0 { return a.sign == .minus || b.sign == .minus ? -F(0) : F(0) }
            return a < b ? a : b
        }
    }

    mutating func fused<F: ARMFloat>(_ kind: OpKind, _ n0: F, _ m0: F, _ a0: F) -> F {
        // FMSUB/FNMADD/FNMSUB negate operands (NaNs included) before FPMulAdd (ARM ARM C7.2).
        let n1 = unpack(n0), m = unpack(m0), a1 = unpack(a0)
        let n = (kind == .fmsub || kind == .fnmadd) ? -n1 : n1
        let a = (kind == .fnmadd || kind == .fnmsub) ? -a1 : a1
        // ARM order for NaN selection is (addend, n, m).
        if let nan = processNaNs3(a, n, m) {
            // Inf*0 with a quiet-NaN addend still gives the default NaN, and Invalid.
            if a.isNaN && !a.isSignalingNaN && ((n.isInfinite && m == 0) || (n == 0 && m.isInfinite)) {
                raise(CHFP_INVALID)
                return .defaultNaN
            }
            return nan
        }
        return clean(F.hostFMA(n, m, a, control, &flags))
    }

    mutating func squareRoot<F: ARMFloat>(_ x0: F) -> F {
        let x = unpack(x0)
        if x.isNaN { return processNaN(x) }
        return clean(F.hostSqrt(x, control, &flags))
    }

    /// FPCompare: NZCV in bits 31:28. `signalling` (FCMPE) raises Invalid for
    /// quiet NaNs too; signalling NaNs always raise it.
    mutating func compare<F: ARMFloat>(_ a0: F, _ b0: F, signalling: Bool = false) -> UInt64 {
        let a = unpack(a0), b = unpack(b0)
        if a.isNaN || b.isNaN {
            if signalling || a.isSignalingNaN || b.isSignalingNaN { raise(CHFP_INVALID) }
            return 0x3 << 28
        }
        if a == b { return 0x6 << 28 }
        return a < b ? 0x8 << 28 : 0x2 << 28
    }

    static func rule(_ mode: UInt16) -> FloatingPointRoundingRule {
        switch mode {
        case FPRounding.plusInfinity: return .up
        case FPRounding.minusInfinity: return .down
        case FPRounding.zero: return .towardZero
        case FPRounding.nearestAway: return .toNearestOrAwayFromZero
        default: return .toNearestOrEven
        }
    }

    /// FPRoundInt: only FRINTX (`exact`) raises Inexact.
    mutating func round<F: ARMFloat>(_ x0: F, _ mode: UInt16, exact: Bool = false) -> F {
        let x = unpack(x0)
        if x.isNaN { return processNaN(x) }
        let r = x.rounded(Self.rule(mode))
        if exact && r != x { raise(CHFP_INEXACT) }
        return r
    }

    /// FPToFixed with saturation: NaN and out-of-range values raise Invalid
    /// (NaN gives 0), otherwise an inexact result raises Inexact.
    mutating func toInteger<F: ARMFloat>(_ x0: F, _ mode: UInt16, bits64: Bool, unsigned: Bool, fractionBits: Int = 0) -> UInt64 {
        let x = unpack(x0)
        if x.isNaN { raise(CHFP_INVALID); return 0 }
        // Scaling by a power of two is exact short of overflow, which saturates anyway.
        let scaled = fractionBits == 0 ? x : x * F(sign: .plus, exponent: F.Exponent(fractionBits), significand: 1)
        let r = scaled.rounded(Self.rule(mode))
        let width = bits64 ? 64 : 32
        let result: UInt64
        if unsigned {
            let limit = F(sign: .plus, exponent: F.Exponent(width), significand: 1)
            if r < 0 { raise(CHFP_INVALID); return 0 }
            if r >= limit { raise(CHFP_INVALID); return bits64 ? .max : 0xFFFF_FFFF }
            result = UInt64(r)
        } else {
            let limit = F(sign: .plus, exponent: F.Exponent(width - 1), significand: 1)
            if r >= limit {
                raise(CHFP_INVALID)
                return bits64 ? UInt64(Int64.max) : UInt64(Int32.max)
            }
            if r < -limit {
                raise(CHFP_INVALID)
                return bits64 ? UInt64(bitPattern: Int64.min) : UInt64(UInt32(bitPattern: Int32.min))
            }
            let v = Int64(r)
            result = bits64 ? UInt64(bitPattern: v) : UInt64(UInt32(bitPattern: Int32(v)))
        }
        if r != scaled { raise(CHFP_INEXACT) }
        return result
    }

    /// FixedToFP: `x` is the (already extended) 64-bit integer; rounded with FPCR.RMode.
    mutating func fromInteger<F: ARMFloat>(_ x: UInt64, signed: Bool, fractionBits: Int = 0, _: F.Type) -> F {
        let r = F.hostFromInteger(x, signed: signed, control, &flags)
        // 2^-fbits scaling stays far above the subnormal range: exact.
        return fractionBits == 0 ? r : r * F(sign: .plus, exponent: -F.Exponent(fractionBits), significand: 1)
    }

    /// FCVT between single and double (FPConvert): NaNs keep their payload
    /// (quietened, Invalid for signalling) unless FPCR.DN.
    mutating func singleToDouble(_ x0: Float) -> Double {
        let x = unpack(x0)
        if x.isNaN {
            if x.isSignalingNaN { raise(CHFP_INVALID) }
            if defaultNaNMode { return .defaultNaN }
            return Double(bitPattern: (UInt64(x.bitPattern >> 31) << 63) | 0x7FF8_0000_0000_0000
                          | (UInt64(x.bitPattern & 0x3F_FFFF) << 29))
        }
        return Double(x)
    }

    /// `roundToOdd` (FCVTXN): truncate, then set the lowest bit of an inexact
    /// result, so a later rounding of the single cannot round twice.
    mutating func doubleToSingle(_ x0: Double, roundToOdd: Bool = false) -> Float {
        let x = unpack(x0)
        if x.isNaN {
            if x.isSignalingNaN { raise(CHFP_INVALID) }
            if defaultNaNMode { return .defaultNaN }
            return Float(bitPattern: UInt32(x.bitPattern >> 63) << 31 | 0x7FC0_0000 | UInt32((x.bitPattern >> 29) & 0x3F_FFFF))
        }
        guard roundToOdd else { return chfp_f64_to_f32(x, control, &flags) }
        var raised: UInt32 = 0
        let r = chfp_f64_to_f32(x, control(rounding: FPRounding.zero), &raised)
        flags |= raised
        // Truncation already saturates at the largest normal; a flushed zero stays zero.
        return raised & UInt32(CHFP_INEXACT) != 0 && r.isFinite ? Float(bitPattern: r.bitPattern | 1) : r
    }

    /// Half precision (IEEE, or FPCR.AHP's alternative format) to double: exact.
    /// Half inputs are never flushed (FPUnpackCV ignores FZ16).
    mutating func halfToDouble(_ h: UInt16) -> Double {
        let sign: Double = h & 0x8000 != 0 ? -1 : 1
        let exp = Int((h >> 10) & 0x1F), frac = UInt64(h & 0x3FF)
        if exp == 0x1F && !alternativeHalf {
            if frac == 0 { return sign * .infinity }
            if frac & 0x200 == 0 { raise(CHFP_INVALID) }
            if defaultNaNMode { return .defaultNaN }
            return Double(bitPattern: UInt64(h >> 15) << 63 | 0x7FF8_0000_0000_0000 | (frac & 0x1FF) << 42)
        }
        if exp == 0 { return sign * Double(frac) * 0x1p-24 }
        return sign * Double(1024 + frac) * Double(sign: .plus, exponent: exp - 25, significand: 1)
    }

    /// Double or single (exact as a double; `x` already unpacked by the caller)
    /// to half precision with FPCR.RMode: tininess before rounding, no
    /// flushing of half results (FPRoundCV clears FZ16).
    mutating func doubleToHalf(_ x: Double) -> UInt16 {
        let signBit: UInt16 = x.sign == .minus ? 0x8000 : 0
        if x.isNaN {
            if x.isSignalingNaN { raise(CHFP_INVALID) }
            if alternativeHalf { if !x.isSignalingNaN { raise(CHFP_INVALID) }; return signBit }
            if defaultNaNMode { return 0x7E00 }
            return signBit | 0x7E00 | UInt16((x.bitPattern >> 42) & 0x1FF)
        }
        if x.isInfinite {
            if alternativeHalf { raise(CHFP_INVALID); return signBit | 0x7FFF }
            return signBit | 0x7C00
        }
        if x == 0 { return signBit }
        let mode = rounding
        let tiny = x.magnitude < 0x1p-14
        let quantum = tiny ? 0x1p-24 : Double(sign: .plus, exponent: x.exponent - 10, significand: 1)
        let scaled = x / quantum
        let q = scaled.rounded(Self.rule(mode))
        let inexact = q != scaled
        let magnitude = q.magnitude * quantum
        let overflowAt: Double = alternativeHalf ? 0x1p17 : 0x1p16
        if magnitude >= overflowAt {
            if alternativeHalf { raise(CHFP_INVALID); return signBit | 0x7FFF }
            raise(CHFP_OVERFLOW); raise(CHFP_INEXACT)
            let toInfinity: Bool
            switch mode {
            case FPRounding.nearestEven: toInfinity = true
            case FPRounding.plusInfinity: toInfinity = signBit == 0
            case FPRounding.minusInfinity: toInfinity = signBit != 0
            default: toInfinity = false
            }
            return signBit | (toInfinity ? 0x7C00 : 0x7BFF)
        }
        if inexact {
            raise(CHFP_INEXACT)
            if tiny { raise(CHFP_UNDERFLOW) }
        }
        if magnitude < 0x1p-14 { return signBit | UInt16(magnitude * 0x1p24) }
        let e = Int(magnitude.exponent)
        let fraction = UInt16((magnitude / Double(sign: .plus, exponent: e, significand: 1) - 1) * 1024)
        return signBit | UInt16(e + 15) << 10 | fraction
    }
}

extension A64Decoder {
    /// aux bit 0 of the scalar FP kinds: 0 single, 1 double; nil for half and the reserved type.
    static func fpType(_ ftype: UInt32) -> UInt16? {
        switch ftype {
        case 0: return 0
        case 1: return 1
        default: return nil
        }
    }

    static func decodeFPDataProcessing2(_ f: FPDataProcessing2Fields) -> Op {
        guard !f.m, !f.s, let d = fpType(f.ftype) else { return .undefined }
        let kind: OpKind
        switch f.opcode {
        case 0: kind = .fmul
        case 1: kind = .fdiv
        case 2: kind = .fadd
        case 3: kind = .fsub
        case 4: kind = .fmax
        case 5: kind = .fmin
        case 6: kind = .fmaxnm
        case 7: kind = .fminnm
        case 8: kind = .fnmul
        default: return .undefined
        }
        return Op(kind, rd: f.rd.raw, rn: f.rn.raw, rm: f.rm.raw, aux: d)
    }

    static func decodeFPDataProcessing1(_ f: FPDataProcessing1Fields) -> Op {
        guard !f.m, !f.s else { return .undefined }
        let rd = f.rd.raw, rn = f.rn.raw
        // FCVT to and from half precision (ftype 11 = half is otherwise FEAT_FP16, not implemented).
        switch (f.ftype, f.opcode) {
        case (3, 4): return Op(.fcvtHS, rd: rd, rn: rn)
        case (3, 5): return Op(.fcvtHD, rd: rd, rn: rn)
        case (0, 7): return Op(.fcvtSH, rd: rd, rn: rn)
        case (1, 7): return Op(.fcvtDH, rd: rd, rn: rn)
        default: break
        }
        guard let d = fpType(f.ftype) else { return .undefined }
        switch f.opcode {
        case 0: return Op(.fmovReg, rd: rd, rn: rn, aux: d)
        case 1: return Op(.fabs, rd: rd, rn: rn, aux: d)
        case 2: return Op(.fneg, rd: rd, rn: rn, aux: d)
        case 3: return Op(.fsqrt, rd: rd, rn: rn, aux: d)
        case 4 where d == 1: return Op(.fcvtDS, rd: rd, rn: rn, aux: d)   // double -> single
        case 5 where d == 0: return Op(.fcvtSD, rd: rd, rn: rn, aux: d)   // single -> double
        case 8: return Op(.frint, rd: rd, rn: rn, aux: d | FPRounding.nearestEven << 1)
        case 9: return Op(.frint, rd: rd, rn: rn, aux: d | FPRounding.plusInfinity << 1)
        case 10: return Op(.frint, rd: rd, rn: rn, aux: d | FPRounding.minusInfinity << 1)
        case 11: return Op(.frint, rd: rd, rn: rn, aux: d | FPRounding.zero << 1)
        case 12: return Op(.frint, rd: rd, rn: rn, aux: d | FPRounding.nearestAway << 1)
        case 14: return Op(.frint, rd: rd, rn: rn, aux: d | FPRounding.current << 1 | 0x10)   // FRINTX: signals inexact
        case 15: return Op(.frint, rd: rd, rn: rn, aux: d | FPRounding.current << 1)
        default: return .undefined
        }
    }

    static func decodeFPCompare(_ f: FPCompareFields) -> Op {
        guard !f.m, !f.s, f.op == 0, f.opcode2 & 7 == 0, let d = fpType(f.ftype) else { return .undefined }
        let withZero = UInt16(f.opcode2 >> 3 & 1)
        if withZero == 1 && f.rm.number != 0 { return .undefined }
        // opcode2<4> selects FCMPE (Invalid on quiet NaNs too).
        return Op(.fcmp, rn: f.rn.raw, rm: f.rm.raw, aux: d | withZero << 1 | UInt16(f.opcode2 >> 4) << 2)
    }

    static func decodeFPImmediate(_ f: FPImmediateFields) -> Op {
        guard !f.m, !f.s, f.imm5 == 0, let d = fpType(f.ftype) else { return .undefined }
        let imm8 = UInt64(f.imm8)
        let sign = imm8 >> 7, b6 = (imm8 >> 6) & 1, low = imm8 & 0x3F
        let value: UInt64
        if d == 1 {
            let exp: UInt64 = ((b6 ^ 1) << 10) | (b6 == 1 ? 0xFF << 2 : 0) | ((imm8 >> 4) & 3)
            value = sign << 63 | exp << 52 | (low & 0xF) << 48
        } else {
            let exp: UInt64 = ((b6 ^ 1) << 7) | (b6 == 1 ? 0x1F << 2 : 0) | ((imm8 >> 4) & 3)
            value = sign << 31 | exp << 23 | (low & 0xF) << 19
        }
        return Op(.fmovImm, rd: f.rd.raw, aux: d, imm: value)
    }

    static func decodeFPConditionalCompare(_ f: FPConditionalCompareFields) -> Op {
        guard !f.m, !f.s, let d = fpType(f.ftype) else { return .undefined }
        return Op(.fccmp, rn: f.rn.raw, rm: f.rm.raw, aux: d | UInt16(f.op.bit) << 1 | UInt16(f.cond) << 4 | UInt16(f.nzcv) << 8)
    }

    static func decodeFPConditionalSelect(_ f: FPConditionalSelectFields) -> Op {
        guard !f.m, !f.s, let d = fpType(f.ftype) else { return .undefined }
        return Op(.fcsel, rd: f.rd.raw, rn: f.rn.raw, rm: f.rm.raw, aux: d | UInt16(f.cond) << 4)
    }

    static func decodeFPDataProcessing3(_ f: FPDataProcessing3Fields) -> Op {
        guard !f.m, !f.s, let d = fpType(f.ftype) else { return .undefined }
        let kind: OpKind
        switch (f.o1, f.o0) {
        case (false, false): kind = .fmadd
        case (false, true): kind = .fmsub
        case (true, false): kind = .fnmadd
        case (true, true): kind = .fnmsub
        }
        return Op(kind, rd: f.rd.raw, rn: f.rn.raw, rm: f.rm.raw, ra: f.ra.raw, aux: d)
    }

    /// SCVTF/UCVTF/FCVTZS/FCVTZU with #fbits (fbits = 64 - scale, in `imm`).
    static func decodeFPFixedConversion(_ f: FPFixedConversionFields) -> Op {
        let sf = UInt16(f.sf.bit), scale = f.scale, rmode = f.rmode, opcode = f.opcode
        guard !f.s, let d = fpType(f.ftype), sf == 1 || scale >= 32 else { return .undefined }
        let rd = f.rd, rn = f.rn, fbits = UInt64(64 - scale)
        switch (rmode, opcode) {
        case (0, 2): return Op(.scvtf, rd: rd.raw, rn: rn.xzr, aux: d | sf << 1, imm: fbits)
        case (0, 3): return Op(.ucvtf, rd: rd.raw, rn: rn.xzr, aux: d | sf << 1, imm: fbits)
        case (3, 0), (3, 1):
            return Op(.fcvtToInt, rd: rd.sink, rn: rn.raw, aux: d | sf << 1 | UInt16(opcode) << 2 | FPRounding.zero << 3, imm: fbits)
        default: return .undefined
        }
    }

    static func decodeFPIntegerConversion(_ f: FPIntegerConversionFields) -> Op {
        guard !f.s else { return .undefined }
        let sf = UInt16(f.sf.bit), ftype = f.ftype, rmode = f.rmode, opcode = f.opcode
        let rd = f.rd, rn = f.rn
        switch (opcode, rmode) {
        case (6, 0), (7, 0), (6, 1), (7, 1):
            let toGP = opcode == 6
            switch (sf, ftype, rmode) {
            case (0, 0, 0): return toGP ? Op(.fmovToGP, rd: rd.sink, rn: rn.raw, aux: 0) : Op(.fmovFromGP, rd: rd.raw, rn: rn.xzr, aux: 3)
            case (1, 1, 0): return toGP ? Op(.fmovToGP, rd: rd.sink, rn: rn.raw, aux: 1) : Op(.fmovFromGP, rd: rd.raw, rn: rn.xzr, aux: 4)
            case (1, 2, 1): return toGP ? Op(.fmovToGP, rd: rd.sink, rn: rn.raw, aux: 2) : Op(.fmovFromGP, rd: rd.raw, rn: rn.xzr, aux: 5)
            default: return .undefined
            }
        default: break
        }
        guard ftype < 2 else { return .undefined }
        let d = UInt16(ftype)
        switch (opcode, rmode) {
        case (2, 0): return Op(.scvtf, rd: rd.raw, rn: rn.xzr, aux: d | sf << 1)
        case (3, 0): return Op(.ucvtf, rd: rd.raw, rn: rn.xzr, aux: d | sf << 1)
        case (0, _), (1, _):
            return Op(.fcvtToInt, rd: rd.sink, rn: rn.raw, aux: d | sf << 1 | UInt16(opcode) << 2 | UInt16(rmode) << 3)
        case (4, 0), (5, 0):
            return Op(.fcvtToInt, rd: rd.sink, rn: rn.raw, aux: d | sf << 1 | UInt16(opcode & 1) << 2 | FPRounding.nearestAway << 3)
        default: return .undefined
        }
    }
}

extension AArch64CPU {
    @inline(__always) func vLow(_ n: UInt8) -> UInt64 { vregs[Int(n) * 2] }
    @inline(__always) func vHigh(_ n: UInt8) -> UInt64 { vregs[Int(n) * 2 + 1] }
    @inline(__always) func setV(_ n: UInt8, _ lo: UInt64, _ hi: UInt64 = 0) {
        vregs[Int(n) * 2] = lo
        vregs[Int(n) * 2 + 1] = hi
    }

    var fpUnit: FPUnit { FPUnit(fpcr: st.pointee.fpcr) }

    /// Rounding mode from FPCR.RMode, in `FPRounding` terms.
    var currentRounding: UInt16 { UInt16((st.pointee.fpcr >> 22) & 3) }

    /// ORs the exceptions an instruction raised into FPSR (cumulative, never cleared).
    @inline(__always) func commit(_ fpu: FPUnit) {
        if fpu.flags != 0 { st.pointee.fpsr |= FPStatus.bits(fpu.flags) }
    }

    func executeFloatingPoint(_ op: Op) {
        var fpu = fpUnit
        switch op.kind {
        case .fcvtHS, .fcvtSH, .fcvtHD, .fcvtDH: executeHalfConversion(op, &fpu)
        default:
            if op.aux & 1 == 1 || op.kind == .fcvtSD || op.kind == .scvtf || op.kind == .ucvtf || op.kind == .fmovToGP || op.kind == .fmovFromGP {
                executeFP(op, Double.self, &fpu)
            } else {
                executeFP(op, Float.self, &fpu)
            }
        }
        commit(fpu)
    }

    /// FCVT to and from half precision (FPCR.AHP selects the alternative format).
    private func executeHalfConversion(_ op: Op, _ fpu: inout FPUnit) {
        switch op.kind {
        case .fcvtHS: setV(op.rd, UInt64(fpu.doubleToSingle(fpu.halfToDouble(UInt16(truncatingIfNeeded: vLow(op.rn)))).bitPattern))
        case .fcvtHD:
            let d = fpu.halfToDouble(UInt16(truncatingIfNeeded: vLow(op.rn)))
            setV(op.rd, d.isNaN && fpu.defaultNaNMode ? Double.defaultNaN.bitPattern : d.bitPattern)
        case .fcvtSH:
            let x = fpu.unpack(Float(bits64: vLow(op.rn)))
            let d = x.isNaN ? Double(bitPattern: UInt64(x.bitPattern >> 31) << 63 | 0x7FF0_0000_0000_0000 | UInt64(x.bitPattern & 0x7F_FFFF) << 29)
                : Double(x)
            setV(op.rd, UInt64(fpu.doubleToHalf(d)))
        default:
            setV(op.rd, UInt64(fpu.doubleToHalf(fpu.unpack(Double(bits64: vLow(op.rn))))))
        }
    }

    private func executeFP<F: ARMFloat>(_ op: Op, _: F.Type, _ fpu: inout FPUnit) {
        let r = regs
        let double = op.aux & 1 == 1
        let mask: UInt64 = double ? ~0 : 0xFFFF_FFFF
        func val(_ n: UInt8) -> F { F(bits64: vLow(n) & mask) }
        func set(_ x: F) { setV(op.rd, x.bits64 & mask) }
        switch op.kind {
        case .fmovReg: setV(op.rd, vLow(op.rn) & mask)
        case .fmovImm: setV(op.rd, op.imm)
        case .fmovToGP:
            switch op.aux {
            case 0: r[Int(op.rd)] = vLow(op.rn) & 0xFFFF_FFFF
            case 1: r[Int(op.rd)] = vLow(op.rn)
            default: r[Int(op.rd)] = vHigh(op.rn)
            }
        case .fmovFromGP:
            switch op.aux {
            case 3: setV(op.rd, r[Int(op.rn)] & 0xFFFF_FFFF)
            case 4: setV(op.rd, r[Int(op.rn)])
            default: vregs[Int(op.rd) * 2 + 1] = r[Int(op.rn)]
            }
        case .fadd, .fsub, .fmul, .fdiv, .fmax, .fmin, .fmaxnm, .fminnm, .fnmul:
            set(fpu.binary(op.kind, val(op.rn), val(op.rm)))
        case .fabs: setV(op.rd, vLow(op.rn) & mask & (mask >> 1))
        case .fneg: setV(op.rd, (vLow(op.rn) ^ (double ? 1 << 63 : 1 << 31)) & mask)
        case .fsqrt: set(fpu.squareRoot(val(op.rn)))
        case .fcvtSD: setV(op.rd, fpu.singleToDouble(Float(bits64: vLow(op.rn))).bitPattern)
        case .fcvtDS: setV(op.rd, UInt64(fpu.doubleToSingle(Double(bits64: vLow(op.rn))).bitPattern))
        case .frint:
            var mode = (op.aux >> 1) & 7
            if mode == FPRounding.current { mode = currentRounding }
            set(fpu.round(val(op.rn), mode, exact: op.aux & 0x10 != 0))
        case .fmadd, .fmsub, .fnmadd, .fnmsub:
            set(fpu.fused(op.kind, val(op.rn), val(op.rm), val(op.ra)))
        case .fcmp:
            r[Slot.nzcv] = fpu.compare(val(op.rn), op.aux & 2 != 0 ? F(0) : val(op.rm), signalling: op.aux & 4 != 0)
        case .fccmp:
            if conditionHolds((op.aux >> 4) & 0xF, r[Slot.nzcv]) {
                r[Slot.nzcv] = fpu.compare(val(op.rn), val(op.rm), signalling: op.aux & 2 != 0)
            } else {
                r[Slot.nzcv] = UInt64((op.aux >> 8) & 0xF) << 28
            }
        case .fcsel:
            setV(op.rd, conditionHolds((op.aux >> 4) & 0xF, r[Slot.nzcv]) ? vLow(op.rn) & mask : vLow(op.rm) & mask)
        case .scvtf, .ucvtf:
            let src64 = op.aux & 2 != 0, signed = op.kind == .scvtf
            let raw = r[Int(op.rn)]
            let x = src64 ? raw : (signed ? UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: raw))) : raw & 0xFFFF_FFFF)
            if double {
                setV(op.rd, fpu.fromInteger(x, signed: signed, fractionBits: Int(op.imm), Double.self).bitPattern)
            } else {
                setV(op.rd, UInt64(fpu.fromInteger(x, signed: signed, fractionBits: Int(op.imm), Float.self).bitPattern))
            }
        case .fcvtToInt:
            let dst64 = op.aux & 2 != 0, unsigned = op.aux & 4 != 0
            let mode = (op.aux >> 3) & 7
            if double {
                r[Int(op.rd)] = fpu.toInteger(Double(bits64: vLow(op.rn)), mode, bits64: dst64, unsigned: unsigned, fractionBits: Int(op.imm))
            } else {
                r[Int(op.rd)] = fpu.toInteger(Float(bits64: vLow(op.rn)), mode, bits64: dst64, unsigned: unsigned, fractionBits: Int(op.imm))
            }
        default:
            break
        }
    }
}
