// A64 "Data processing — immediate" (ARM ARM C4.1.86): PC-relative addressing,
// add/subtract, logical, move wide, bitfield and extract.

@inline(__always) func signExtend(_ v: UInt64, bits n: UInt64) -> UInt64 {
    let shift = 64 - n
    return UInt64(bitPattern: Int64(bitPattern: v << shift) >> Int64(shift))
}

@inline(__always) func ones(_ n: UInt64) -> UInt64 { n >= 64 ? ~0 : (1 << n) - 1 }

@inline(__always) func rotateRight64(_ v: UInt64, _ amount: UInt64) -> UInt64 {
    amount == 0 ? v : (v >> amount) | (v << (64 - amount))
}

@inline(__always) func rotateRight32(_ v: UInt64, _ amount: UInt64) -> UInt64 {
    let x = UInt32(truncatingIfNeeded: v)
    return UInt64(amount == 0 ? x : (x >> UInt32(amount)) | (x << UInt32(32 - amount)))
}

@inline(__always) func rotateRight(_ v: UInt64, _ amount: UInt64, width: UInt64) -> UInt64 {
    let a = amount % width
    if a == 0 { return v }
    return ((v >> a) | (v << (width - a))) & ones(width)
}

/// `DecodeBitMasks` for logical immediates (ARM ARM J1, shared pseudocode);
/// `nil` for reserved encodings.
func decodeLogicalImmediate(n: UInt32, imms: UInt32, immr: UInt32, is64: Bool) -> UInt64? {
    let combined = (n << 6) | (~imms & 0x3F)
    guard combined != 0 else { return nil }
    let len = UInt32(31 - combined.leadingZeroBitCount)
    guard len >= 1, is64 || len <= 5 else { return nil }
    let levels = UInt32((1 << len) - 1)
    guard imms & levels != levels else { return nil }
    let s = UInt64(imms & levels), r = UInt64(immr & levels)
    let esize = UInt64(1) << UInt64(len)
    let welem = ones(s + 1)
    var element = rotateRight(welem, r, width: esize)
    var size = esize
    while size < 64 { element |= element << size; size *= 2 }
    return is64 ? element : element & 0xFFFF_FFFF
}

/// Flags of a logical result: N and Z, C and V clear.
@inline(__always) func logicFlags64(_ v: UInt64) -> UInt64 {
    ((v >> 63) << 31) | (v == 0 ? 1 << 30 : 0)
}

@inline(__always) func logicFlags32(_ v: UInt64) -> UInt64 {
    (((v >> 31) & 1) << 31) | (v & 0xFFFF_FFFF == 0 ? 1 << 30 : 0)
}

/// `AddWithCarry` (64-bit): returns the sum and stores NZCV in the register file.
@inline(__always) func addWithCarry64(_ a: UInt64, _ b: UInt64, _ carryIn: UInt64, _ r: UnsafeMutablePointer<UInt64>) -> UInt64 {
    let (s1, c1) = a.addingReportingOverflow(b)
    let (s, c2) = s1.addingReportingOverflow(carryIn)
    let c: UInt64 = (c1 || c2) ? 1 : 0
    let v = ((~(a ^ b)) & (a ^ s)) >> 63
    r[Slot.nzcv] = ((s >> 63) << 31) | (s == 0 ? 1 << 30 : 0) | (c << 29) | (v << 28)
    return s
}

/// `AddWithCarry` (32-bit): the result is zero-extended.
@inline(__always) func addWithCarry32(_ a: UInt64, _ b: UInt64, _ carryIn: UInt64, _ r: UnsafeMutablePointer<UInt64>) -> UInt64 {
    let x = a & 0xFFFF_FFFF, y = b & 0xFFFF_FFFF
    let wide = x &+ y &+ carryIn
    let s = wide & 0xFFFF_FFFF
    let c = wide >> 32
    let v = (((~(x ^ y)) & (x ^ s)) >> 31) & 1
    r[Slot.nzcv] = ((s >> 31) << 31) | (s == 0 ? 1 << 30 : 0) | (c << 29) | (v << 28)
    return s
}

/// BFM/SBFM/UBFM with R = aux & 0xFF, S = aux >> 8 (ARM ARM C6.2 "BFM").
@inline(__always) func bitfield(_ op: Op, _ r: UnsafeMutablePointer<UInt64>) -> UInt64 {
    let is64 = op.kind == .ubfm64 || op.kind == .sbfm64 || op.kind == .bfm64
    let width: UInt64 = is64 ? 64 : 32
    let rot = UInt64(op.aux & 0xFF), s = UInt64(op.aux >> 8)
    let wmask = rotateRight(ones(s + 1), rot, width: width)
    let tmask = ones(((s &- rot) & (width - 1)) + 1)
    let src = r[Int(op.rn)] & ones(width)
    let bot = rotateRight(src, rot, width: width) & wmask
    switch op.kind {
    case .ubfm64, .ubfm32:
        return bot & tmask
    case .sbfm64, .sbfm32:
        let top: UInt64 = (src >> s) & 1 == 1 ? ones(width) : 0
        return ((top & ~tmask) | (bot & tmask)) & ones(width)
    default:
        let dst = r[Int(op.rd)] & ones(width)
        let merged = (dst & ~wmask) | bot
        return ((dst & ~tmask) | (merged & tmask)) & ones(width)
    }
}

