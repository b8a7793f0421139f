internal import CHostFP

/// SSE/SSE2 (SDM Vol. 1, chapters 10–11; Vol. 2 per instruction). XMM
/// registers are (low, high) 64-bit pairs in `xmm`. Arithmetic uses the
/// host's IEEE-754 operations through CHostFP under MXCSR's rounding control,
/// DAZ and FTZ, with x86 NaN-propagation rules and DE detection applied
/// explicitly; the exception flags are OR-ed into MXCSR and an unmasked one
/// raises #XM (or #UD without CR4.OSXMMEXCPT) before the destination is written.
extension X86CPU {
    typealias X128 = SIMD2<UInt64>

    @inline(__always)
    func xr(_ r: UInt8) -> X128 { X128(xmm[2 * Int(r)], xmm[2 * Int(r) + 1]) }

    @inline(__always)
    func setXR(_ r: UInt8, _ v: X128) {
        xmm[2 * Int(r)] = v[0]
        xmm[2 * Int(r) + 1] = v[1]
    }

    /// The W operand as 128 bits (memory: 16 bytes, aligned when the operation requires).
    @inline(__always)
    func sourceX(_ i: DecodedInstruction, _ op: SSEOp) throws(X86Fault) -> X128 {
        if i.rm != DecodedInstruction.memory { return xr(i.rm) }
        let a = effectiveAddress(i)
        switch op.memorySize {
        case 4: return X128(try read(a, 4), 0)
        case 8: return X128(try read(a, 8), 0)
        case 2: return X128(try read(a, 2), 0)
        default:
            if op.requiresAlignment && a & 15 != 0 { throw X86Fault.gp() }
            return X128(try read(a, 8), try read(a &+ 8, 8))
        }
    }

    @inline(__always)
    func storeX(_ i: DecodedInstruction, _ v: X128, aligned: Bool) throws(X86Fault) {
        let a = effectiveAddress(i)
        if aligned && a & 15 != 0 { throw X86Fault.gp() }
        try write128(a, v[0], v[1])
    }

    /// PSHUFD: dword `k` of the result is dword `order[2k+1:2k]` of `v`.
    @inline(always)
    func pshufd(_ v: X128, _ order: UInt64) -> X128 {
        let d = d32(v)
        return x(SIMD4<UInt32>(d[Int(order & 3)], d[Int((order >> 2) & 3)], d[Int((order >> 4) & 3)], d[Int((order >> 6) & 3)]))
    }

    /// PMULUDQ: the low dwords of each quadword, multiplied to 64 bits.
    @inline(always)
    func pmuludq(_ a: X128, _ b: X128) -> X128 {
        X128((a[0] & 0xFFFF_FFFF) &* (b[0] & 0xFFFF_FFFF), (a[1] & 0xFFFF_FFFF) &* (b[1] & 0xFFFF_FFFF))
    }

    // MARK: Lane views

    @inline(__always) func b8(_ v: X128) -> SIMD16<UInt8> { unsafeBitCast(v, to: SIMD16<UInt8>.self) }
    @inline(__always) func s8(_ v: X128) -> SIMD16<Int8> { unsafeBitCast(v, to: SIMD16<Int8>.self) }
    @inline(__always) func w16(_ v: X128) -> SIMD8<UInt16> { unsafeBitCast(v, to: SIMD8<UInt16>.self) }
    @inline(__always) func s16(_ v: X128) -> SIMD8<Int16> { unsafeBitCast(v, to: SIMD8<Int16>.self) }
    @inline(__always) func d32(_ v: X128) -> SIMD4<UInt32> { unsafeBitCast(v, to: SIMD4<UInt32>.self) }
    @inline(__always) func sd32(_ v: X128) -> SIMD4<Int32> { unsafeBitCast(v, to: SIMD4<Int32>.self) }
    @inline(__always) func x<T: SIMD>(_ v: T) -> X128 { unsafeBitCast(v, to: X128.self) }

    // MARK: Floating point: MXCSR rounding, flushing and exception flags

    @inline(__always)
    func quiet(_ v: Double) -> Double { Double(bitPattern: v.bitPattern | (1 << 51)) }
    @inline(__always)
    func quiet(_ v: Float) -> Float { Float(bitPattern: v.bitPattern | (1 << 22)) }

    /// MXCSR as CHostFP control bits: RC (SDM Vol. 1 §10.2.3.1; CHostFP orders
    /// up/down the other way round), DAZ as input flushing, and FTZ as output
    /// flushing that also raises PE. FTZ applies only while UE is masked (§10.2.3.3).
    @inline(__always)
    var sseControl: UInt32 {
        let m = mxcsr
        let rc = (m >> 13) & 3
        var c = ((rc & 1) << 1) | (rc >> 1)
        if m & MXCSR.daz != 0 { c |= SSEControl.flushInputs }
        if m & (MXCSR.ftz | MXCSR.underflowMask) == MXCSR.ftz | MXCSR.underflowMask { c |= SSEControl.flushOutputs }
        return c
    }

    /// CHostFP exception flags as MXCSR bits 0–5: invalid → IE (bit 0), divide-by-zero,
    /// overflow, underflow, inexact → ZE, OE, UE, PE (bits 2–5). CHostFP's input-denormal
    /// flag (DAZ flushed an input) is dropped: x86 reports DE only without DAZ, computed here.
    @inline(__always)
    func mxcsrFlags(_ h: UInt32) -> UInt32 { (h & 1) | ((h & 0x1E) << 1) }

