/// Shifts and rotates (SDM Vol. 1, §7.3.6; Vol. 2B SAL/SAR/SHL/SHR,
/// RCL/RCR/ROL/ROR, SHLD, SHRD). Counts are masked to 5 bits (6 with a
/// 64-bit operand); a masked count of 0 changes nothing, not even flags.
extension X86CPU {
    func execShift(_ i: DecodedInstruction) throws(X86Fault) {
        let size = i.size
        let bits = UInt64(size) * 8
        let raw = i.form == DecodedInstruction.Form.ecl ? gpr[1] : i.imm
        let count = raw & (size == 8 ? 0x3F : 0x1F)
        let addr: UInt64 = i.rm == DecodedInstruction.memory ? effectiveAddress(i) : 0
        let a = i.rm == DecodedInstruction.memory ? try read(addr, Int(size)) : readReg(i.rm, size)
        guard count != 0 else {
            // A 32-bit register destination is still written (zero-extended) with a count of 0.
            if i.rm != DecodedInstruction.memory { writeReg(i.rm, size, a) }
            return
        }
        let mask = sizeMask(size)
        let msb: (UInt64) -> UInt64 = { ($0 >> (bits - 1)) & 1 }
        var r: UInt64
        var flags: UInt64
        // Bits other than the six arithmetic flags are always current in
        // `hot.flags`; only the rotates, which keep some arithmetic flags,
        // need the lazy record folded in.
        let nonArithmetic = hot.pointee.flags & ~RFlags.arithmetic
        switch i.sub {
        case 0, 1:  // ROL, ROR: only CF and OF change
            let old = rflags
            let c = count % bits
            r = c == 0 ? a : (i.sub == 0 ? ((a << c) | (a >> (bits - c))) & mask : ((a >> c) | (a << (bits - c))) & mask)
            flags = old & ~(RFlags.cf | RFlags.of)
            let cf = i.sub == 0 ? r & 1 : msb(r)
            if cf != 0 { flags |= RFlags.cf }
            let of = i.sub == 0 ? msb(r) ^ cf : msb(r) ^ ((r >> (bits - 2)) & 1)
            if of != 0 { flags |= RFlags.of }
        case 2, 3:  // RCL, RCR through CF: a (bits+1)-bit rotation
            let old = rflags
            let c = size < 4 ? count % (bits + 1) : count
            var cf = old & RFlags.cf
            r = a
            if c != 0 {
                for _ in 0..<c {
                    if i.sub == 2 {
                        let out = msb(r)
                        r = ((r << 1) | cf) & mask
                        cf = out
                    } else {
                        let out = r & 1
                        r = (r >> 1) | (cf << (bits - 1))
                        cf = out
                    }
                }
            }
            flags = (old & ~(RFlags.cf | RFlags.of)) | cf
            let of = i.sub == 2 ? msb(r) ^ cf : msb(r) ^ ((r >> (bits - 2)) & 1)
            if of != 0 { flags |= RFlags.of }
        case 4, 6:  // SHL/SAL
            r = count < 64 ? (a << count) & mask : 0
            let cf = count <= bits ? (a >> (bits - count)) & 1 : 0
            flags = szp(r, size) | (cf != 0 ? RFlags.cf : 0)
            if (msb(r) ^ cf) != 0 { flags |= RFlags.of }
            flags |= nonArithmetic
        case 5:  // SHR
            r = a >> count
            let cf = count <= bits ? (a >> (count - 1)) & 1 : 0
            flags = szp(r, size) | (cf != 0 ? RFlags.cf : 0)
            if msb(a) != 0 && count == 1 { flags |= RFlags.of }
            flags |= nonArithmetic
        default:  // SAR
            let sa = Int64(bitPattern: signExtend(a, size))
            r = UInt64(bitPattern: sa >> Int64(min(count, 63))) & mask
            let cf = UInt64(bitPattern: sa >> Int64(min(count - 1, 63))) & 1
            flags = szp(r, size) | (cf != 0 ? RFlags.cf : 0)
            flags |= nonArithmetic
        }
        if i.rm == DecodedInstruction.memory { try write(addr, Int(size), r) } else { writeReg(i.rm, size, r) }
        hot.pointee.flags = flags | 2
        hot.pointee.lazyOp = LazyFlags.none
    }

    /// SHLD/SHRD: shift `dst`, filling from `src`.
    func execShiftDouble(_ i: DecodedInstruction, left: Bool) throws(X86Fault) {
        let size = i.size
        let bits = UInt64(size) * 8
        let raw = i.form == DecodedInstruction.Form.egcl ? gpr[1] : i.imm
        let count = raw & (size == 8 ? 0x3F : 0x1F)
        let addr: UInt64 = i.rm == DecodedInstruction.memory ? effectiveAddress(i) : 0
        let a = i.rm == DecodedInstruction.memory ? try read(addr, Int(size)) : readReg(i.rm, size)
        guard count != 0 else {
            if i.rm != DecodedInstruction.memory { writeReg(i.rm, size, a) }
            return
        }
        let b = readReg(i.reg, size)
        let mask = sizeMask(size)
        var r: UInt64, cf: UInt64
        if size == 2 && count > 16 {
            // Undefined result; computed as a 48-bit shift of dst:src:dst as processors do.
            let wide = (a << 32) | (b << 16) | a
            if left {
                r = (wide << count) >> 32 & 0xFFFF
                cf = (wide >> (48 - count)) & 1
            } else {
                let w2 = (a << 32) | (b << 16) | a
                r = (w2 >> count) & 0xFFFF
                cf = (w2 >> (count - 1)) & 1
            }
        } else if left {
            r = ((a << count) | (count == bits ? b : b >> (bits - count))) & mask
            cf = (a >> (bits - count)) & 1
        } else {
            r = ((a >> count) | (count == bits ? b : b << (bits - count))) & mask
            cf = (a >> (count - 1)) & 1
        }
        var flags = szp(r, size) | (cf != 0 ? RFlags.cf : 0)
        if ((a ^ r) >> (bits - 1)) & 1 != 0 { flags |= RFlags.of }
        if i.rm == DecodedInstruction.memory { try write(addr, Int(size), r) } else { writeReg(i.rm, size, r) }
        setArithmeticFlags(flags)
    }
}
