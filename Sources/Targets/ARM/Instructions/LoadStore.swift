// A64 "Loads and stores" (ARM ARM C4.1.87): single-register forms with
// immediate, register and literal addressing.

extension A64Decoder {
    /// Bit 15 of `aux` marks SP-based accesses, which check SP alignment.
    static func markSPBase(_ op: Op) -> Op {
        var o = op
        if o.rn == Slot.sp { o.aux |= 0x8000 }
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

    static func decodeLoadStoreUnsigned(_ w: UInt32) -> Op {
        guard let (kind, scale) = singleRegisterKind(size: w >> 30, v: bits(w, 26, 26), opc: bits(w, 23, 22)) else { return .undefined }
        let rt = bits(w, 26, 26) == 1 ? UInt8(bits(w, 4, 0)) : (isLoadKind(kind) ? zd(bits(w, 4, 0)) : zr(bits(w, 4, 0)))
        return markSPBase(Op(kind, rd: rt, rn: spr(bits(w, 9, 5)), aux: AddressMode.offset, imm: UInt64(bits(w, 21, 10)) << UInt64(scale)))
    }

    static func decodeLoadStoreUnscaled(_ w: UInt32) -> Op {
        let mode = bits(w, 11, 10), v = bits(w, 26, 26)
        guard let (kind, _) = singleRegisterKind(size: w >> 30, v: v, opc: bits(w, 23, 22)) else { return .undefined }
        if v == 1 && mode == 2 { return .undefined }
        if kind == .prfm && mode != 0 { return .undefined }
        let aux: UInt16 = [AddressMode.offset, AddressMode.postIndex, AddressMode.offset, AddressMode.preIndex][Int(mode)]
        let rt = v == 1 ? UInt8(bits(w, 4, 0)) : (isLoadKind(kind) ? zd(bits(w, 4, 0)) : zr(bits(w, 4, 0)))
        return markSPBase(Op(kind, rd: rt, rn: spr(bits(w, 9, 5)), aux: aux, imm: signExtend(UInt64(bits(w, 20, 12)), bits: 9)))
    }

    static func decodeLoadStoreRegisterOffset(_ w: UInt32) -> Op {
        let option = bits(w, 15, 13), v = bits(w, 26, 26)
        guard option & 2 != 0, let (kind, scale) = singleRegisterKind(size: w >> 30, v: v, opc: bits(w, 23, 22)) else { return .undefined }
        let shift = bits(w, 12, 12) == 1 ? scale : 0
        let rt = v == 1 ? UInt8(bits(w, 4, 0)) : (isLoadKind(kind) ? zd(bits(w, 4, 0)) : zr(bits(w, 4, 0)))
        return markSPBase(Op(kind, rd: rt, rn: spr(bits(w, 9, 5)), rm: zr(bits(w, 20, 16)),
                             aux: AddressMode.register | UInt16(option << 4 | shift << 8)))
    }

    static func decodeLoadLiteral(_ w: UInt32, pc: UInt64) -> Op {
        let opc = w >> 30, v = bits(w, 26, 26)
        let address = pc &+ signExtend(UInt64(bits(w, 23, 5)) << 2, bits: 21)
        let kind: OpKind
        switch (v, opc) {
        case (0, 0): kind = .ldrw
        case (0, 1): kind = .ldrx
        case (0, 2): kind = .ldrsw
        case (0, 3): kind = .prfm
        case (1, 0): kind = .ldrFP32
        case (1, 1): kind = .ldrFP64
        case (1, 2): kind = .ldrFP128
        default: return .undefined
        }
        let rt = v == 1 ? UInt8(bits(w, 4, 0)) : zd(bits(w, 4, 0))
        return Op(kind, rd: rt, rn: Slot.zero, aux: AddressMode.literal, imm: address)
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
