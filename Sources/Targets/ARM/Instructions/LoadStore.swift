// A64 "Loads and stores" (ARM ARM C4.1.87): single-register forms with
// immediate, register and literal addressing.

import ChimeraCPUKit

extension A64Decoder {
    /// `Op.spBaseFlag` in `aux` marks SP-based accesses, which check SP alignment.
    static func markSPBase(_ op: Op) -> Op {
        var o = op
        if o.rn == Slot.sp { o.aux |= Op.spBaseFlag }
        return o
    }

    /// The op kind and access-size log2 for size/V/opc, or nil if unallocated.
    static func singleRegisterKind(size: UInt32, v: UInt32, opc: UInt32) -> (OpKind, UInt32)? {
        if v == 1 {
            switch (opc, size) {
            case (0, _): return ([OpKind.strFP8, .strFP16, .strFP32, .strFP64][Int(size)], size)
            case (1, _): return ([OpKind.ldrFP8, .ldrFP16, .ldrFP32, .ldrFP64][Int(size)], size)
            case (2, 0): return (.strFP128, 4)
            case (3, 0): return (.ldrFP128, 4)
            default: return nil
            }
        }
        switch (opc, size) {
        case (0, _): return ([OpKind.strb, .strh, .strw, .strx][Int(size)], size)
        case (1, _): return ([OpKind.ldrb, .ldrh, .ldrw, .ldrx][Int(size)], size)
        case (2, 0): return (.ldrsb64, 0)
        case (2, 1): return (.ldrsh64, 1)
        case (2, 2): return (.ldrsw, 2)
        case (2, 3): return (.prfm, 3)
        case (3, 0): return (.ldrsb32, 0)
        case (3, 1): return (.ldrsh32, 1)
        default: return nil
        }
    }

    /// The transfer register: a V register, or X/W with 31 as XZR (stores) or the sink (loads).
    @inline(__always) static func transferRegister(_ rt: RegisterNumber, vector: Bool, kind: OpKind) -> UInt8 {
        vector ? rt.raw : (isLoadKind(kind) ? rt.sink : rt.xzr)
    }

    /// Immediate offset, pre- and post-index by the `mode` field of the unscaled and pair classes.
    @inline(__always) static func indexedAddressMode(_ mode: UInt32) -> UInt16 {
        switch mode {
        case 1: return AddressMode.postIndex
        case 3: return AddressMode.preIndex
        default: return AddressMode.offset
        }
    }

    static func decodeLoadStoreUnsigned(_ f: LoadStoreUnsignedFields) -> Op {
        guard let (kind, scale) = singleRegisterKind(size: f.size, v: f.v.bit, opc: f.opc) else { return .undefined }
        let rt = transferRegister(f.rt, vector: f.v, kind: kind)
        return markSPBase(Op(kind, rd: rt, rn: f.rn.sp, aux: Op.addressingAux(AddressMode.offset),
                             imm: UInt64(f.imm12) << UInt64(scale)))
    }

    static func decodeLoadStoreUnscaled(_ f: LoadStoreUnscaledFields) -> Op {
        let mode = f.mode, v = f.v
        guard let (kind, _) = singleRegisterKind(size: f.size, v: v.bit, opc: f.opc) else { return .undefined }
        if v && mode == 2 { return .undefined }
        if kind == .prfm && mode != 0 { return .undefined }
        let rt = transferRegister(f.rt, vector: v, kind: kind)
        if mode == 2 {
            // LDTR/STTR and their widths: EL0's permissions at EL1 (`executeUnprivileged`).
            return Op(.unprivileged, rd: rt, rn: f.rn.sp, aux: kind.rawValue, imm: signExtend(UInt64(f.imm9), bits: 9))
        }
        return markSPBase(Op(kind, rd: rt, rn: f.rn.sp, aux: Op.addressingAux(indexedAddressMode(mode)),
                             imm: signExtend(UInt64(f.imm9), bits: 9)))
    }

    static func decodeLoadStoreRegisterOffset(_ f: LoadStoreRegisterOffsetFields) -> Op {
        let option = f.option, v = f.v
        guard option & 2 != 0, let (kind, scale) = singleRegisterKind(size: f.size, v: v.bit, opc: f.opc) else { return .undefined }
        let shift = f.s ? scale : 0
        let rt = transferRegister(f.rt, vector: v, kind: kind)
        return markSPBase(Op(kind, rd: rt, rn: f.rn.sp, rm: f.rm.xzr,
                             aux: Op.addressingAux(AddressMode.register, option: option, shift: shift)))
    }

    static func decodeLoadLiteral(_ f: LoadLiteralFields, pc: UInt64) -> Op {
        let address = pc &+ signExtend(UInt64(f.imm19) << 2, bits: 21)
        let kind: OpKind
        switch (f.v, f.opc) {
        case (false, 0): kind = .ldrw
        case (false, 1): kind = .ldrx
        case (false, 2): kind = .ldrsw
        case (false, _): kind = .prfm
        case (true, 0): kind = .ldrFP32
        case (true, 1): kind = .ldrFP64
        case (true, 2): kind = .ldrFP128
        default: return .undefined
        }
        let rt = f.v ? f.rt.raw : f.rt.sink
        return Op(kind, rd: rt, rn: Slot.zero, aux: Op.addressingAux(AddressMode.literal), imm: address)
    }

