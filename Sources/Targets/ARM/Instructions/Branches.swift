// A64 "Branches, exception generating and system instructions" (ARM ARM
// C4.1.85): the branch classes. Targets are resolved to absolute addresses.

extension A64Decoder {
    static func decodeConditionalBranch(_ w: UInt32, pc: UInt64) -> Op {
        guard bits(w, 24, 24) == 0, bits(w, 4, 4) == 0 else { return .undefined }
        let target = pc &+ signExtend(UInt64(bits(w, 23, 5)) << 2, bits: 21)
        // aux is the condition's truth table over NZCV (bit n = holds when
        // NZCV == n), so the block loop tests one bit instead of decoding flags.
        return Op(.bcond, aux: conditionTruthTable(UInt16(bits(w, 3, 0))), imm: target)
    }

    static func decodeBranchImmediate(_ w: UInt32, pc: UInt64) -> Op {
        let target = pc &+ signExtend(UInt64(bits(w, 25, 0)) << 2, bits: 28)
        return Op(w >> 31 == 1 ? .bl : .b, imm: target)
    }

    static func decodeCompareBranch(_ w: UInt32, pc: UInt64) -> Op {
        let target = pc &+ signExtend(UInt64(bits(w, 23, 5)) << 2, bits: 21)
        let sf = w >> 31, op = bits(w, 24, 24)
        let kind: OpKind = op == 0 ? (sf == 1 ? .cbz64 : .cbz32) : (sf == 1 ? .cbnz64 : .cbnz32)
        return Op(kind, rd: zr(bits(w, 4, 0)), imm: target)
    }

    static func decodeTestBranch(_ w: UInt32, pc: UInt64) -> Op {
        let target = pc &+ signExtend(UInt64(bits(w, 18, 5)) << 2, bits: 16)
        let bit = (w >> 31) << 5 | bits(w, 23, 19)
        return Op(bits(w, 24, 24) == 0 ? .tbz : .tbnz, rd: zr(bits(w, 4, 0)), aux: UInt16(bit), imm: target)
    }

    static func decodeBranchRegister(_ w: UInt32) -> Op {
        let opc = bits(w, 24, 21), op2 = bits(w, 20, 16), op3 = bits(w, 15, 10), rn = bits(w, 9, 5), op4 = bits(w, 4, 0)
        guard op2 == 31, op3 == 0, op4 == 0 else { return .undefined }
        switch opc {
        case 0: return Op(.br, rn: zr(rn))
        case 1: return Op(.blr, rn: zr(rn))
        case 2: return Op(.ret, rn: zr(rn))
        case 4 where rn == 31: return Op(.eret)
        default: return .undefined
        }
    }
}
