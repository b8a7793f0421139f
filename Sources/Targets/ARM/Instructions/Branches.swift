// A64 "Branches, exception generating and system instructions" (ARM ARM
// C4.1.85): the branch classes. Targets are resolved to absolute addresses.

extension A64Decoder {
    static func decodeConditionalBranch(_ f: ConditionalBranchFields, pc: UInt64) -> Op {
        guard !f.o1, !f.o0 else { return .undefined }
        let target = pc &+ signExtend(UInt64(f.imm19) << 2, bits: 21)
        return Op(.bcond, aux: Op.branchConditionTable(f.cond), imm: target)
    }

    static func decodeBranchImmediate(_ f: BranchImmediateFields, pc: UInt64) -> Op {
        let target = pc &+ signExtend(UInt64(f.imm26) << 2, bits: 28)
        return Op(f.op ? .bl : .b, imm: target)
    }

    static func decodeCompareBranch(_ f: CompareBranchFields, pc: UInt64) -> Op {
        let target = pc &+ signExtend(UInt64(f.imm19) << 2, bits: 21)
        let kind: OpKind = !f.op ? (f.sf ? .cbz64 : .cbz32) : (f.sf ? .cbnz64 : .cbnz32)
        return Op(kind, rd: f.rt.xzr, imm: target)
    }

    static func decodeTestBranch(_ f: TestBranchFields, pc: UInt64) -> Op {
        let target = pc &+ signExtend(UInt64(f.imm14) << 2, bits: 16)
        let bit = f.b5.bit << 5 | f.b40
        return Op(f.op ? .tbnz : .tbz, rd: f.rt.xzr, aux: UInt16(bit), imm: target)
    }

    static func decodeBranchRegister(_ f: BranchRegisterFields) -> Op {
        guard f.op2 == 31, f.op3 == 0, f.op4 == 0 else { return .undefined }
        switch f.opc {
        case 0: return Op(.br, rn: f.rn.xzr)
        case 1: return Op(.blr, rn: f.rn.xzr)
        case 2: return Op(.ret, rn: f.rn.xzr)
        case 4 where f.rn.is31: return Op(.eret)
        default: return .undefined
        }
    }
}