    /// Is `v` a denormal operand that raises DE (SDM Vol. 1 §11.5.2.2: only without DAZ)?
    @inline(__always)
    func raisesDenormal<F: SSEFloat>(_ v: F, _ control: UInt32) -> Bool {
        control & SSEControl.flushInputs == 0 && v.isSubnormal
    }

    /// `v`, or a zero of its sign when DAZ replaces denormal inputs.
    @inline(__always)
    func flushedInput<F: SSEFloat>(_ v: F, _ control: UInt32) -> F {
        control & SSEControl.flushInputs != 0 && v.isSubnormal ? (v.sign == .minus ? -F.zero : F.zero) : v
    }

    /// ADD/SUB/MUL/DIV (`k` 0–3) and MIN/MAX (4–5) on one lane (SDM Vol. 1 §4.8.3.5
    /// and table 4-7 for NaN operands; Vol. 3A table 6-8 for priorities). A NaN
    /// operand suppresses DE, and so do IE and ZE of the same lane: measured on an
    /// x86-64 host, denormal/0 raises ZE alone and sqrt(-denormal) IE alone.
    @inline(__always)
    func sseArithmetic<F: SSEFloat>(_ k: Int, _ a: F, _ b: F, _ control: UInt32, _ flags: inout UInt32) -> F {
        if k >= 4 { return sseMinMax(k == 5, a, b, control, &flags) }
        if a.isNaN || b.isNaN {
            if a.isSignalingNaN || b.isSignalingNaN { flags |= MXCSR.ie }
            return a.isNaN ? a.quieted : b.quieted
        }
        let denormal = raisesDenormal(a, control) || raisesDenormal(b, control)
        var h: UInt32 = 0
        let r = F.host(k, a, b, control, &h)
        flags |= mxcsrFlags(h) | (denormal && h & SSEControl.invalidOrDivideByZero == 0 ? MXCSR.de : 0)
        return r.isNaN ? F.x86DefaultNaN : r
    }

    /// MINSS/MAXSS…: any NaN operand raises IE and returns the second operand, as
    /// do equal operands (±0 included): `src1 < src2 ? src1 : src2` (SDM Vol. 2 MINSD).
    @inline(__always)
    func sseMinMax<F: SSEFloat>(_ max: Bool, _ a: F, _ b: F, _ control: UInt32, _ flags: inout UInt32) -> F {
        if a.isNaN || b.isNaN { flags |= MXCSR.ie; return b }
        if raisesDenormal(a, control) || raisesDenormal(b, control) { flags |= MXCSR.de }
        let p = flushedInput(a, control), q = flushedInput(b, control)
        return max ? (p > q ? p : q) : (p < q ? p : q)
    }

    /// Packed ADD/SUB/MUL/DIV (`op` 0–3) or SQRT (`op` 4, of `a`) on `n` lanes: one
    /// host mode switch for all lanes when none has a NaN or a DE-raising denormal
    /// operand (then the lanes' flags need no per-lane precedence), else lane by lane.
    @inline(__always)
    func ssePacked<F: SSEFloat>(_ op: Int, _ a: SIMD4<F>, _ b: SIMD4<F>, lanes n: Int, _ control: UInt32,
                                _ flags: inout UInt32) -> SIMD4<F> {
        var simple = true
        for i in 0..<n {
            if a[i].isNaN || raisesDenormal(a[i], control) { simple = false }
            if op != 4 && (b[i].isNaN || raisesDenormal(b[i], control)) { simple = false }
        }
        if simple {
            var x = a, y = b, r = SIMD4<F>()
            var h: UInt32 = 0
            let ok = withUnsafePointer(to: &x) { px in
                withUnsafePointer(to: &y) { py in
                    withUnsafeMutablePointer(to: &r) { pr in
                        F.hostLanes(Int32(op), UnsafeRawPointer(px).assumingMemoryBound(to: F.self),
                                    UnsafeRawPointer(py).assumingMemoryBound(to: F.self),
                                    UnsafeMutableRawPointer(pr).assumingMemoryBound(to: F.self), Int32(n), control, &h)
                    }
                }
            }
            if ok != 0 {
                flags |= mxcsrFlags(h)
                for i in 0..<n where r[i].isNaN { r[i] = F.x86DefaultNaN }
                return r
            }
        }
        var r = SIMD4<F>()
        for i in 0..<n { r[i] = op == 4 ? sseSquareRoot(a[i], control, &flags) : sseArithmetic(op, a[i], b[i], control, &flags) }
        return r
    }

    @inline(__always)
    func sseSquareRoot<F: SSEFloat>(_ a: F, _ control: UInt32, _ flags: inout UInt32) -> F {
        if a.isNaN {
            if a.isSignalingNaN { flags |= MXCSR.ie }
            return a.quieted
        }
        let denormal = raisesDenormal(a, control)
        var h: UInt32 = 0
        let r = F.hostSquareRoot(a, control, &h)
        flags |= mxcsrFlags(h) | (denormal && h & SSEControl.invalidOrDivideByZero == 0 ? MXCSR.de : 0)
        return r.isNaN ? F.x86DefaultNaN : r
    }

