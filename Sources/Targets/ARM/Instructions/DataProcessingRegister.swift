// A64 "Data processing — register" (ARM ARM C4.1.88): logical and add/subtract
// (shifted, extended), with carry, conditional compare and select, 1-, 2- and
// 3-source operations.

/// Shifts `v` by `aux & 0xFF` with shift type `(aux >> 8) & 3` (LSL, LSR, ASR, ROR).
@inline(__always) func shifted64(_ v: UInt64, _ aux: UInt16) -> UInt64 {
    let amount = UInt64(aux & 0xFF)
    switch (aux >> 8) & 3 {
    case 0: return v &<< amount
    case 1: return v &>> amount
    case 2: return UInt64(bitPattern: Int64(bitPattern: v) &>> Int64(amount))
    default: return rotateRight64(v, amount)
    }
}

@inline(__always) func shifted32(_ v: UInt64, _ aux: UInt16) -> UInt64 {
    let amount = UInt32(aux & 0xFF)
    let x = UInt32(truncatingIfNeeded: v)
    switch (aux >> 8) & 3 {
    case 0: return UInt64(x &<< amount)
    case 1: return UInt64(x &>> amount)
    case 2: return UInt64(UInt32(bitPattern: Int32(bitPattern: x) &>> Int32(amount)))
    default: return rotateRight32(v, UInt64(amount))
    }
}

/// Second operand of a logical (shifted register) instruction; bit 10 of `aux` inverts it.
@inline(__always) func logicOperand64(_ v: UInt64, _ aux: UInt16) -> UInt64 {
    let s = shifted64(v, aux)
    return aux & 0x400 != 0 ? ~s : s
}

@inline(__always) func logicOperand32(_ v: UInt64, _ aux: UInt16) -> UInt64 {
    let s = shifted32(v, aux)
    return aux & 0x400 != 0 ? ~s & 0xFFFF_FFFF : s
}

/// `ExtendReg`: option 0–7 = UXTB, UXTH, UXTW, UXTX, SXTB, SXTH, SXTW, SXTX, then shift.
@inline(__always) func extendRegister(_ v: UInt64, option: UInt16, shift: UInt64) -> UInt64 {
    let e: UInt64
    switch option & 7 {
    case 0: e = v & 0xFF
    case 1: e = v & 0xFFFF
    case 2: e = v & 0xFFFF_FFFF
    case 3: e = v
    case 4: e = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: v)))
    case 5: e = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: v)))
    case 6: e = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
    default: e = v
    }
    return e &<< shift
}

@inline(__always) func conditionHolds(_ cond: UInt16, _ nzcv: UInt64) -> Bool {
    let n = (nzcv >> 31) & 1, z = (nzcv >> 30) & 1, c = (nzcv >> 29) & 1, v = (nzcv >> 28) & 1
    let result: Bool
    switch (cond >> 1) & 7 {
    case 0: result = z == 1
    case 1: result = c == 1
    case 2: result = n == 1
    case 3: result = v == 1
    case 4: result = c == 1 && z == 0
    case 5: result = n == v
    case 6: result = n == v && z == 0
    default: return true
    }
    return cond & 1 == 1 ? !result : result
}

/// Bit n is set when condition `cond` holds for NZCV = n (N in bit 3).
func conditionTruthTable(_ cond: UInt16) -> UInt16 {
    var table: UInt16 = 0
    for nzcv in 0..<16 where conditionHolds(cond, UInt64(nzcv) << 28) { table |= 1 << UInt16(nzcv) }
    return table
}

@inline(__always) func addSubExtended(_ op: Op, _ r: UnsafeMutablePointer<UInt64>) {
    let operand = extendRegister(r[Int(op.rm)], option: (op.aux >> 3) & 7, shift: UInt64(op.aux & 7))
    let is64 = op.aux & 0x40 != 0
    let a = r[Int(op.rn)]
    let result: UInt64
    switch op.kind {
    case .addExt: result = is64 ? a &+ operand : (a &+ operand) & 0xFFFF_FFFF
    case .subExt: result = is64 ? a &- operand : (a &- operand) & 0xFFFF_FFFF
    case .addsExt: result = is64 ? addWithCarry64(a, operand, 0, r) : addWithCarry32(a, operand, 0, r)
    default: result = is64 ? addWithCarry64(a, ~operand, 1, r) : addWithCarry32(a, ~operand, 1, r)
    }
    r[Int(op.rd)] = result
}

