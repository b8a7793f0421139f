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
    static func decodeLogicalShifted(_ f: LogicalShiftedFields) -> Op {
        let sf = f.sf, opc = f.opc, imm6 = f.imm6
        guard sf || imm6 < 32 else { return .undefined }
        let rd = f.rd.sink, rn = f.rn.xzr, rm = f.rm.xzr
        if opc == 1 && !f.n && imm6 == 0 && rn == 31 {
            return Op(sf ? .movReg64 : .movReg32, rd: rd, rm: rm)
        }
        let kind: OpKind
        switch opc {
        case 0: kind = sf ? .andSR64 : .andSR32
        case 1: kind = sf ? .orrSR64 : .orrSR32
        case 2: kind = sf ? .eorSR64 : .eorSR32
        default: kind = sf ? .andsSR64 : .andsSR32
        }
        return Op(kind, rd: rd, rn: rn, rm: rm, aux: Op.shiftedRegisterAux(amount: imm6, type: f.shift, invert: f.n))
    }

    static func decodeAddSubShifted(_ f: AddSubShiftedFields) -> Op {
        let sf = f.sf, op = f.op, s = f.s, shift = f.shift, imm6 = f.imm6
        guard shift != 3, sf || imm6 < 32 else { return .undefined }
        let rd = f.rd.sink, rn = f.rn.xzr, rm = f.rm.xzr
        if shift == 0 {
            switch (sf, op, s) {
            case (true, false, false): return Op(.addLSL64, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            case (true, true, false): return Op(.subLSL64, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            case (false, false, false): return Op(.addLSL32, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            case (false, true, false): return Op(.subLSL32, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            case (true, true, true): return Op(.subsLSL64, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            case (false, true, true): return Op(.subsLSL32, rd: rd, rn: rn, rm: rm, aux: UInt16(imm6))
            default: break
            }
        }
        let kind: OpKind
        switch (sf, s, op) {
        case (false, false, false): kind = .addSR32
        case (false, false, true): kind = .subSR32
        case (false, true, false): kind = .addsSR32
        case (false, true, true): kind = .subsSR32
        case (true, false, false): kind = .addSR64
        case (true, false, true): kind = .subSR64
        case (true, true, false): kind = .addsSR64
        case (true, true, true): kind = .subsSR64
        }
        return Op(kind, rd: rd, rn: rn, rm: rm, aux: Op.shiftedRegisterAux(amount: imm6, type: shift))
    }

    static func decodeAddSubExtended(_ f: AddSubExtendedFields) -> Op {
        let imm3 = f.imm3
        guard f.opt == 0, imm3 <= 4 else { return .undefined }
        let rd = f.s ? f.rd.sink : f.rd.sp
        let kind: OpKind
        switch (f.s, f.op) {
        case (false, false): kind = .addExt
        case (false, true): kind = .subExt
        case (true, false): kind = .addsExt
        case (true, true): kind = .subsExt
        }
        return Op(kind, rd: rd, rn: f.rn.sp, rm: f.rm.xzr, aux: Op.extendedRegisterAux(shift: imm3, option: f.option, sf: f.sf))
    }

    static func decodeAddSubCarry(_ f: AddSubCarryFields) -> Op {
        let kind: OpKind
        switch (f.s, f.op) {
        case (false, false): kind = .adc
        case (false, true): kind = .sbc
        case (true, false): kind = .adcs
        case (true, true): kind = .sbcs
        }
        return Op(kind, rd: f.rd.sink, rn: f.rn.xzr, rm: f.rm.xzr, aux: UInt16(f.sf.bit))
    }

    static func decodeConditionalCompare(_ f: ConditionalCompareFields) -> Op {
        guard f.s, !f.o2, !f.o3 else { return .undefined }
        return Op(f.op ? .ccmp : .ccmn, rn: f.rn.xzr, rm: f.rm.xzr,
                  aux: Op.conditionalCompareAux(cond: f.cond, nzcv: f.nzcv, sf: f.sf, immediate: f.i), imm: UInt64(f.rm.number))
    }

    static func decodeConditionalSelect(_ f: ConditionalSelectFields) -> Op {
        guard !f.s, f.op2 < 2 else { return .undefined }
        let kind: OpKind
        switch (f.op, f.op2) {
        case (false, 0): kind = .csel
        case (false, _): kind = .csinc
        case (true, 0): kind = .csinv
        case (true, _): kind = .csneg
        }
        return Op(kind, rd: f.rd.sink, rn: f.rn.xzr, rm: f.rm.xzr, aux: Op.conditionalSelectAux(cond: f.cond, sf: f.sf))
    }

    static func decodeDataProcessing1Source(_ f: DataProcessing1SourceFields) -> Op {
        guard !f.s, f.opcode2 == 0 else { return .undefined }
        let kind: OpKind
        switch (f.sf, f.opcode) {
        case (false, 0): kind = .rbit32
        case (true, 0): kind = .rbit64
        case (false, 1): kind = .rev16_32
        case (true, 1): kind = .rev16_64
        case (false, 2): kind = .rev32
        case (true, 2): kind = .rev32_64
        case (true, 3): kind = .rev64
        case (false, 4): kind = .clz32
        case (true, 4): kind = .clz64
        case (false, 5): kind = .cls32
        case (true, 5): kind = .cls64
        default: return .undefined
        }
        return Op(kind, rd: f.rd.sink, rn: f.rn.xzr)
    }

    static func decodeDataProcessing2Source(_ f: DataProcessing2SourceFields) -> Op {
        guard !f.s else { return .undefined }
        if f.opcode & 0x38 == 0x10 { return decodeCRC32(f) }
        let kind: OpKind
        switch f.opcode {
        case 2: kind = f.sf ? .udiv64 : .udiv32
        case 3: kind = f.sf ? .sdiv64 : .sdiv32
        case 8: kind = f.sf ? .lslv64 : .lslv32
        case 9: kind = f.sf ? .lsrv64 : .lsrv32
        case 10: kind = f.sf ? .asrv64 : .asrv32
        case 11: kind = f.sf ? .rorv64 : .rorv32
        default: return .undefined
        }
        return Op(kind, rd: f.rd.sink, rn: f.rn.xzr, rm: f.rm.xzr)
    }

    static func decodeDataProcessing3Source(_ f: DataProcessing3SourceFields) -> Op {
        guard f.op54 == 0 else { return .undefined }
        let kind: OpKind
        switch (f.sf, f.op31, f.o0) {
        case (true, 0, false): kind = .madd64
        case (true, 0, true): kind = .msub64
        case (false, 0, false): kind = .madd32
        case (false, 0, true): kind = .msub32
        case (true, 1, false): kind = .smaddl
        case (true, 1, true): kind = .smsubl
        case (true, 2, false): kind = .smulh
        case (true, 5, false): kind = .umaddl
        case (true, 5, true): kind = .umsubl
        case (true, 6, false): kind = .umulh
        default: return .undefined
        }
        return Op(kind, rd: f.rd.sink, rn: f.rn.xzr, rm: f.rm.xzr, ra: f.ra.xzr)
    }
}