    /// CMPPS/CMPSS predicate `p` (0–7). LT, LE, NLT and NLE (1, 2, 5, 6) signal IE
    /// for any NaN operand, EQ, UNORD, NEQ and ORD only for a signalling NaN
    /// (SDM Vol. 2 CMPPS, table 3-1).
    @inline(__always)
    func sseCompare<F: SSEFloat>(_ p: UInt64, _ a: F, _ b: F, _ control: UInt32, _ flags: inout UInt32) -> Bool {
        let unordered = a.isNaN || b.isNaN
        if unordered {
            if p & 3 == 1 || p & 3 == 2 || a.isSignalingNaN || b.isSignalingNaN { flags |= MXCSR.ie }
        } else if raisesDenormal(a, control) || raisesDenormal(b, control) {
            flags |= MXCSR.de
        }
        let x = flushedInput(a, control), y = flushedInput(b, control)
        switch p & 7 {
        case 0: return !unordered && x == y
        case 1: return !unordered && x < y
        case 2: return !unordered && x <= y
        case 3: return unordered
        case 4: return unordered || x != y
        case 5: return unordered || !(x < y)
        case 6: return unordered || !(x <= y)
        default: return !unordered
        }
    }

    /// COMISS/COMISD (`signalsOnQNaN`) and UCOMISS/UCOMISD: ZF, PF, CF.
    @inline(__always)
    func sseOrderedCompare<F: SSEFloat>(_ signalsOnQNaN: Bool, _ a: F, _ b: F, _ control: UInt32, _ flags: inout UInt32) -> UInt64 {
        if a.isNaN || b.isNaN {
            if signalsOnQNaN || a.isSignalingNaN || b.isSignalingNaN { flags |= MXCSR.ie }
            return RFlags.zf | RFlags.pf | RFlags.cf
        }
        if raisesDenormal(a, control) || raisesDenormal(b, control) { flags |= MXCSR.de }
        let x = flushedInput(a, control), y = flushedInput(b, control)
        return x < y ? RFlags.cf : x == y ? RFlags.zf : 0
    }

    /// MXCSR.RC as a Swift rounding rule.
    var roundingRule: FloatingPointRoundingRule {
        switch (mxcsr >> 13) & 3 {
        case 0: return .toNearestOrEven
        case 1: return .down
        case 2: return .up
        default: return .towardZero
        }
    }

    /// CVT(T)SS2SI, CVT(T)SD2SI, CVT(T)PS2DQ, CVT(T)PD2DQ: a signed integer of
    /// `size` bytes. NaN or out of range gives the integer indefinite value and IE;
    /// an inexact conversion raises PE. No DE (SDM Vol. 2: "Invalid, Precision").
    @inline(__always)
    func sseToInteger<F: SSEFloat>(_ value: F, size: UInt8, truncate: Bool, _ control: UInt32, _ flags: inout UInt32) -> UInt64 {
        let v = Double(flushedInput(value, control))
        let r = truncate ? v.rounded(.towardZero) : v.rounded(roundingRule)
        if size == 8 {
            guard r >= -9_223_372_036_854_775_808.0 && r < 9_223_372_036_854_775_808.0 else { flags |= MXCSR.ie; return 1 << 63 }
            if r != v { flags |= MXCSR.pe }
            return UInt64(bitPattern: Int64(r))
        }
        guard r >= -2_147_483_648.0 && r <= 2_147_483_647.0 else { flags |= MXCSR.ie; return 0x8000_0000 }
        if r != v { flags |= MXCSR.pe }
        return UInt64(UInt32(bitPattern: Int32(r)))
    }

    /// CVTSS2SD/CVTPS2PD: exact; IE for a signalling NaN, DE for a denormal input.
    @inline(__always)
    func sseWiden(_ f: Float, _ control: UInt32, _ flags: inout UInt32) -> Double {
        if f.isNaN {
            if f.isSignalingNaN { flags |= MXCSR.ie }
            return Double(quiet(f))
        }
        if raisesDenormal(f, control) { flags |= MXCSR.de }
        var h: UInt32 = 0
        let r = chfp_f32_to_f64(f, control, &h)
        flags |= mxcsrFlags(h)
        return r
    }

    /// CVTSD2SS/CVTPD2PS: rounded per RC with OE, UE (FTZ), PE.
    @inline(__always)
    func sseNarrow(_ v: Double, _ control: UInt32, _ flags: inout UInt32) -> Float {
        if v.isNaN {
            if v.isSignalingNaN { flags |= MXCSR.ie }
            return Float(quiet(v))
        }
        if raisesDenormal(v, control) { flags |= MXCSR.de }
        var h: UInt32 = 0
        let r = chfp_f64_to_f32(v, control, &h)
        flags |= mxcsrFlags(h)
        return r
    }

    /// ORs `flags` into MXCSR; an unmasked one raises #XM (CR4.OSXMMEXCPT) or #UD
    /// before the destination is written (SDM Vol. 1 §11.5.1, Vol. 3A §6.15 vector 19).
    @inline(__always)
    func accumulateSSEExceptions(_ flags: UInt32) throws(X86Fault) {
        guard flags != 0 else { return }
        let m = mxcsr | flags
        mxcsr = m
        if flags & ~(m >> 7) & 0x3F != 0 { try unmaskedSSEException() }
    }

    @inline(never)
    func unmaskedSSEException() throws(X86Fault) {
        throw cr4 & (1 << 10) != 0 ? X86Fault(vector: X86Vector.xm) : X86Fault.ud
    }

    /// 0 add, 1 sub, 2 mul, 3 div, 4 min, 5 max, from the enum's paired layout.
    @inline(__always)
    func arithmeticIndex(_ op: SSEOp, base: SSEOp) -> Int {
        let n = Int(op.rawValue - base.rawValue) / 2
        return n < 4 ? n : n - 1
    }

    // MARK: Execution

