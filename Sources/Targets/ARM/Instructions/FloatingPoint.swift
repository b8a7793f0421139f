// A64 scalar floating point (ARM ARM C4.1.90): arithmetic, FMADD family,
// compares, conditional select, conversions, FMOV; single and double.
// NaN results follow FPProcessNaNs (signalling before quiet, first operand
// first) and FPCR.DN; invalid operations give the default NaN.

/// The two formats the scalar FP unit handles.
protocol ARMFloat: BinaryFloatingPoint {
    var bits64: UInt64 { get }
    init(bits64: UInt64)
    static var defaultNaN: Self { get }
    var quieted: Self { get }
}

extension Float: ARMFloat {
    var bits64: UInt64 { UInt64(bitPattern) }
    init(bits64: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: bits64)) }
    static var defaultNaN: Float { Float(bitPattern: 0x7FC0_0000) }
    var quieted: Float { Float(bitPattern: bitPattern | 0x0040_0000) }
}

extension Double: ARMFloat {
    var bits64: UInt64 { bitPattern }
    init(bits64: UInt64) { self.init(bitPattern: bits64) }
    static var defaultNaN: Double { Double(bitPattern: 0x7FF8_0000_0000_0000) }
    var quieted: Double { Double(bitPattern: bitPattern | 0x0008_0000_0000_0000) }
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

struct FPUnit {
    var defaultNaNMode: Bool

    func processNaNs<F: ARMFloat>(_ a: F, _ b: F) -> F? {
        if a.isSignalingNaN { return defaultNaNMode ? .defaultNaN : a.quieted }
        if b.isSignalingNaN { return defaultNaNMode ? .defaultNaN : b.quieted }
        if a.isNaN { return defaultNaNMode ? .defaultNaN : a }
        if b.isNaN { return defaultNaNMode ? .defaultNaN : b }
        return nil
    }

    func processNaNs3<F: ARMFloat>(_ a: F, _ b: F, _ c: F) -> F? {
        if a.isSignalingNaN { return defaultNaNMode ? .defaultNaN : a.quieted }
        if b.isSignalingNaN { return defaultNaNMode ? .defaultNaN : b.quieted }
        if c.isSignalingNaN { return defaultNaNMode ? .defaultNaN : c.quieted }
        if a.isNaN { return defaultNaNMode ? .defaultNaN : a }
        if b.isNaN { return defaultNaNMode ? .defaultNaN : b }
        if c.isNaN { return defaultNaNMode ? .defaultNaN : c }
        return nil
    }

    /// A result computed by the host: a NaN from non-NaN inputs is the default NaN.
    func clean<F: ARMFloat>(_ r: F) -> F { r.isNaN ? .defaultNaN : r }

    func binary<F: ARMFloat>(_ kind: OpKind, _ a: F, _ b: F) -> F {
        switch kind {
        case .fmaxnm, .fminnm:
            if a.isNaN && !a.isSignalingNaN && !b.isNaN { return b }
            if b.isNaN && !b.isSignalingNaN && !a.isNaN { return a }
        default: break
        }
        if let n = processNaNs(a, b) { return kind == .fnmul ? -n : n }
        switch kind {
        case .fadd: return clean(a + b)
        case .fsub: return clean(a - b)
        case .fmul: return clean(a * b)
        case .fnmul: return -clean(a * b)
        case .fdiv: return clean(a / b)
        case .fmax, .fmaxnm:
            if a == 0 && b == 0 { return a.sign == .plus || b.sign == .plus ? F(0) : -F(0) }
            return a > b ? a : b
        default:
            if a == 0 && b == 0 { return a.sign == .minus || b.sign == .minus ? -F(0) : F(0) }
            return a < b ? a : b
        }
    }

    func fused<F: ARMFloat>(_ kind: OpKind, _ n0: F, _ m: F, _ a0: F) -> F {
        // FMSUB/FNMADD/FNMSUB negate operands (NaNs included) before FPMulAdd (ARM ARM C7.2).
        let n = (kind == .fmsub || kind == .fnmadd) ? -n0 : n0
        let a = (kind == .fnmadd || kind == .fnmsub) ? -a0 : a0
        // ARM order for NaN selection is (addend, n, m).
        if let nan = processNaNs3(a, n, m) {
            // Inf*0 with a quiet-NaN addend still gives the default NaN.
            if a.isNaN && !a.isSignalingNaN && ((n.isInfinite && m == 0) || (n == 0 && m.isInfinite)) { return .defaultNaN }
            return nan
        }
        return clean(a.addingProduct(n, m))
    }

