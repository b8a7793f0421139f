// A64 "Load/store register pair" (ARM ARM C4.1.87): LDP/STP/LDPSW/LDNP/STNP
// with offset, pre- and post-index addressing; integer and FP/SIMD.

extension A64Decoder {
    static func decodeLoadStorePair(_ f: LoadStorePairFields) -> Op {
        let v = f.v, load = f.l
        let kind: OpKind, scale: UInt32
        switch (v, f.opc) {
        case (false, 0): kind = load ? .ldpw : .stpw; scale = 2
        case (false, 1) where load: kind = .ldpsw; scale = 2
        case (false, 2): kind = load ? .ldpx : .stpx; scale = 3
        case (true, 0): kind = load ? .ldpFP32 : .stpFP32; scale = 2
        case (true, 1): kind = load ? .ldpFP64 : .stpFP64; scale = 3
        case (true, 2): kind = load ? .ldpFP128 : .stpFP128; scale = 4
        default: return .undefined
        }
        if f.mode == 0 && kind == .ldpsw { return .undefined }
        let imm = signExtend(UInt64(f.imm7), bits: 7) << UInt64(scale)
        let rt: UInt8, rt2: UInt8
        if v {
            rt = f.rt.raw; rt2 = f.rt2.raw
        } else if load {
            rt = f.rt.sink; rt2 = f.rt2.sink
        } else {
            rt = f.rt.xzr; rt2 = f.rt2.xzr
        }
        return markSPBase(Op(kind, rd: rt, rn: f.rn.sp, ra: rt2, aux: Op.addressingAux(indexedAddressMode(f.mode)), imm: imm))
    }
}
