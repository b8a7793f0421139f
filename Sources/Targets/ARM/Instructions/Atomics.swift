import ChimeraCPUKit
// A64 exclusive, load-acquire/store-release and LSE atomic instructions
// (ARM ARM C4.1.87 "Load/store exclusive and ordered", "Atomic memory operations").

extension A64Decoder {
    static func decodeLoadStoreExclusive(_ f: LoadStoreExclusiveFields) -> Op {
        let size = UInt16(f.size), rs = f.rs, rt2 = f.rt2, rn = f.rn.sp, rt = f.rt
        switch (f.o2, f.o1) {
        case (false, false):
            if f.l { return Op(f.o0 ? .ldaxr : .ldxr, rd: rt.sink, rn: rn, aux: size) }
            return Op(f.o0 ? .stlxr : .stxr, rd: rt.xzr, rn: rn, rm: rs.sink, aux: size)
        case (false, true):
            guard size >= 2 else { return decodeCASP(f) }
            if f.l { return Op(.ldxp, rd: rt.sink, rn: rn, ra: rt2.sink, aux: size) }
            return Op(.stxp, rd: rt.xzr, rn: rn, rm: rs.sink, ra: rt2.xzr, aux: size)
        case (true, false):
            if f.l { return Op(.ldar, rd: rt.sink, rn: rn, aux: size) }
            return Op(.stlr, rd: rt.xzr, rn: rn, aux: size)
        case (true, true):
            guard rt2.is31 else { return .undefined }
            return Op(.cas, rd: rt.xzr, rn: rn, rm: rs.xzr, aux: size)   // Rt is a source: XZR stores 0
        }
    }

    static func decodeAtomicMemory(_ f: AtomicMemoryFields) -> Op {
        let size = UInt16(f.size), opc = f.opc
        guard !f.v else { return .undefined }
        let rn = f.rn.sp, rs = f.rs.xzr, rt = f.rt.sink
        if f.o3 {
            if opc == 0 { return Op(.swp, rd: rt, rn: rn, rm: rs, aux: size) }
            // LDAPR: A = 1, R = 0, Rs = 31.
            if opc == 4 && f.a && !f.r && f.rs.is31 { return Op(.ldar, rd: rt, rn: rn, aux: size) }
            return .undefined
        }
        let kind: OpKind
        switch opc {
        case 0: kind = .ldadd
        case 1: kind = .ldclr
        case 2: kind = .ldeor
        case 3: kind = .ldset
        case 4: kind = .ldsmax
        case 5: kind = .ldsmin
        case 6: kind = .ldumax
        default: kind = .ldumin
        }
        return Op(kind, rd: rt, rn: rn, rm: rs, aux: size)
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