    /// Loads and stores with a plain `[Xn, #imm]` address (no SP-alignment
    /// check, no write-back) get kinds of their own, so the block loop skips
    /// the addressing-mode switch for the commonest memory accesses.
    static func specializeAddressing(_ op: Op) -> Op {
        guard op.aux == AddressMode.offset else { return op }
        var o = op
        switch op.kind {
        case .ldrb: o.kind = .ldrbOff
        case .ldrh: o.kind = .ldrhOff
        case .ldrw: o.kind = .ldrwOff
        case .ldrx: o.kind = .ldrxOff
        case .strb: o.kind = .strbOff
        case .strh: o.kind = .strhOff
        case .strw: o.kind = .strwOff
        case .strx: o.kind = .strxOff
        default: return op
        }
        return o
    }

    static func isLoadKind(_ k: OpKind) -> Bool {
        switch k {
        case .ldrb, .ldrh, .ldrw, .ldrx, .ldrsb64, .ldrsh64, .ldrsw, .ldrsb32, .ldrsh32, .prfm: return true
        default: return false
        }
    }
}

extension AArch64CPU {
    /// LDTR/STTR (ARM ARM C6.2): `[Xn, #imm]` accessed with EL0's
    /// permissions. At EL0 that is an ordinary access; at EL1 the TLB
    /// (which holds EL1's permissions) is bypassed: each byte's page is
    /// translated for EL0 and accessed physically, so a kernel that copies
    /// from a user pointer into its own memory takes the fault EL0 would.
    func executeUnprivileged(_ op: Op, at pc: UInt64) throws(GuestTrap) -> UInt8 {
        guard let kind = OpKind(rawValue: op.aux) else { return undefined(at: pc) }
        let va = regs[Int(op.rn)] &+ op.imm
        let size: Int
        switch kind {
        case .ldrb, .strb, .ldrsb64, .ldrsb32: size = 1
        case .ldrh, .strh, .ldrsh64, .ldrsh32: size = 2
        case .ldrw, .strw, .ldrsw: size = 4
        default: size = 8
        }
        let store = kind == .strb || kind == .strh || kind == .strw || kind == .strx
        if store {
            try writeUnprivileged(va, size: size, value: regs[Int(op.rd)], pc: pc)
            return 0
        }
        let v = try readUnprivileged(va, size: size, pc: pc)
        switch kind {
        case .ldrsb64: regs[Int(op.rd)] = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: v)))
        case .ldrsh64: regs[Int(op.rd)] = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: v)))
        case .ldrsw: regs[Int(op.rd)] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
        case .ldrsb32: regs[Int(op.rd)] = UInt64(UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: v))))
        case .ldrsh32: regs[Int(op.rd)] = UInt64(UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: v))))
        default: regs[Int(op.rd)] = v
        }
        return 0
    }

    /// The physical addresses of the first byte of an access and of its
    /// first byte on the next page (the same when it does not cross),
    /// translated for EL0; both pages are checked before anything happens.
    private func unprivilegedPages(_ va: UInt64, size: Int, _ access: MemoryAccess, pc: UInt64) throws(GuestTrap) -> (UInt64, UInt64) {
        let first = try translate(va, access, pc: pc, el: 0).physical
        let next = (va | 0xFFF) &+ 1
        guard next < va &+ UInt64(size) else { return (first, first) }
        return (first, try translate(next, access, pc: pc, el: 0).physical)
    }

    private func readUnprivileged(_ va: UInt64, size: Int, pc: UInt64) throws(GuestTrap) -> UInt64 {
        if currentEL != 1 { return try readSized(va, size: size, pc: pc) }   // at EL2 (E2H = 0) an ordinary load
        guard let memory = cluster?.memory else { throw raiseDataAbort(address: va, write: false, status: FaultStatus.externalAbort, pc: pc) }
        let (first, second) = try unprivilegedPages(va, size: size, .read, pc: pc)
        let saved = syncRetired(pc)
        defer { st.pointee.retired = saved }
        let onFirst = min(size, Int(0x1000 - (va & 0xFFF)))
        guard let low = memory.read(first, size: onFirst) else {
            throw raiseDataAbort(address: va, write: false, status: FaultStatus.externalAbort, pc: pc)
        }
        guard onFirst < size else { return low }
        guard let high = memory.read(second, size: size - onFirst) else {
            throw raiseDataAbort(address: (va | 0xFFF) &+ 1, write: false, status: FaultStatus.externalAbort, pc: pc)
        }
        return low | high << (8 * UInt64(onFirst))
    }

    private func writeUnprivileged(_ va: UInt64, size: Int, value: UInt64, pc: UInt64) throws(GuestTrap) {
        if currentEL != 1 { return try writeSized(va, size: size, value: value, pc: pc) }
        guard let memory = cluster?.memory else { throw raiseDataAbort(address: va, write: true, status: FaultStatus.externalAbort, pc: pc) }
        let (first, second) = try unprivilegedPages(va, size: size, .write, pc: pc)
        for (pa, a) in [(first, va), (second, (va | 0xFFF) &+ 1)] {
            if case .unmapped = memory.target(of: pa) { throw raiseDataAbort(address: a, write: true, status: FaultStatus.externalAbort, pc: pc) }
        }
        let saved = syncRetired(pc)
        defer { st.pointee.retired = saved }
        let onFirst = min(size, Int(0x1000 - (va & 0xFFF)))
        memory.write(first, size: onFirst, value: value)
        if onFirst < size { memory.write(second, size: size - onFirst, value: value >> (8 * UInt64(onFirst))) }
    }
}