@inline(__always) func addSubCarry(_ op: Op, _ r: UnsafeMutablePointer<UInt64>) {
    let is64 = op.aux & 1 != 0
    let carry = (r[Slot.nzcv] >> 29) & 1
    let a = r[Int(op.rn)]
    let b = (op.kind == .sbc || op.kind == .sbcs) ? ~r[Int(op.rm)] : r[Int(op.rm)]
    let result: UInt64
    if op.kind == .adcs || op.kind == .sbcs {
        result = is64 ? addWithCarry64(a, b, carry, r) : addWithCarry32(a, b, carry, r)
    } else {
        result = is64 ? a &+ b &+ carry : (a &+ b &+ carry) & 0xFFFF_FFFF
    }
    r[Int(op.rd)] = result
}

@inline(__always) func conditionalCompare(_ op: Op, _ r: UnsafeMutablePointer<UInt64>) {
    guard conditionHolds(op.aux & 0xF, r[Slot.nzcv]) else {
        r[Slot.nzcv] = UInt64((op.aux >> 4) & 0xF) << 28
        return
    }
    let is64 = op.aux & 0x100 != 0
    let b = op.aux & 0x200 != 0 ? op.imm : r[Int(op.rm)]
    let a = r[Int(op.rn)]
    if op.kind == .ccmp {
        _ = is64 ? addWithCarry64(a, ~b, 1, r) : addWithCarry32(a, ~b, 1, r)
    } else {
        _ = is64 ? addWithCarry64(a, b, 0, r) : addWithCarry32(a, b, 0, r)
    }
}

@inline(__always) func dataProcessing1Source(_ kind: OpKind, _ v: UInt64) -> UInt64 {
    switch kind {
    case .rbit64: return reverseBits(v)
    case .rbit32: return reverseBits(v) >> 32
    case .rev16_64:
        return ((v & 0x00FF_00FF_00FF_00FF) << 8) | ((v >> 8) & 0x00FF_00FF_00FF_00FF)
    case .rev16_32:
        let x = v & 0xFFFF_FFFF
        return ((x & 0x00FF_00FF) << 8) | ((x >> 8) & 0x00FF_00FF)
    case .rev32_64:
        let lo = UInt64(UInt32(truncatingIfNeeded: v).byteSwapped)
        let hi = UInt64(UInt32(truncatingIfNeeded: v >> 32).byteSwapped)
        return hi << 32 | lo
    case .rev64: return v.byteSwapped
    case .rev32: return UInt64(UInt32(truncatingIfNeeded: v).byteSwapped)
    case .clz64: return UInt64(v.leadingZeroBitCount)
    case .clz32: return UInt64(UInt32(truncatingIfNeeded: v).leadingZeroBitCount)
    case .cls64: return UInt64((v ^ (v << 1)).leadingZeroBitCount) - (v ^ (v << 1) == 0 ? 1 : 0)
    default:
        let x = UInt32(truncatingIfNeeded: v)
        let y = x ^ (x << 1)
        return UInt64(y.leadingZeroBitCount) - (y == 0 ? 1 : 0)
    }
}

@inline(__always) func reverseBits(_ x: UInt64) -> UInt64 {
    var v = x
    v = ((v >> 1) & 0x5555_5555_5555_5555) | ((v & 0x5555_5555_5555_5555) << 1)
    v = ((v >> 2) & 0x3333_3333_3333_3333) | ((v & 0x3333_3333_3333_3333) << 2)
    v = ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((v & 0x0F0F_0F0F_0F0F_0F0F) << 4)
    return v.byteSwapped
}

