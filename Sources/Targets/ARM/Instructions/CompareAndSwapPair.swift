import ChimeraCPUKit
// A64 CASP, CASPA, CASPL, CASPAL (ARM ARM C6.2 "CASP"; FEAT_LSE): compare and
// swap a pair of words or doublewords. One host thread runs the machine, so
// the access is single-copy atomic and the ordering variants behave alike.

extension A64Decoder {
    /// CASP lives in "Load/store exclusive" with o2 = 0, o1 = 1 and size = 0x.
    /// Rt2 must be 11111; an odd Rs or Rt is UNDEFINED (the pair is Rn, Rn+1).
    static func decodeCASP(_ f: LoadStoreExclusiveFields) -> Op {
        let sz = f.size & 1, rs = f.rs.number, rt = f.rt.number
        guard f.rt2.is31, rs & 1 == 0, rt & 1 == 0 else { return .undefined }
        return Op(.casp, rd: f.rt.raw, rn: f.rn.sp, rm: f.rs.raw, aux: UInt16(2 + sz))
    }
}

extension AArch64CPU {
    /// Reads the pair at Xn (aligned to the pair's size, else an alignment
    /// fault as for the other atomics); when it equals <Rs, Rs+1> stores
    /// <Rt, Rt+1>; returns the old pair in <Rs, Rs+1>. Register 31 in a pair
    /// (Rs or Rt = 30) reads as zero and is not written.
    func executeCASP(_ op: Op, at pc: UInt64) throws(GuestTrap) -> UInt8 {
        let r = regs
        let bytes = 1 << Int(op.aux & 3)
        let mask: UInt64 = bytes == 8 ? ~0 : 0xFFFF_FFFF
        let a = r[Int(op.rn)]
        if op.rn == Slot.sp, st.pointee.spAlignmentCheck != 0, a & 15 != 0 { throw raiseSPAlignment(pc) }
        if a & UInt64(2 * bytes - 1) != 0 {
            throw raiseDataAbort(address: a, write: true, status: 0x21, pc: pc)
        }
        let old1 = try readSized(a, size: bytes, pc: pc)
        let old2 = try readSized(a &+ UInt64(bytes), size: bytes, pc: pc)
        let s1 = Int(op.rm), t1 = Int(op.rd)
        if old1 == r[s1] & mask && old2 == r[s1 + 1] & mask {
            let n1 = r[t1] & mask, n2 = r[t1 + 1] & mask
            try writeSized(a, size: bytes, value: n1, pc: pc)
            try writeSized(a &+ UInt64(bytes), size: bytes, value: n2, pc: pc)
        }
        r[s1] = old1
        if s1 + 1 != Int(Slot.zero) { r[s1 + 1] = old2 }
        return 0
    }
}