    func execSSE(_ i: DecodedInstruction) throws(X86Fault) {
        try checkSSE()
        // `sub` holds an `SSEOp` raw value by construction (the opcode maps).
        let op = unsafeBitCast(i.sub, to: SSEOp.self)
        let d = i.reg
        switch op {
        case .movaLoad, .movuLoad: setXR(d, try sourceX(i, op))
        case .movaStore, .movuStore:
            if i.rm != DecodedInstruction.memory { setXR(i.rm, xr(d)) } else { try storeX(i, xr(d), aligned: op == .movaStore) }
        case .movssLoad:
            if i.rm != DecodedInstruction.memory { setXR(d, X128((xr(d)[0] & ~0xFFFF_FFFF) | (xr(i.rm)[0] & 0xFFFF_FFFF), xr(d)[1])) }
            else { setXR(d, X128(try read(effectiveAddress(i), 4), 0)) }
        case .movsdLoad:
            if i.rm != DecodedInstruction.memory { setXR(d, X128(xr(i.rm)[0], xr(d)[1])) }
            else { setXR(d, X128(try read(effectiveAddress(i), 8), 0)) }
        case .movssStore:
            if i.rm != DecodedInstruction.memory { let t = xr(i.rm); setXR(i.rm, X128((t[0] & ~0xFFFF_FFFF) | (xr(d)[0] & 0xFFFF_FFFF), t[1])) }
            else { try write(effectiveAddress(i), 4, xr(d)[0]) }
        case .movsdStore:
            if i.rm != DecodedInstruction.memory { setXR(i.rm, X128(xr(d)[0], xr(i.rm)[1])) }
            else { try write(effectiveAddress(i), 8, xr(d)[0]) }
        case .movqLoad: setXR(d, X128(try sourceX(i, op)[0], 0))
        case .movqStore:
            if i.rm != DecodedInstruction.memory { setXR(i.rm, X128(xr(d)[0], 0)) } else { try write(effectiveAddress(i), 8, xr(d)[0]) }
        case .movdToXMM: setXR(d, X128(try readRM(i), 0))
        case .movdFromXMM: try writeRM(i, xr(d)[0] & sizeMask(i.size))
        case .movlpLoad: setXR(d, X128(try read(effectiveAddress(i), 8), xr(d)[1]))
        case .movlpStore: try write(effectiveAddress(i), 8, xr(d)[0])
        case .movhpLoad: setXR(d, X128(xr(d)[0], try read(effectiveAddress(i), 8)))
        case .movhpStore: try write(effectiveAddress(i), 8, xr(d)[1])
        case .movhlps: setXR(d, X128(xr(i.rm)[1], xr(d)[1]))
        case .movlhps: setXR(d, X128(xr(d)[0], xr(i.rm)[0]))
        case .pmovmskb:
            let v = b8(xr(i.rm))
            var m: UInt64 = 0
            for k in 0..<16 where v[k] & 0x80 != 0 { m |= 1 << UInt64(k) }
            writeReg(d, 4, m)
        case .movmskps:
            let v = d32(xr(i.rm))
            var m: UInt64 = 0
            for k in 0..<4 where v[k] >> 31 != 0 { m |= 1 << UInt64(k) }
            writeReg(d, 4, m)
        case .movmskpd:
            let v = xr(i.rm)
            writeReg(d, 4, (v[0] >> 63) | ((v[1] >> 63) << 1))
        case .pextrw:
            writeReg(d, 4, UInt64(w16(xr(i.rm))[Int(i.imm & 7)]))
        case .pinsrw:
            var v = w16(xr(d))
            v[Int(i.imm & 7)] = UInt16(truncatingIfNeeded: try readRM(i, size: i.rm == DecodedInstruction.memory ? 2 : 4))
            setXR(d, x(v))
        default:
            if op.rawValue >= SSEOp.addss.rawValue { try execSSEFloat(i, op) } else { try execSSEInteger(i, op) }
        }
    }