extension A64Decoder {
    static func decodePCRelative(_ f: PCRelativeFields, pc: UInt64) -> Op {
        let imm = signExtend(UInt64(f.immhi << 2 | f.immlo), bits: 21)
        let rd = f.rd.sink
        if !f.op { return Op(.movImm, rd: rd, imm: pc &+ imm) }
        return Op(.movImm, rd: rd, imm: (pc & ~0xFFF) &+ (imm << 12))
    }

    static func decodeAddSubImmediate(_ f: AddSubImmediateFields) -> Op {
        let imm = UInt64(f.imm12) << (f.sh ? 12 : 0)
        let rd = f.s ? f.rd.sink : f.rd.sp
        let kind: OpKind
        switch (f.sf, f.s, f.op) {
        case (false, false, false): kind = .addImm32
        case (false, false, true): kind = .subImm32
        case (false, true, false): kind = .addsImm32
        case (false, true, true): kind = .subsImm32
        case (true, false, false): kind = .addImm64
        case (true, false, true): kind = .subImm64
        case (true, true, false): kind = .addsImm64
        case (true, true, true): kind = .subsImm64
        }
        return Op(kind, rd: rd, rn: f.rn.sp, imm: imm)
    }

    static func decodeLogicalImmediate(_ f: LogicalImmediateFields) -> Op {
        let is64 = f.sf
        guard is64 || !f.n,
              let imm = Chimera_decodeLogicalImmediate(n: f.n.bit, imms: f.imms, immr: f.immr, is64: is64)
        else { return .undefined }
        let rn = f.rn.xzr
        switch f.opc {
        case 0: return Op(.andImm, rd: f.rd.sp, rn: rn, imm: imm)
        case 1: return Op(.orrImm, rd: f.rd.sp, rn: rn, ra: is64 ? 0 : 1, imm: imm)
        case 2: return Op(.eorImm, rd: f.rd.sp, rn: rn, ra: is64 ? 0 : 1, imm: imm)
        default: return Op(is64 ? .andsImm64 : .andsImm32, rd: f.rd.sink, rn: rn, imm: imm)
        }
    }

    static func decodeMoveWide(_ f: MoveWideFields) -> Op {
        let is64 = f.sf, opc = f.opc, hw = f.hw
        guard opc != 1, is64 || hw < 2 else { return .undefined }
        let shift = UInt64(hw * 16), imm16 = UInt64(f.imm16), rd = f.rd.sink
        switch opc {
        case 0:
            let v = ~(imm16 << shift)
            return Op(.movImm, rd: rd, imm: is64 ? v : v & 0xFFFF_FFFF)
        case 2:
            return Op(.movImm, rd: rd, imm: imm16 << shift)
        default:
            return Op(.movk, rd: rd, ra: is64 ? 0 : 1, aux: UInt16(shift), imm: imm16)
        }
    }

    static func decodeBitfield(_ f: BitfieldFields) -> Op {
        let sf = f.sf, opc = f.opc, immr = f.immr, imms = f.imms
        guard opc != 3, f.n == sf, sf || (immr < 32 && imms < 32) else { return .undefined }
        let rd = f.rd.sink, rn = f.rn.xzr
        let top: UInt32 = sf ? 63 : 31
        switch opc {
        case 2 where imms == top:
            return Op(sf ? .lsrImm64 : .lsrImm32, rd: rd, rn: rn, aux: UInt16(immr))
        case 2 where imms + 1 == immr:
            return Op(sf ? .lslImm64 : .lslImm32, rd: rd, rn: rn, aux: UInt16(top - imms))
        case 0 where imms == top:
            return Op(sf ? .asrImm64 : .asrImm32, rd: rd, rn: rn, aux: UInt16(immr))
        case 2 where imms >= immr:  // UBFX: field [immr, imms] to bit 0
            return Op(.ubfx, rd: rd, rn: rn, aux: UInt16(immr), imm: ones(UInt64(imms - immr + 1)))
        case 2:  // UBFIZ: low imms+1 bits to bit width-immr
            return Op(.ubfiz, rd: rd, rn: rn, aux: UInt16(top + 1 - immr), imm: ones(UInt64(imms + 1)))
        case 0 where imms >= immr:  // SBFX: sign-extend field [immr, imms]
            let left = UInt16(63 - imms), right = UInt16(63 - imms + immr)
            return Op(sf ? .sbfx64 : .sbfx32, rd: rd, rn: rn, aux: Op.shiftPairAux(left, right))
        case 0:  // SBFIZ: sign-extend the low imms+1 bits, then shift left
            let left = UInt16(63 - imms), up = UInt16(top + 1 - immr)
            return Op(sf ? .sbfiz64 : .sbfiz32, rd: rd, rn: rn, aux: Op.shiftPairAux(left, up))
        default:  // opc 1: BFM
            return Op(sf ? .bfm64 : .bfm32, rd: rd, rn: rn, aux: Op.bitfieldAux(immr: immr, imms: imms))
        }
    }

    static func decodeExtract(_ f: ExtractFields) -> Op {
        let sf = f.sf, imms = f.imms
        guard f.op21 == 0, !f.o0, f.n == sf, sf || imms < 32 else { return .undefined }
        return Op(sf ? .extr64 : .extr32, rd: f.rd.sink, rn: f.rn.xzr, rm: f.rm.xzr, aux: UInt16(imms))
    }
}

// Module-level alias so the decoder's static method of the same name can call it.
@inline(__always) func Chimera_decodeLogicalImmediate(n: UInt32, imms: UInt32, immr: UInt32, is64: Bool) -> UInt64? {
    decodeLogicalImmediate(n: n, imms: imms, immr: immr, is64: is64)
}
