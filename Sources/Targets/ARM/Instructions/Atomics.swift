import ChimeraCPUKit
// A64 exclusive, load-acquire/store-release and LSE atomic instructions
// (ARM ARM C4.1.87 "Load/store exclusive and ordered", "Atomic memory operations").

extension A64Decoder {
    static func decodeLoadStoreExclusive(_ w: UInt32) -> Op {
        let size = w >> 30, o2 = bits(w, 23, 23), l = bits(w, 22, 22), o1 = bits(w, 21, 21)
        let rs = bits(w, 20, 16), rt2 = bits(w, 14, 10), rn = spr(bits(w, 9, 5)), rt = bits(w, 4, 0)
        let o0 = bits(w, 15, 15)
        switch (o2, o1) {
        case (0, 0):
            if l == 1 { return Op(o0 == 1 ? .ldaxr : .ldxr, rd: zd(rt), rn: rn, aux: UInt16(size)) }
            return Op(o0 == 1 ? .stlxr : .stxr, rd: zr(rt), rn: rn, rm: zd(rs), aux: UInt16(size))
        case (0, 1):
            guard size >= 2 else { return decodeCASP(w) }
            if l == 1 { return Op(.ldxp, rd: zd(rt), rn: rn, ra: zd(rt2), aux: UInt16(size)) }
            return Op(.stxp, rd: zr(rt), rn: rn, rm: zd(rs), ra: zr(rt2), aux: UInt16(size))
        case (1, 0):
            if l == 1 { return Op(.ldar, rd: zd(rt), rn: rn, aux: UInt16(size)) }
            return Op(.stlr, rd: zr(rt), rn: rn, aux: UInt16(size))
        default:
            guard rt2 == 31 else { return .undefined }
            return Op(.cas, rd: zr(rt), rn: rn, rm: zr(rs), aux: UInt16(size))   // Rt is a source: XZR stores 0
        }
    }

    static func decodeAtomicMemory(_ w: UInt32) -> Op {
        let size = w >> 30, v = bits(w, 26, 26), o3 = bits(w, 15, 15), opc = bits(w, 14, 12)
        guard v == 0 else { return .undefined }
        let rn = spr(bits(w, 9, 5)), rs = zr(bits(w, 20, 16)), rt = zd(bits(w, 4, 0))
        if o3 == 1 {
            if opc == 0 { return Op(.swp, rd: rt, rn: rn, rm: rs, aux: UInt16(size)) }
            if opc == 4 && bits(w, 23, 22) == 2 && bits(w, 20, 16) == 31 { return Op(.ldar, rd: rt, rn: rn, aux: UInt16(size)) }
            return .undefined
        }
        let kinds: [OpKind] = [.ldadd, .ldclr, .ldeor, .ldset, .ldsmax, .ldsmin, .ldumax, .ldumin]
        return Op(kinds[Int(opc)], rd: rt, rn: rn, rm: rs, aux: UInt16(size))
    }
}

extension AArch64CPU {
    /// Exclusives, ordered accesses and LSE atomics (all single-copy atomic
    /// here because one host thread runs the machine). Returns the loop outcome.
    func executeAtomic(_ op: Op, at pc: UInt64) throws(GuestTrap) -> UInt8 {
        let r = regs
        let size = Int(op.aux & 3)
        let bytes = 1 << size
        let a = r[Int(op.rn)]
        let pairBytes = (op.kind == .ldxp || op.kind == .stxp) ? bytes * 2 : bytes
        if op.rn == Slot.sp, st.pointee.spAlignmentCheck != 0, a & 15 != 0 { throw raiseSPAlignment(pc) }
        if a & UInt64(pairBytes - 1) != 0 {
            throw raiseDataAbort(address: a, write: op.kind != .ldxr && op.kind != .ldaxr && op.kind != .ldar && op.kind != .ldxp,
                           status: 0x21, pc: pc)
        }
        let mask: UInt64 = size == 3 ? ~0 : (1 << UInt64(bytes * 8)) - 1
        func load(_ addr: UInt64) throws(GuestTrap) -> UInt64 {
            try readSized(addr, size: bytes, pc: pc)
        }
        func store(_ addr: UInt64, _ v: UInt64) throws(GuestTrap) {
            try writeSized(addr, size: bytes, value: v, pc: pc)
        }
        switch op.kind {
        case .ldxr, .ldaxr:
            let v = try load(a)
            st.pointee.exclusiveAddress = a
            st.pointee.exclusiveValue = v
            r[Int(op.rd)] = v
        case .ldxp:
            let v1 = try load(a)
            let v2 = try load(a &+ UInt64(bytes))
            st.pointee.exclusiveAddress = a
            st.pointee.exclusiveValue = v1
            st.pointee.exclusiveValueHigh = v2
            r[Int(op.rd)] = v1
            r[Int(op.ra)] = v2
        case .stxr, .stlxr:
            var status: UInt64 = 1
            if st.pointee.exclusiveAddress == a {
                let current = try load(a)
                if current == st.pointee.exclusiveValue {
                    try store(a, r[Int(op.rd)] & mask)
                    status = 0
                }
            }
            st.pointee.exclusiveAddress = .max
            r[Int(op.rm)] = status
        case .stxp:
            var status: UInt64 = 1
            if st.pointee.exclusiveAddress == a {
                let c1 = try load(a)
                let c2 = try load(a &+ UInt64(bytes))
                if c1 == st.pointee.exclusiveValue && c2 == st.pointee.exclusiveValueHigh {
                    try store(a, r[Int(op.rd)] & mask)
                    try store(a &+ UInt64(bytes), r[Int(op.ra)] & mask)
                    status = 0
                }
            }
            st.pointee.exclusiveAddress = .max
            r[Int(op.rm)] = status
        case .ldar:
            let v = try load(a)
            r[Int(op.rd)] = v
        case .stlr:
            try store(a, r[Int(op.rd)] & mask)
        case .cas:
            let old = try load(a)
            if old == r[Int(op.rm)] & mask {
                try store(a, r[Int(op.rd)] & mask)
            }
            if op.rm != Slot.zero { r[Int(op.rm)] = old }
        default:
            let old = try load(a)
            let s = r[Int(op.rm)] & mask
            let bitsWide = UInt64(bytes * 8)
            let signedOld = Int64(bitPattern: signExtend(old, bits: bitsWide)), signedS = Int64(bitPattern: signExtend(s, bits: bitsWide))
            let new: UInt64
            switch op.kind {
            case .swp: new = s
            case .ldadd: new = (old &+ s) & mask
            case .ldclr: new = old & ~s
            case .ldeor: new = old ^ s
            case .ldset: new = old | s
            case .ldsmax: new = signedOld > signedS ? old : s
            case .ldsmin: new = signedOld < signedS ? old : s
            case .ldumax: new = max(old, s)
            default: new = min(old, s)
            }
            try store(a, new)
            r[Int(op.rd)] = old
        }
        return 0
    }
}