    /// Packed-integer operations (SSE2).
    func execSSEInteger(_ i: DecodedInstruction, _ op: SSEOp) throws(X86Fault) {
        let d = i.reg
        let isImmShift = op.rawValue >= SSEOp.psrlwImm.rawValue && op.rawValue <= SSEOp.pslldqImm.rawValue
        let a = isImmShift ? xr(i.rm) : xr(d)
        // Register sources are read here: `sourceX` stays out of line in this function.
        let b = isImmShift ? X128(i.imm & 0xFF, 0)
            : i.rm != DecodedInstruction.memory ? xr(i.rm) : try sourceX(i, op)
        let r: X128
        switch op {
        case .pand: r = a & b
        case .pandn: r = ~a & b
        case .por: r = a | b
        case .pxor: r = a ^ b
        case .pcmpeqb: r = x(SIMD16<UInt8>(repeating: 0).replacing(with: 0xFF, where: b8(a) .== b8(b)))
        case .pcmpeqw: r = x(SIMD8<UInt16>(repeating: 0).replacing(with: 0xFFFF, where: w16(a) .== w16(b)))
        case .pcmpeqd: r = x(SIMD4<UInt32>(repeating: 0).replacing(with: .max, where: d32(a) .== d32(b)))
        case .pcmpgtb: r = x(SIMD16<UInt8>(repeating: 0).replacing(with: 0xFF, where: s8(a) .> s8(b)))
        case .pcmpgtw: r = x(SIMD8<UInt16>(repeating: 0).replacing(with: 0xFFFF, where: s16(a) .> s16(b)))
        case .pcmpgtd: r = x(SIMD4<UInt32>(repeating: 0).replacing(with: .max, where: sd32(a) .> sd32(b)))
        case .paddb: r = x(b8(a) &+ b8(b))
        case .paddw: r = x(w16(a) &+ w16(b))
        case .paddd: r = x(d32(a) &+ d32(b))
        case .paddq: r = a &+ b
        case .psubb: r = x(b8(a) &- b8(b))
        case .psubw: r = x(w16(a) &- w16(b))
        case .psubd: r = x(d32(a) &- d32(b))
        case .psubq: r = a &- b
        case .paddusb:
            let s = SIMD16<UInt16>(truncatingIfNeeded: b8(a)) &+ SIMD16<UInt16>(truncatingIfNeeded: b8(b))
            r = x(SIMD16<UInt8>(truncatingIfNeeded: s.replacing(with: 0xFF, where: s .> 0xFF)))
        case .paddusw:
            let s = SIMD8<UInt32>(truncatingIfNeeded: w16(a)) &+ SIMD8<UInt32>(truncatingIfNeeded: w16(b))
            r = x(SIMD8<UInt16>(truncatingIfNeeded: s.replacing(with: 0xFFFF, where: s .> 0xFFFF)))
        case .psubusb:
            let (p, q) = (b8(a), b8(b))
            r = x((p &- q).replacing(with: 0, where: q .> p))
        case .psubusw:
            let (p, q) = (w16(a), w16(b))
            r = x((p &- q).replacing(with: 0, where: q .> p))
        case .paddsb, .psubsb:
            var s = SIMD16<Int16>(truncatingIfNeeded: s8(a))
            let t = SIMD16<Int16>(truncatingIfNeeded: s8(b))
            s = op == .paddsb ? s &+ t : s &- t
            s = s.clamped(lowerBound: SIMD16(repeating: -128), upperBound: SIMD16(repeating: 127))
            r = x(SIMD16<Int8>(truncatingIfNeeded: s))
        case .paddsw, .psubsw:
            var s = SIMD8<Int32>(truncatingIfNeeded: s16(a))
            let t = SIMD8<Int32>(truncatingIfNeeded: s16(b))
            s = op == .paddsw ? s &+ t : s &- t
            s = s.clamped(lowerBound: SIMD8(repeating: -32768), upperBound: SIMD8(repeating: 32767))
            r = x(SIMD8<Int16>(truncatingIfNeeded: s))
        case .pminub: r = x(pointwiseMin(b8(a), b8(b)))
        case .pmaxub: r = x(pointwiseMax(b8(a), b8(b)))
        case .pminsw: r = x(pointwiseMin(s16(a), s16(b)))
        case .pmaxsw: r = x(pointwiseMax(s16(a), s16(b)))
        case .pavgb:
            let s = (SIMD16<UInt16>(truncatingIfNeeded: b8(a)) &+ SIMD16<UInt16>(truncatingIfNeeded: b8(b)) &+ 1) &>> 1
            r = x(SIMD16<UInt8>(truncatingIfNeeded: s))
        case .pavgw:
            let s = (SIMD8<UInt32>(truncatingIfNeeded: w16(a)) &+ SIMD8<UInt32>(truncatingIfNeeded: w16(b)) &+ 1) &>> 1
            r = x(SIMD8<UInt16>(truncatingIfNeeded: s))
        case .pmullw: r = x(w16(a) &* w16(b))
        case .pmulhw:
            let p = SIMD8<Int32>(truncatingIfNeeded: s16(a)) &* SIMD8<Int32>(truncatingIfNeeded: s16(b))
            r = x(SIMD8<Int16>(truncatingIfNeeded: p &>> 16))
        case .pmulhuw:
            let p = SIMD8<UInt32>(truncatingIfNeeded: w16(a)) &* SIMD8<UInt32>(truncatingIfNeeded: w16(b))
            r = x(SIMD8<UInt16>(truncatingIfNeeded: p &>> 16))
        case .pmuludq: r = pmuludq(a, b)
        case .pmaddwd:
            let p = SIMD8<Int32>(truncatingIfNeeded: s16(a)) &* SIMD8<Int32>(truncatingIfNeeded: s16(b))
            r = x(SIMD4<Int32>(p[0] &+ p[1], p[2] &+ p[3], p[4] &+ p[5], p[6] &+ p[7]))
        case .psadbw:
            let p = b8(a), q = b8(b)
            var lo: UInt64 = 0, hi: UInt64 = 0
            for k in 0..<8 { lo += UInt64(p[k] > q[k] ? p[k] - q[k] : q[k] - p[k]) }
            for k in 8..<16 { hi += UInt64(p[k] > q[k] ? p[k] - q[k] : q[k] - p[k]) }
            r = X128(lo, hi)
        case .pshufd: r = pshufd(b, i.imm)
        case .pshuflw, .pshufhw:
            var v = w16(b)
            let base = op == .pshuflw ? 0 : 4
            let src = v
            for k in 0..<4 { v[base + k] = src[base + Int((i.imm >> (2 * UInt64(k))) & 3)] }
            r = x(v)
        case .shufps:
            let p = d32(a), q = d32(b), n = i.imm
            r = x(SIMD4<UInt32>(p[Int(n & 3)], p[Int((n >> 2) & 3)], q[Int((n >> 4) & 3)], q[Int((n >> 6) & 3)]))
        case .shufpd: r = X128(a[Int(i.imm & 1)], b[Int((i.imm >> 1) & 1)])
        case .punpcklbw, .punpckhbw:
            let p = b8(a), q = b8(b), o = op == .punpcklbw ? 0 : 8
            var v = SIMD16<UInt8>()
            for k in 0..<8 { v[2 * k] = p[o + k]; v[2 * k + 1] = q[o + k] }
            r = x(v)
        case .punpcklwd, .punpckhwd:
            let p = w16(a), q = w16(b), o = op == .punpcklwd ? 0 : 4
            var v = SIMD8<UInt16>()
            for k in 0..<4 { v[2 * k] = p[o + k]; v[2 * k + 1] = q[o + k] }
            r = x(v)
        case .punpckldq: let p = d32(a), q = d32(b); r = x(SIMD4<UInt32>(p[0], q[0], p[1], q[1]))
        case .punpckhdq: let p = d32(a), q = d32(b); r = x(SIMD4<UInt32>(p[2], q[2], p[3], q[3]))
        case .punpcklqdq: r = X128(a[0], b[0])
        case .punpckhqdq: r = X128(a[1], b[1])
        case .packsswb, .packuswb:
            let p = s16(a), q = s16(b)
            var v = SIMD16<UInt8>()
            for k in 0..<16 {
                let w = Int32(k < 8 ? p[k] : q[k - 8])
                if op == .packsswb { v[k] = UInt8(bitPattern: Int8(max(-128, min(127, w)))) }
                else { v[k] = UInt8(max(0, min(255, w))) }
            }
            r = x(v)
        case .packssdw:
            let p = sd32(a), q = sd32(b)
            var v = SIMD8<Int16>()
            for k in 0..<8 { v[k] = Int16(max(-32768, min(32767, k < 4 ? p[k] : q[k - 4]))) }
            r = x(v)
        case .psrlw, .psrlwImm, .psraw, .psrawImm, .psllw, .psllwImm:
            let c = b[0] > 15 ? 16 : b[0]
            let v = w16(a)
            switch op {
            case .psrlw, .psrlwImm: r = c > 15 ? X128(0, 0) : x(v &>> UInt16(c))
            case .psllw, .psllwImm: r = c > 15 ? X128(0, 0) : x(v &<< UInt16(c))
            default: r = x(s16(a) &>> Int16(min(c, 15)))
            }
        case .psrld, .psrldImm, .psrad, .psradImm, .pslld, .pslldImm:
            let c = b[0] > 31 ? 32 : b[0]
            let v = d32(a)
            switch op {
            case .psrld, .psrldImm: r = c > 31 ? X128(0, 0) : x(v &>> UInt32(c))
            case .pslld, .pslldImm: r = c > 31 ? X128(0, 0) : x(v &<< UInt32(c))
            default: r = x(sd32(a) &>> Int32(min(c, 31)))
            }
        case .psrlq, .psrlqImm: r = b[0] > 63 ? X128(0, 0) : a &>> b[0]
        case .psllq, .psllqImm: r = b[0] > 63 ? X128(0, 0) : a &<< b[0]
        case .psrldqImm, .pslldqImm:
            let c = Int(min(b[0], 16))
            let p = b8(a)
            var v = SIMD16<UInt8>()
            for k in 0..<16 {
                let s = op == .psrldqImm ? k + c : k - c
                if s >= 0 && s < 16 { v[k] = p[s] }
            }
            r = x(v)
        default: throw X86Fault.ud
        }
        setXR(isImmShift ? i.rm : d, r)
    }

