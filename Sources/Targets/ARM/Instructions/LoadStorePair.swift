// A64 "Load/store register pair" (ARM ARM C4.1.87): LDP/STP/LDPSW/LDNP/STNP
// with offset, pre- and post-index addressing; integer and FP/SIMD.

extension A64Decoder {
    static func decodeLoadStorePair(_ w: UInt32) -> Op {
        let opc = w >> 30, v = bits(w, 26, 26), mode = bits(w, 24, 23), load = bits(w, 22, 22) == 1
        let kind: OpKind, scale: UInt32
        switch (v, opc) {
        case (0, 0): kind = load ? .ldpw : .stpw; scale = 2
        case (0, 1) where load: kind = .ldpsw; scale = 2
        case (0, 2): kind = load ? .ldpx : .stpx; scale = 3
        case (1, 0): kind = load ? .ldpFP32 : .stpFP32; scale = 2
        case (1, 1): kind = load ? .ldpFP64 : .stpFP64; scale = 3
        case (1, 2): kind = load ? .ldpFP128 : .stpFP128; scale = 4
        default: return .undefined
        }
        if mode == 0 && kind == .ldpsw { return .undefined }
        let aux: UInt16 = [AddressMode.offset, AddressMode.postIndex, AddressMode.offset, AddressMode.preIndex][Int(mode)]
        let imm = signExtend(UInt64(bits(w, 21, 15)), bits: 7) << UInt64(scale)
        let rt: UInt8, rt2: UInt8
        if v == 1 {
            rt = UInt8(bits(w, 4, 0)); rt2 = UInt8(bits(w, 14, 10))
        } else if load {
            rt = zd(bits(w, 4, 0)); rt2 = zd(bits(w, 14, 10))
        } else {
            rt = zr(bits(w, 4, 0)); rt2 = zr(bits(w, 14, 10))
        }
        return markSPBase(Op(kind, rd: rt, rn: spr(bits(w, 9, 5)), ra: rt2, aux: aux, imm: imm))
    }
}
