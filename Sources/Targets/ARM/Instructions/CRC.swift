// A64 CRC32B/H/W/X and CRC32CB/H/W/X (ARM ARM C6.2 "CRC32", "CRC32C"; FEAT_CRC32),
// encoded in "Data-processing (2 source)" with opcode 010 C sz.

extension A64Decoder {
    /// CRC32{C}{B,H,W,X}: sf must be 1 exactly for the X form, otherwise unallocated.
    static func decodeCRC32(_ f: DataProcessing2SourceFields) -> Op {
        let c = f.opcode >> 2 & 1, sz = f.opcode & 3
        guard (sz == 3) == f.sf else { return .undefined }
        return Op(.crc32, rd: f.rd.sink, rn: f.rn.xzr, rm: f.rm.xzr, aux: UInt16(sz | c << 2))
    }
}

/// One CRC step over the low `8 << sz` bits of `data`, bit-reflected as the
/// instruction defines it (no initial or final inversion): the accumulator
/// is Wn, the polynomial 0x04C11DB7 (CRC32) or 0x1EDC6F41 (CRC32C).
@inline(never)
func crc32Update(_ accumulator: UInt64, _ data: UInt64, sz: Int, castagnoli: Bool) -> UInt64 {
    // The reflected polynomials: bit i of the reflected form is bit 31-i of the normal one.
    let poly: UInt32 = castagnoli ? 0x82F6_3B78 : 0xEDB8_8320
    var crc = UInt32(truncatingIfNeeded: accumulator)
    var d = data
    for _ in 0..<(1 << sz) {
        crc ^= UInt32(d & 0xFF)
        for _ in 0..<8 { crc = (crc >> 1) ^ (poly & (0 &- (crc & 1))) }
        d >>= 8
    }
    return UInt64(crc)
}

extension AArch64CPU {
    func executeCRC32(_ op: Op) {
        let sz = Int(op.aux & 3)
        regs[Int(op.rd)] = crc32Update(regs[Int(op.rn)], regs[Int(op.rm)], sz: sz, castagnoli: op.aux & 4 != 0)
    }
}