    /// Floating-point arithmetic, comparisons and conversions. Each case computes
    /// its result and MXCSR flags first; `accumulateSSEExceptions` may fault before
    /// anything is written.
    func execSSEFloat(_ i: DecodedInstruction, _ op: SSEOp) throws(X86Fault) {
        let d = i.reg
        let a = xr(d)
        let control = sseControl
        var fl: UInt32 = 0
        @inline(__always) func lowF(_ v: UInt64) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: v)) }
        @inline(__always) func withLowF(_ v: X128, _ f: Float) -> X128 { X128((v[0] & ~0xFFFF_FFFF) | UInt64(f.bitPattern), v[1]) }
        @inline(__always) func dbl(_ v: UInt64) -> Double { Double(bitPattern: v) }
        let r: X128
        switch op {
        case .addss, .subss, .mulss, .divss, .minss, .maxss:
            let b = try sourceX(i, op)
            let k = arithmeticIndex(op, base: .addss)
            r = withLowF(a, sseArithmetic(k, lowF(a[0]), lowF(b[0]), control, &fl))
        case .addsd, .subsd, .mulsd, .divsd, .minsd, .maxsd:
            let b = try sourceX(i, op)
            let k = arithmeticIndex(op, base: .addsd)
            r = X128(sseArithmetic(k, dbl(a[0]), dbl(b[0]), control, &fl).bitPattern, a[1])
        case .addps, .subps, .mulps, .divps, .minps, .maxps:
            let b = d32(try sourceX(i, op)), p = d32(a)
            let k = arithmeticIndex(op, base: .addps)
            if k < 4 {
                r = x(ssePacked(k, unsafeBitCast(p, to: SIMD4<Float>.self), unsafeBitCast(b, to: SIMD4<Float>.self), lanes: 4, control, &fl))
            } else {
                var v = SIMD4<UInt32>()
                for n in 0..<4 { v[n] = sseMinMax(k == 5, Float(bitPattern: p[n]), Float(bitPattern: b[n]), control, &fl).bitPattern }
                r = x(v)
            }
        case .addpd, .subpd, .mulpd, .divpd, .minpd, .maxpd:
            let b = try sourceX(i, op)
            let k = arithmeticIndex(op, base: .addpd)
            if k < 4 {
                let v = ssePacked(k, SIMD4(dbl(a[0]), dbl(a[1]), 0, 0), SIMD4(dbl(b[0]), dbl(b[1]), 0, 0), lanes: 2, control, &fl)
                r = X128(v[0].bitPattern, v[1].bitPattern)
            } else {
                r = X128(sseMinMax(k == 5, dbl(a[0]), dbl(b[0]), control, &fl).bitPattern,
                         sseMinMax(k == 5, dbl(a[1]), dbl(b[1]), control, &fl).bitPattern)
            }
        case .sqrtss: let b = try sourceX(i, op); r = withLowF(a, sseSquareRoot(lowF(b[0]), control, &fl))
        case .sqrtsd: let b = try sourceX(i, op); r = X128(sseSquareRoot(dbl(b[0]), control, &fl).bitPattern, a[1])
        case .sqrtps:
            let b = unsafeBitCast(d32(try sourceX(i, op)), to: SIMD4<Float>.self)
            r = x(ssePacked(4, b, b, lanes: 4, control, &fl))
        case .sqrtpd:
            let b = try sourceX(i, op)
            let v = SIMD4(dbl(b[0]), dbl(b[1]), 0, 0)
            let q = ssePacked(4, v, v, lanes: 2, control, &fl)
            r = X128(q[0].bitPattern, q[1].bitPattern)
        case .cmpss:
            let b = try sourceX(i, op)
            r = X128((a[0] & ~0xFFFF_FFFF) | (sseCompare(i.imm, lowF(a[0]), lowF(b[0]), control, &fl) ? 0xFFFF_FFFF : 0), a[1])
        case .cmpsd:
            let b = try sourceX(i, op)
            r = X128(sseCompare(i.imm, dbl(a[0]), dbl(b[0]), control, &fl) ? .max : 0, a[1])
        case .cmpps:
            let b = d32(try sourceX(i, op)), p = d32(a)
            var v = SIMD4<UInt32>()
            for n in 0..<4 { v[n] = sseCompare(i.imm, Float(bitPattern: p[n]), Float(bitPattern: b[n]), control, &fl) ? .max : 0 }
            r = x(v)
        case .cmppd:
            let b = try sourceX(i, op)
            r = X128(sseCompare(i.imm, dbl(a[0]), dbl(b[0]), control, &fl) ? .max : 0,
                     sseCompare(i.imm, dbl(a[1]), dbl(b[1]), control, &fl) ? .max : 0)
        case .ucomiss, .comiss:
            let b = try sourceX(i, op)
            let f = sseOrderedCompare(op == .comiss, lowF(a[0]), lowF(b[0]), control, &fl)
            try accumulateSSEExceptions(fl)
            setArithmeticFlags(f)
            return
        case .ucomisd, .comisd:
            let b = try sourceX(i, op)
            let f = sseOrderedCompare(op == .comisd, dbl(a[0]), dbl(b[0]), control, &fl)
            try accumulateSSEExceptions(fl)
            setArithmeticFlags(f)
            return
        case .cvtsi2sd:
            let v = Int64(bitPattern: signExtend(try readRM(i), i.size))
            var h: UInt32 = 0
            r = X128(chfp_i64_to_f64(v, control, &h).bitPattern, a[1])
            fl = mxcsrFlags(h)
        case .cvtsi2ss:
            let v = Int64(bitPattern: signExtend(try readRM(i), i.size))
            var h: UInt32 = 0
            r = withLowF(a, chfp_i64_to_f32(v, control, &h))
            fl = mxcsrFlags(h)
        case .cvttsd2si, .cvtsd2si, .cvttss2si, .cvtss2si:
            let b = try sourceX(i, op)
            let v = op == .cvttsd2si || op == .cvtsd2si
                ? sseToInteger(dbl(b[0]), size: i.size, truncate: op == .cvttsd2si, control, &fl)
                : sseToInteger(lowF(b[0]), size: i.size, truncate: op == .cvttss2si, control, &fl)
            try accumulateSSEExceptions(fl)
            writeReg(d, i.size, v)
            return
        case .cvtss2sd:
            let b = try sourceX(i, op)
            r = X128(sseWiden(lowF(b[0]), control, &fl).bitPattern, a[1])
        case .cvtsd2ss:
            let b = try sourceX(i, op)
            r = withLowF(a, sseNarrow(dbl(b[0]), control, &fl))
        case .cvtdq2pd:
            let b = sd32(try sourceX(i, op))
            r = X128(Double(b[0]).bitPattern, Double(b[1]).bitPattern)
        case .cvtdq2ps:
            let b = sd32(try sourceX(i, op))
            var h: UInt32 = 0
            var v = SIMD4<UInt32>()
            for n in 0..<4 { v[n] = chfp_i64_to_f32(Int64(b[n]), control, &h).bitPattern }
            fl = mxcsrFlags(h)
            r = x(v)
        case .cvtps2dq, .cvttps2dq:
            let b = d32(try sourceX(i, op))
            var v = SIMD4<UInt32>()
            for n in 0..<4 {
                v[n] = UInt32(truncatingIfNeeded: sseToInteger(Float(bitPattern: b[n]), size: 4, truncate: op == .cvttps2dq, control, &fl))
            }
            r = x(v)
        case .cvtps2pd:
            let b = d32(try sourceX(i, op))
            r = X128(sseWiden(Float(bitPattern: b[0]), control, &fl).bitPattern, sseWiden(Float(bitPattern: b[1]), control, &fl).bitPattern)
        case .cvtpd2ps:
            let b = try sourceX(i, op)
            let f0 = sseNarrow(dbl(b[0]), control, &fl), f1 = sseNarrow(dbl(b[1]), control, &fl)
            r = X128(UInt64(f0.bitPattern) | UInt64(f1.bitPattern) << 32, 0)
        case .cvttpd2dq, .cvtpd2dq:
            let b = try sourceX(i, op)
            let lo = sseToInteger(dbl(b[0]), size: 4, truncate: op == .cvttpd2dq, control, &fl)
            let hi = sseToInteger(dbl(b[1]), size: 4, truncate: op == .cvttpd2dq, control, &fl)
            r = X128(lo | hi << 32, 0)
        default: throw X86Fault.ud
        }
        try accumulateSSEExceptions(fl)
        setXR(d, r)
    }
}