@inline(__always) func multiplyLong(_ op: Op, _ r: UnsafeMutablePointer<UInt64>) -> UInt64 {
    let n = r[Int(op.rn)], m = r[Int(op.rm)], a = r[Int(op.ra)]
    switch op.kind {
    case .smaddl: return a &+ UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: n)) &* Int64(Int32(truncatingIfNeeded: m)))
    case .smsubl: return a &- UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: n)) &* Int64(Int32(truncatingIfNeeded: m)))
    case .umaddl: return a &+ (n & 0xFFFF_FFFF) &* (m & 0xFFFF_FFFF)
    case .umsubl: return a &- (n & 0xFFFF_FFFF) &* (m & 0xFFFF_FFFF)
    case .smulh: return UInt64(bitPattern: Int64(bitPattern: n).multipliedFullWidth(by: Int64(bitPattern: m)).high)
    default: return n.multipliedFullWidth(by: m).high
    }
}

extension A64Decoder {
    static func decodeLogicalShifted(_ w: UInt32) -> Op {
        let sf = w >> 31, opc = bits(w, 30, 29), shift = bits(w, 23, 22), n = bits(w, 21, 21), imm6 = bits(w, 15, 10)
        guard sf == 1 || imm6 < 32 else { return .undefined }
        let rd = zd(bits(w, 4, 0)), rn = zr(bits(w, 9, 5)), rm = zr(bits(w, 20, 16))
        if opc == 1 && n == 0 && imm6 == 0 && rn == 31 {
            return Op(sf == 1 ? .movReg64 : .movReg32, rd: rd, rm: rm)
        }
        let kinds: [OpKind] = sf == 1 ? [.andSR64, .orrSR64, .eorSR64, .andsSR64] : [.andSR32, .orrSR32, .eorSR32, .andsSR32]
        return Op(kinds[Int(opc)], rd: rd, rn: rn, rm: rm, aux: UInt16(imm6 | shift << 8 | n << 10))
    }