    func compare<F: ARMFloat>(_ a: F, _ b: F) -> UInt64 {
        if a.isNaN || b.isNaN { return 0x3 << 28 }
        if a == b { return 0x6 << 28 }
        return a < b ? 0x8 << 28 : 0x2 << 28
    }

    func round<F: ARMFloat>(_ x: F, _ mode: UInt16) -> F {
        if x.isNaN { return defaultNaNMode ? .defaultNaN : (x.isSignalingNaN ? x.quieted : x) }
        let rule: FloatingPointRoundingRule
        switch mode {
        case FPRounding.plusInfinity: rule = .up
        case FPRounding.minusInfinity: rule = .down
        case FPRounding.zero: rule = .towardZero
        case FPRounding.nearestAway: rule = .toNearestOrAwayFromZero
        default: rule = .toNearestOrEven
        }
        return x.rounded(rule)
    }

    /// FPToFixed with saturation: NaN gives 0.
    func toInteger<F: ARMFloat>(_ x: F, _ mode: UInt16, bits64: Bool, unsigned: Bool) -> UInt64 {
        if x.isNaN { return 0 }
        let r = round(x, mode)
        if unsigned {
            let maxV: UInt64 = bits64 ? .max : 0xFFFF_FFFF
            if r <= 0 { return 0 }
            if r >= F(maxV) { return maxV }
            return UInt64(r)
        }
        let minV: Int64 = bits64 ? .min : Int64(Int32.min)
        let maxV: Int64 = bits64 ? .max : Int64(Int32.max)
        let v: Int64
        if r <= F(minV) { v = minV } else if r >= F(maxV) { v = maxV } else { v = Int64(r) }
        return bits64 ? UInt64(bitPattern: v) : UInt64(UInt32(bitPattern: Int32(v)))
    }
}

extension A64Decoder {
    static func fpType(_ w: UInt32) -> UInt16? {
        switch bits(w, 23, 22) {
        case 0: return 0
        case 1: return 1
        default: return nil
        }
    }

    static func decodeFPDataProcessing2(_ w: UInt32) -> Op {
        guard bits(w, 31, 31) == 0, bits(w, 29, 29) == 0, let d = fpType(w) else { return .undefined }
        let kinds: [OpKind] = [.fmul, .fdiv, .fadd, .fsub, .fmax, .fmin, .fmaxnm, .fminnm, .fnmul]
        let opcode = Int(bits(w, 15, 12))
        guard opcode < kinds.count else { return .undefined }
        return Op(kinds[opcode], rd: UInt8(bits(w, 4, 0)), rn: UInt8(bits(w, 9, 5)), rm: UInt8(bits(w, 20, 16)), aux: d)
    }

    static func decodeFPDataProcessing1(_ w: UInt32) -> Op {
        guard bits(w, 31, 31) == 0, bits(w, 29, 29) == 0, let d = fpType(w) else { return .undefined }
        let rd = UInt8(bits(w, 4, 0)), rn = UInt8(bits(w, 9, 5))
        switch bits(w, 20, 15) {
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
        case 14, 15: return Op(.frint, rd: rd, rn: rn, aux: d | FPRounding.current << 1)
        default: return .undefined
        }
    }

    static func decodeFPCompare(_ w: UInt32) -> Op {
        guard bits(w, 31, 31) == 0, bits(w, 29, 29) == 0, bits(w, 15, 14) == 0, bits(w, 2, 0) == 0, let d = fpType(w)
        else { return .undefined }
        let withZero = bits(w, 3, 3)
        if withZero == 1 && bits(w, 20, 16) != 0 { return .undefined }
        return Op(.fcmp, rn: UInt8(bits(w, 9, 5)), rm: UInt8(bits(w, 20, 16)), aux: d | UInt16(withZero) << 1)
    }

