/// Binary arithmetic (SDM Vol. 1, §7.3.2): ADD/ADC/SUB/SBB/CMP (and the
/// logic ops sharing group 1), INC/DEC/NEG, MUL/IMUL, DIV/IDIV.
extension X86CPU {
    /// Result of ALU operation `op` (group-1 order, 8 = TEST).
    @inline(__always)
    func aluResult(_ op: UInt8, _ a: UInt64, _ b: UInt64) -> UInt64 {
        switch op {
        case 0: return a &+ b
        case 1: return a | b
        case 2: return a &+ b &+ (carryFlag ? 1 : 0)
        case 3: return a &- b &- (carryFlag ? 1 : 0)
        case 4, 8: return a & b
        case 6: return a ^ b
        default: return a &- b
        }
    }

    /// Records the flags of ALU operation `op` (after any store succeeded).
    @inline(__always)
    func aluFlags(_ op: UInt8, _ size: UInt8, _ a: UInt64, _ b: UInt64, _ r: UInt64) {
        switch op {
        case 0: setLazy(LazyFlags.add, size, a, b, r)
        case 2: materializeFlags(); setLazy(LazyFlags.adc, size, a, b, r)
        case 3: materializeFlags(); setLazy(LazyFlags.sbb, size, a, b, r)
        case 5, 7: setLazy(LazyFlags.sub, size, a, b, r)
        default: setLazy(LazyFlags.logic, size, a, b, r)
        }
    }

    @inline(__always)
    func execALU(_ i: DecodedInstruction) throws(X86Fault) {
        let op = i.sub, size = i.size
        let writes = op != 7 && op != 8
        if i.form == DecodedInstruction.Form.ge {
            let a = readReg(i.reg, size)
            let b = try readRM(i)
            let r = aluResult(op, a, b)
            aluFlags(op, size, a, b, r)
            if writes { writeReg(i.reg, size, r) }
            return
        }
        let b = i.form == DecodedInstruction.Form.ei ? i.imm : readReg(i.reg, size)
        if i.rm != DecodedInstruction.memory {
            let a = readReg(i.rm, size)
            let r = aluResult(op, a, b)
            aluFlags(op, size, a, b, r)
            if writes { writeReg(i.rm, size, r) }
        } else {
            let addr = effectiveAddress(i)
            let a = try read(addr, Int(size))
            let r = aluResult(op, a, b)
            if writes { try write(addr, Int(size), r) }
            aluFlags(op, size, a, b, r)
        }
    }

    @inline(__always)
    func execIncDec(_ i: DecodedInstruction, increment: Bool) throws(X86Fault) {
        let size = i.size
        if i.rm != DecodedInstruction.memory {
            let a = readReg(i.rm, size)
            let r = increment ? a &+ 1 : a &- 1
            writeReg(i.rm, size, r)
            preserveCarryForIncDec()
            setLazy(increment ? LazyFlags.inc : LazyFlags.dec, size, a, 1, r)
        } else {
            let addr = effectiveAddress(i)
            let a = try read(addr, Int(size))
            let r = increment ? a &+ 1 : a &- 1
            try write(addr, Int(size), r)
            preserveCarryForIncDec()
            setLazy(increment ? LazyFlags.inc : LazyFlags.dec, size, a, 1, r)
        }
    }

    func execNeg(_ i: DecodedInstruction) throws(X86Fault) {
        let a = try readRM(i)
        let r = 0 &- a
        try writeRM(i, r)
        setLazy(LazyFlags.sub, i.size, 0, a, r)
    }

    /// MUL: CF = OF = upper half non-zero; SF, ZF, AF, PF undefined (set from the low half).
    func execMul(_ i: DecodedInstruction) throws(X86Fault) {
        let src = try readRM(i)
        let size = i.size
        var high: UInt64
        var low: UInt64
        switch size {
        case 1:
            let p = (gpr[0] & 0xFF) * src
            writeReg(0, 2, p)
            low = p & 0xFF; high = p >> 8
        case 2:
            let p = (gpr[0] & 0xFFFF) * src
            writeReg(0, 2, p); writeReg(2, 2, p >> 16)
            low = p & 0xFFFF; high = p >> 16
        case 4:
            let p = (gpr[0] & 0xFFFF_FFFF) * src
            writeReg(0, 4, p); writeReg(2, 4, p >> 32)
            low = p & 0xFFFF_FFFF; high = p >> 32
        default:
            let p = gpr[0].multipliedFullWidth(by: src)
            gpr[0] = p.low; gpr[2] = p.high
            low = p.low; high = p.high
        }
        setArithmeticFlags((high != 0 ? RFlags.cf | RFlags.of : 0) | szp(low, size))
    }