    static func decodeAddSubShifted(_ w: UInt32) -> Op {
        let sf = w >> 31, op = bits(w, 30, 30), s = bits(w, 29, 29), shift = bits(w, 23, 22), imm6 = bits(w, 15, 10)
        guard shift != 3, sf == 1 || imm6 < 32 else { return .undefined }
        let rd = zd(bits(w, 4, 0)), rn = zr(bits(w, 9, 5)), rm = zr(bits(w, 20, 16))
        if shift == 0 {
            switch (sf, op, s) {
            case (1, 0, 0): return Op(.addLSL64, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            case (1, 1, 0): return Op(.subLSL64, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            case (0, 0, 0): return Op(.addLSL32, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            case (0, 1, 0): return Op(.subLSL32, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            case (1, 1, 1): return Op(.subsLSL64, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            case (0, 1, 1): return Op(.subsLSL32, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            default: break
            }
        }
        let kinds: [OpKind] = [.addSR32, .subSR32, .addsSR32, .subsSR32, .addSR64, .subSR64, .addsSR64, .subsSR64]
        return Op(kinds[Int(sf << 2 | s << 1 | op)], rd: rd, rn: rn, rm: rm, aux: UInt16(imm6 | shift << 8))
    }

    static func decodeAddSubExtended(_ w: UInt32) -> Op {
        let sf = w >> 31, op = bits(w, 30, 30), s = bits(w, 29, 29), imm3 = bits(w, 12, 10)
        guard bits(w, 23, 22) == 0, imm3 <= 4 else { return .undefined }
        let rd = s == 1 ? zd(bits(w, 4, 0)) : spr(bits(w, 4, 0))
        let kinds: [OpKind] = [.addExt, .subExt, .addsExt, .subsExt]
        return Op(kinds[Int(s << 1 | op)], rd: rd, rn: spr(bits(w, 9, 5)), rm: zr(bits(w, 20, 16)),
                  aux: UInt16(imm3 | bits(w, 15, 13) << 3 | sf << 6))
    }

    static func decodeAddSubCarry(_ w: UInt32) -> Op {
        let sf = w >> 31, op = bits(w, 30, 30), s = bits(w, 29, 29)
        let kinds: [OpKind] = [.adc, .sbc, .adcs, .sbcs]
        return Op(kinds[Int(s << 1 | op)], rd: zd(bits(w, 4, 0)), rn: zr(bits(w, 9, 5)), rm: zr(bits(w, 20, 16)), aux: UInt16(sf))
    }

    static func decodeConditionalCompare(_ w: UInt32) -> Op {
        let sf = w >> 31, op = bits(w, 30, 30), isImm = bits(w, 11, 11)
        guard bits(w, 29, 29) == 1, bits(w, 10, 10) == 0, bits(w, 4, 4) == 0 else { return .undefined }
        return Op(op == 1 ? .ccmp : .ccmn, rn: zr(bits(w, 9, 5)), rm: zr(bits(w, 20, 16)),
                  aux: UInt16(bits(w, 15, 12) | bits(w, 3, 0) << 4 | sf << 8 | isImm << 9), imm: UInt64(bits(w, 20, 16)))
    }

    static func decodeConditionalSelect(_ w: UInt32) -> Op {
        let sf = w >> 31, op = bits(w, 30, 30), op2 = bits(w, 11, 10)
        guard bits(w, 29, 29) == 0, op2 < 2 else { return .undefined }
        let kinds: [OpKind] = [.csel, .csinc, .csinv, .csneg]
        return Op(kinds[Int(op << 1 | op2)], rd: zd(bits(w, 4, 0)), rn: zr(bits(w, 9, 5)), rm: zr(bits(w, 20, 16)),
                  aux: UInt16(bits(w, 15, 12) | sf << 8))
    }

    static func decodeDataProcessing1Source(_ w: UInt32) -> Op {
        let sf = w >> 31, opcode = bits(w, 15, 10)
        guard bits(w, 29, 29) == 0, bits(w, 20, 16) == 0 else { return .undefined }
        let kind: OpKind
        switch (sf, opcode) {
        case (0, 0): kind = .rbit32
        case (1, 0): kind = .rbit64
        case (0, 1): kind = .rev16_32
        case (1, 1): kind = .rev16_64
        case (0, 2): kind = .rev32
        case (1, 2): kind = .rev32_64
        case (1, 3): kind = .rev64
        case (0, 4): kind = .clz32
        case (1, 4): kind = .clz64
        case (0, 5): kind = .cls32
        case (1, 5): kind = .cls64
        default: return .undefined
        }
        return Op(kind, rd: zd(bits(w, 4, 0)), rn: zr(bits(w, 9, 5)))
    }

    static func decodeDataProcessing2Source(_ w: UInt32) -> Op {
        let sf = w >> 31, opcode = bits(w, 15, 10)
        guard bits(w, 29, 29) == 0 else { return .undefined }
        if opcode & 0x38 == 0x10 { return decodeCRC32(w) }
        let kinds: [UInt32: (OpKind, OpKind)] = [
            2: (.udiv32, .udiv64), 3: (.sdiv32, .sdiv64), 8: (.lslv32, .lslv64),
            9: (.lsrv32, .lsrv64), 10: (.asrv32, .asrv64), 11: (.rorv32, .rorv64),
        ]
        guard let k = kinds[opcode] else { return .undefined }
        return Op(sf == 1 ? k.1 : k.0, rd: zd(bits(w, 4, 0)), rn: zr(bits(w, 9, 5)), rm: zr(bits(w, 20, 16)))
    }

    static func decodeDataProcessing3Source(_ w: UInt32) -> Op {
        let sf = w >> 31, op31 = bits(w, 23, 21), o0 = bits(w, 15, 15)
        guard bits(w, 30, 29) == 0 else { return .undefined }
        let kind: OpKind
        switch (sf, op31, o0) {
        case (1, 0, 0): kind = .madd64
        case (1, 0, 1): kind = .msub64
        case (0, 0, 0): kind = .madd32
        case (0, 0, 1): kind = .msub32
        case (1, 1, 0): kind = .smaddl
        case (1, 1, 1): kind = .smsubl
        case (1, 2, 0): kind = .smulh
        case (1, 5, 0): kind = .umaddl
        case (1, 5, 1): kind = .umsubl
        case (1, 6, 0): kind = .umulh
        default: return .undefined
        }
        return Op(kind, rd: zd(bits(w, 4, 0)), rn: zr(bits(w, 9, 5)), rm: zr(bits(w, 20, 16)), ra: zr(bits(w, 14, 10)))
    }
}