/// MXCSR fields (SDM Vol. 1 §10.2.3, figure 10-3).
enum MXCSR {
    /// Exception flags, bits 0–5: invalid operation, denormal operand, divide by zero,
    /// overflow, underflow, precision. The masks are the same bits shifted left by 7.
    static let ie: UInt32 = 1 << 0, de: UInt32 = 1 << 1, ze: UInt32 = 1 << 2
    static let oe: UInt32 = 1 << 3, ue: UInt32 = 1 << 4, pe: UInt32 = 1 << 5
    /// Denormals are zeros.
    static let daz: UInt32 = 1 << 6
    /// Underflow mask (UM).
    static let underflowMask: UInt32 = 1 << 11
    /// Flush to zero.
    static let ftz: UInt32 = 1 << 15
}

/// CHostFP control bits as used by the SSE unit (tininess after rounding, the default).
enum SSEControl {
    static let flushInputs = UInt32(CHFP_FLUSH_INPUTS)
    static let flushOutputs = UInt32(CHFP_FLUSH_OUTPUTS) | UInt32(CHFP_FLUSH_RAISES_INEXACT)
    /// Pre-computation exceptions that take precedence over DE in a lane.
    static let invalidOrDivideByZero = UInt32(CHFP_INVALID) | UInt32(CHFP_DIVBYZERO)
}