    static func decodeFPImmediate(_ w: UInt32) -> Op {
        guard bits(w, 31, 31) == 0, bits(w, 29, 29) == 0, bits(w, 9, 5) == 0, let d = fpType(w) else { return .undefined }
        let imm8 = UInt64(bits(w, 20, 13))
        let sign = imm8 >> 7, b6 = (imm8 >> 6) & 1, low = imm8 & 0x3F
        let value: UInt64
        if d == 1 {
            let exp: UInt64 = ((b6 ^ 1) << 10) | (b6 == 1 ? 0xFF << 2 : 0) | ((imm8 >> 4) & 3)
            value = sign << 63 | exp << 52 | (low & 0xF) << 48
        } else {
            let exp: UInt64 = ((b6 ^ 1) << 7) | (b6 == 1 ? 0x1F << 2 : 0) | ((imm8 >> 4) & 3)
            value = sign << 31 | exp << 23 | (low & 0xF) << 19
        }
        return Op(.fmovImm, rd: UInt8(bits(w, 4, 0)), aux: d, imm: value)
    }

    static func decodeFPConditionalCompare(_ w: UInt32) -> Op {
        guard bits(w, 31, 31) == 0, bits(w, 29, 29) == 0, let d = fpType(w) else { return .undefined }
        return Op(.fccmp, rn: UInt8(bits(w, 9, 5)), rm: UInt8(bits(w, 20, 16)),
                  aux: d | UInt16(bits(w, 15, 12)) << 4 | UInt16(bits(w, 3, 0)) << 8)
    }

    static func decodeFPConditionalSelect(_ w: UInt32) -> Op {
        guard bits(w, 31, 31) == 0, bits(w, 29, 29) == 0, let d = fpType(w) else { return .undefined }
        return Op(.fcsel, rd: UInt8(bits(w, 4, 0)), rn: UInt8(bits(w, 9, 5)), rm: UInt8(bits(w, 20, 16)),
                  aux: d | UInt16(bits(w, 15, 12)) << 4)
    }

    static func decodeFPDataProcessing3(_ w: UInt32) -> Op {
        guard bits(w, 31, 31) == 0, bits(w, 29, 29) == 0, let d = fpType(w) else { return .undefined }
        let kinds: [OpKind] = [.fmadd, .fmsub, .fnmadd, .fnmsub]
        return Op(kinds[Int(bits(w, 21, 21) << 1 | bits(w, 15, 15))], rd: UInt8(bits(w, 4, 0)), rn: UInt8(bits(w, 9, 5)),
                  rm: UInt8(bits(w, 20, 16)), ra: UInt8(bits(w, 14, 10)), aux: d)
    }

