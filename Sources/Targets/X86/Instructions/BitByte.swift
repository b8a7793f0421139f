/// Bit and byte instructions (SDM Vol. 1, §7.3.7): BT/BTS/BTR/BTC,
/// BSF/BSR, TZCNT/LZCNT, POPCNT (SETcc is in the dispatcher).
extension X86CPU {
    /// BT family. A register bit offset may address memory beyond the
    /// operand (signed, in operand-size units); an immediate is masked.
    func execBitTest(_ i: DecodedInstruction) throws(X86Fault) {
        let size = i.size
        let bits = UInt64(size) * 8
        let immediate = i.form == DecodedInstruction.Form.ei
        let offset = immediate ? i.imm : readReg(i.reg, size)
        let bit: UInt64
        var addr: UInt64 = 0
        let v: UInt64
        if i.rm != DecodedInstruction.memory {
            bit = offset & (bits - 1)
            v = readReg(i.rm, size)
        } else {
            addr = effectiveAddress(i)
            if immediate {
                bit = offset & (bits - 1)
            } else {
                let signed = Int64(bitPattern: signExtend(offset, size))
                let unitShift = Int64(bits.trailingZeroBitCount)
                addr &+= UInt64(bitPattern: (signed >> unitShift) * Int64(size))
                bit = UInt64(bitPattern: signed) & (bits - 1)
            }
            v = try read(addr, Int(size))
        }
        let cf = (v >> bit) & 1
        var r = v
        switch i.sub {
        case 1: r = v | (1 << bit)
        case 2: r = v & ~(1 << bit)
        case 3: r = v ^ (1 << bit)
        default: break
        }
        if i.sub != 0 {
            if i.rm != DecodedInstruction.memory { writeReg(i.rm, size, r) } else { try write(addr, Int(size), r) }
        }
        materializeFlags()
        hot.pointee.flags = (hot.pointee.flags & ~RFlags.cf) | cf
    }

    /// BSF/BSR: ZF = source is zero (destination unchanged then).
    func execBitScan(_ i: DecodedInstruction, forward: Bool) throws(X86Fault) {
        let v = try readRM(i)
        materializeFlags()
        var f = hot.pointee.flags & ~RFlags.arithmetic
        if v == 0 {
            f |= RFlags.zf
        } else {
            let index = forward ? UInt64(v.trailingZeroBitCount) : UInt64(63 - v.leadingZeroBitCount)
            writeReg(i.reg, i.size, index)
            f |= szp(index, i.size) & RFlags.pf
        }
        hot.pointee.flags = f
    }

    /// TZCNT/LZCNT: CF = source zero, ZF = result zero.
    func execCount(_ i: DecodedInstruction, trailing: Bool) throws(X86Fault) {
        let v = try readRM(i)
        let bits = UInt64(i.size) * 8
        let n: UInt64
        if v == 0 { n = bits }
        else if trailing { n = UInt64(v.trailingZeroBitCount) }
        else { n = UInt64(v.leadingZeroBitCount) - (64 - bits) }
        writeReg(i.reg, i.size, n)
        // OF, SF, PF, AF are undefined; cleared as current processors do.
        setArithmeticFlags((v == 0 ? RFlags.cf : 0) | (n == 0 ? RFlags.zf : 0))
    }

    /// POPCNT: ZF = source zero; OF, SF, AF, CF, PF cleared.
    func execPopcnt(_ i: DecodedInstruction) throws(X86Fault) {
        let v = try readRM(i)
        writeReg(i.reg, i.size, UInt64(v.nonzeroBitCount))
        setArithmeticFlags(v == 0 ? RFlags.zf : 0)
    }

    /// RDRAND: a deterministic sequence (xorshift seeded by the APIC ID),
    /// so runs stay reproducible; CF = 1. Not advertised by CPUID.
    func execRdrand(_ i: DecodedInstruction) {
        rdrandState ^= rdrandState << 13
        rdrandState ^= rdrandState >> 7
        rdrandState ^= rdrandState << 17
        writeReg(i.rm, i.size, rdrandState)
        setArithmeticFlags(RFlags.cf)
    }
}