    /// One-operand IMUL: CF = OF = the product does not fit the low half.
    func execIMul1(_ i: DecodedInstruction) throws(X86Fault) {
        let size = i.size
        let src = Int64(bitPattern: signExtend(try readRM(i), size))
        let acc = Int64(bitPattern: signExtend(gpr[0], size))
        var overflow: Bool
        var low: UInt64
        switch size {
        case 1:
            let p = acc * src
            writeReg(0, 2, UInt64(bitPattern: p))
            overflow = p != Int64(Int8(truncatingIfNeeded: p)); low = UInt64(bitPattern: p)
        case 2:
            let p = acc * src
            writeReg(0, 2, UInt64(bitPattern: p)); writeReg(2, 2, UInt64(bitPattern: p >> 16))
            overflow = p != Int64(Int16(truncatingIfNeeded: p)); low = UInt64(bitPattern: p)
        case 4:
            let p = acc * src
            writeReg(0, 4, UInt64(bitPattern: p)); writeReg(2, 4, UInt64(bitPattern: p >> 32))
            overflow = p != Int64(Int32(truncatingIfNeeded: p)); low = UInt64(bitPattern: p)
        default:
            let p = acc.multipliedFullWidth(by: src)
            gpr[0] = p.low; gpr[2] = UInt64(bitPattern: p.high)
            overflow = p.high != (Int64(bitPattern: p.low) >> 63); low = p.low
        }
        setArithmeticFlags((overflow ? RFlags.cf | RFlags.of : 0) | szp(low, size))
    }

    /// Two- and three-operand IMUL: truncated product into the register.
    func execIMul2(_ i: DecodedInstruction) throws(X86Fault) {
        let size = i.size
        let b = Int64(bitPattern: signExtend(try readRM(i), size))
        let a = i.form == DecodedInstruction.Form.gei ? Int64(bitPattern: signExtend(i.imm, size))
                                                      : Int64(bitPattern: signExtend(readReg(i.reg, size), size))
        let p = a.multipliedFullWidth(by: b)
        let low = p.low
        let truncated = Int64(bitPattern: signExtend(low, size))
        let overflow: Bool
        if size == 8 { overflow = p.high != (Int64(bitPattern: low) >> 63) }
        else { overflow = truncated != Int64(bitPattern: low) || p.high != (Int64(bitPattern: low) >> 63) }
        writeReg(i.reg, size, low)
        setArithmeticFlags((overflow ? RFlags.cf | RFlags.of : 0) | szp(low, size))
    }

    /// DIV: #DE on a zero divisor or a quotient that does not fit. Flags undefined (unchanged).
    func execDiv(_ i: DecodedInstruction) throws(X86Fault) {
        let size = i.size
        let d = try readRM(i)
        guard d != 0 else { throw X86Fault.de }
        switch size {
        case 1:
            let n = gpr[0] & 0xFFFF
            let q = n / d
            guard q <= 0xFF else { throw X86Fault.de }
            writeReg(0, 2, q | ((n % d) << 8))
        case 2, 4:
            let bits = UInt64(size) * 8
            let mask = sizeMask(size)
            let n = ((gpr[2] & mask) << bits) | (gpr[0] & mask)
            let q = n / d
            guard q <= mask else { throw X86Fault.de }
            writeReg(0, size, q); writeReg(2, size, n % d)
        default:
            guard gpr[2] < d else { throw X86Fault.de }
            let r = d.dividingFullWidth((gpr[2], gpr[0]))
            gpr[0] = r.quotient; gpr[2] = r.remainder
        }
    }

    /// IDIV: truncating signed division; #DE on zero or overflow.
    func execIDiv(_ i: DecodedInstruction) throws(X86Fault) {
        let size = i.size
        let d = Int64(bitPattern: signExtend(try readRM(i), size))
        guard d != 0 else { throw X86Fault.de }
        switch size {
        case 1, 2, 4:
            let bits = UInt64(size) * 8
            let n: Int64
            if size == 1 { n = Int64(Int16(truncatingIfNeeded: gpr[0])) }
            else { n = Int64(bitPattern: signExtend(((gpr[2] & sizeMask(size)) << bits) | (gpr[0] & sizeMask(size)), size * 2)) }
            guard !(n == Int64.min && d == -1) else { throw X86Fault.de }
            let q = n / d, r = n % d
            let limit = Int64(1) << (bits - 1)
            guard q >= -limit && q < limit else { throw X86Fault.de }
            if size == 1 { writeReg(0, 2, (UInt64(bitPattern: q) & 0xFF) | ((UInt64(bitPattern: r) & 0xFF) << 8)) }
            else { writeReg(0, size, UInt64(bitPattern: q)); writeReg(2, size, UInt64(bitPattern: r)) }
        default:
            // 128 / 64 by magnitudes.
            let hi = Int64(bitPattern: gpr[2]), lo = gpr[0]
            let negative = hi < 0
            var mh = UInt64(bitPattern: hi), ml = lo
            if negative { ml = ~ml &+ 1; mh = ~mh &+ (ml == 0 ? 1 : 0) }
            let md = d < 0 ? UInt64(bitPattern: 0 &- d) : UInt64(d)
            guard mh < md else { throw X86Fault.de }
            let (q, r) = md.dividingFullWidth((mh, ml))
            let qNegative = negative != (d < 0)
            if qNegative { guard q <= 1 << 63 else { throw X86Fault.de } } else { guard q < 1 << 63 else { throw X86Fault.de } }
            gpr[0] = qNegative ? 0 &- q : q
            gpr[2] = negative ? 0 &- r : r
        }
    }
}