    static func decodeFPIntegerConversion(_ w: UInt32) -> Op {
        guard bits(w, 29, 29) == 0 else { return .undefined }
        let sf = UInt16(w >> 31), ftype = bits(w, 23, 22), rmode = bits(w, 20, 19), opcode = bits(w, 18, 16)
        let rd = bits(w, 4, 0), rn = bits(w, 9, 5)
        switch (opcode, rmode) {
        case (6, 0), (7, 0), (6, 1), (7, 1):
            let toGP = opcode == 6
            switch (sf, ftype, rmode) {
            case (0, 0, 0): return toGP ? Op(.fmovToGP, rd: zd(rd), rn: UInt8(rn), aux: 0) : Op(.fmovFromGP, rd: UInt8(rd), rn: zr(rn), aux: 3)
            case (1, 1, 0): return toGP ? Op(.fmovToGP, rd: zd(rd), rn: UInt8(rn), aux: 1) : Op(.fmovFromGP, rd: UInt8(rd), rn: zr(rn), aux: 4)
            case (1, 2, 1): return toGP ? Op(.fmovToGP, rd: zd(rd), rn: UInt8(rn), aux: 2) : Op(.fmovFromGP, rd: UInt8(rd), rn: zr(rn), aux: 5)
            default: return .undefined
            }
        default: break
        }
        guard ftype < 2 else { return .undefined }
        let d = UInt16(ftype)
        switch (opcode, rmode) {
        case (2, 0): return Op(.scvtf, rd: UInt8(rd), rn: zr(rn), aux: d | sf << 1)
        case (3, 0): return Op(.ucvtf, rd: UInt8(rd), rn: zr(rn), aux: d | sf << 1)
        case (0, _), (1, _):
            return Op(.fcvtToInt, rd: zd(rd), rn: UInt8(rn), aux: d | sf << 1 | UInt16(opcode) << 2 | UInt16(rmode) << 3)
        case (4, 0), (5, 0):
            return Op(.fcvtToInt, rd: zd(rd), rn: UInt8(rn), aux: d | sf << 1 | UInt16(opcode & 1) << 2 | FPRounding.nearestAway << 3)
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

    var fpUnit: FPUnit { FPUnit(defaultNaNMode: st.pointee.fpcr & (1 << 25) != 0) }

    /// Rounding mode from FPCR.RMode, in `FPRounding` terms.
    var currentRounding: UInt16 { UInt16((st.pointee.fpcr >> 22) & 3) }

    func executeFloatingPoint(_ op: Op) {
        if op.aux & 1 == 1 || op.kind == .fcvtSD || op.kind == .scvtf || op.kind == .ucvtf || op.kind == .fmovToGP || op.kind == .fmovFromGP {
            executeFP(op, Double.self)
        } else {
            executeFP(op, Float.self)
        }
    }

    private func executeFP<F: ARMFloat>(_ op: Op, _: F.Type) {
        let fpu = fpUnit
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
        case .fsqrt:
            let x = val(op.rn)
            if x.isNaN { set(fpu.processNaNs(x, x)!) } else { set(fpu.clean(x.squareRoot())) }
        case .fcvtSD:
            let x = Float(bits64: vLow(op.rn))
            if x.isNaN {
                setV(op.rd, fpu.defaultNaNMode ? Double.defaultNaN.bitPattern
                     : (UInt64(x.bitPattern >> 31) << 63) | 0x7FF8_0000_0000_0000 | (UInt64(x.bitPattern & 0x3F_FFFF) << 29))
            } else { setV(op.rd, Double(x).bitPattern) }
        case .fcvtDS:
            let x = Double(bits64: vLow(op.rn))
            if x.isNaN {
                setV(op.rd, fpu.defaultNaNMode ? UInt64(Float.defaultNaN.bitPattern)
                     : UInt64(UInt32(x.bitPattern >> 63) << 31 | 0x7FC0_0000 | UInt32((x.bitPattern >> 29) & 0x3F_FFFF)))
            } else { setV(op.rd, UInt64(Float(x).bitPattern)) }
        case .frint:
            var mode = (op.aux >> 1) & 7
            if mode == FPRounding.current { mode = currentRounding }
            set(fpu.round(val(op.rn), mode))
        case .fmadd, .fmsub, .fnmadd, .fnmsub:
            set(fpu.fused(op.kind, val(op.rn), val(op.rm), val(op.ra)))
        case .fcmp:
            r[Slot.nzcv] = fpu.compare(val(op.rn), op.aux & 2 != 0 ? F(0) : val(op.rm))
        case .fccmp:
            if conditionHolds((op.aux >> 4) & 0xF, r[Slot.nzcv]) {
                r[Slot.nzcv] = fpu.compare(val(op.rn), val(op.rm))
            } else {
                r[Slot.nzcv] = UInt64((op.aux >> 8) & 0xF) << 28
            }
        case .fcsel:
            setV(op.rd, conditionHolds((op.aux >> 4) & 0xF, r[Slot.nzcv]) ? vLow(op.rn) & mask : vLow(op.rm) & mask)
        case .scvtf, .ucvtf:
            let src64 = op.aux & 2 != 0
            let x = r[Int(op.rn)]
            if double {
                let v: Double = op.kind == .scvtf ? (src64 ? Double(Int64(bitPattern: x)) : Double(Int32(truncatingIfNeeded: x)))
                    : (src64 ? Double(x) : Double(UInt32(truncatingIfNeeded: x)))
                setV(op.rd, v.bitPattern)
            } else {
                let v: Float = op.kind == .scvtf ? (src64 ? Float(Int64(bitPattern: x)) : Float(Int32(truncatingIfNeeded: x)))
                    : (src64 ? Float(x) : Float(UInt32(truncatingIfNeeded: x)))
                setV(op.rd, UInt64(v.bitPattern))
            }
        case .fcvtToInt:
            let dst64 = op.aux & 2 != 0, unsigned = op.aux & 4 != 0
            let mode = (op.aux >> 3) & 7
            if double {
                r[Int(op.rd)] = fpu.toInteger(Double(bits64: vLow(op.rn)), mode, bits64: dst64, unsigned: unsigned)
            } else {
                r[Int(op.rd)] = fpu.toInteger(Float(bits64: vLow(op.rn)), mode, bits64: dst64, unsigned: unsigned)
            }
        default:
            break
        }
    }
}