/// The two SSE formats with their CHostFP operations, so each x86 rule is written once.
protocol SSEFloat: BinaryFloatingPoint, SIMDScalar {
    /// The QNaN floating-point indefinite (SDM Vol. 1 table 4-3): negative, quiet, zero payload.
    static var x86DefaultNaN: Self { get }
    /// `k`: 0 add, 1 sub, 2 mul, 3 div, rounded and flushed per `control`.
    static func host(_ k: Int, _ a: Self, _ b: Self, _ control: UInt32, _ flags: inout UInt32) -> Self
    static func hostSquareRoot(_ a: Self, _ control: UInt32, _ flags: inout UInt32) -> Self
    /// `n` lanes under one mode switch (`chfp_f32_lanes`/`chfp_f64_lanes`); 0 when a lane needs the single path.
    static func hostLanes(_ op: Int32, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ r: UnsafeMutablePointer<Self>,
                          _ n: Int32, _ control: UInt32, _ flags: inout UInt32) -> Int32
    /// The NaN with its quiet bit set.
    var quieted: Self { get }
}

extension Double: SSEFloat {
    static var x86DefaultNaN: Double { Double(bitPattern: 0xFFF8_0000_0000_0000) }
    @inline(__always)
    static func host(_ k: Int, _ a: Double, _ b: Double, _ control: UInt32, _ flags: inout UInt32) -> Double {
        switch k {
        case 0: return chfp_f64_add(a, b, control, &flags)
        case 1: return chfp_f64_sub(a, b, control, &flags)
        case 2: return chfp_f64_mul(a, b, control, &flags)
        default: return chfp_f64_div(a, b, control, &flags)
        }
    }
    @inline(__always)
    static func hostSquareRoot(_ a: Double, _ control: UInt32, _ flags: inout UInt32) -> Double { chfp_f64_sqrt(a, control, &flags) }
    @inline(__always)
    static func hostLanes(_ op: Int32, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>,
                          _ n: Int32, _ control: UInt32, _ flags: inout UInt32) -> Int32 {
        chfp_f64_lanes(op, a, b, r, n, control, &flags)
    }
    var quieted: Double { Double(bitPattern: bitPattern | (1 << 51)) }
}

extension Float: SSEFloat {
    static var x86DefaultNaN: Float { Float(bitPattern: 0xFFC0_0000) }
    @inline(__always)
    static func host(_ k: Int, _ a: Float, _ b: Float, _ control: UInt32, _ flags: inout UInt32) -> Float {
        switch k {
        case 0: return chfp_f32_add(a, b, control, &flags)
        case 1: return chfp_f32_sub(a, b, control, &flags)
        case 2: return chfp_f32_mul(a, b, control, &flags)
        default: return chfp_f32_div(a, b, control, &flags)
        }
    }
    @inline(__always)
    static func hostSquareRoot(_ a: Float, _ control: UInt32, _ flags: inout UInt32) -> Float { chfp_f32_sqrt(a, control, &flags) }
    @inline(__always)
    static func hostLanes(_ op: Int32, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ r: UnsafeMutablePointer<Float>,
                          _ n: Int32, _ control: UInt32, _ flags: inout UInt32) -> Int32 {
        chfp_f32_lanes(op, a, b, r, n, control, &flags)
    }
    var quieted: Float { Float(bitPattern: bitPattern | (1 << 22)) }
}
