/// A64 disassembly for traces and test failure reports: names the encoding
/// class from the table and prints the fields, with common mnemonics spelled
/// out and the packed `aux` of the decoded op read back through its accessors.
public enum A64Disassembler {
    /// One line of text for `word` at `pc`.
    public static func disassemble(_ word: UInt32, pc: UInt64 = 0) -> String {
        let hex = String(word, radix: 16)
        let padded = String(repeating: "0", count: 8 - hex.count) + hex
        guard let e = EncodingTable.a64.lookup(word) else { return "\(padded)  <unallocated>" }
        let op = e.decode(word, pc: pc)
        let fields = e.fields.map { "\($0.name)=\($0.value(in: word))" }.joined(separator: " ")
        let mnemonic = op.kind == .undefined ? "UNDEFINED" : String(describing: op.kind)
        let details = operands(op).map { "  \($0)" } ?? ""
        return "\(padded)  \(mnemonic)\(details)  [\(e.instructionClass.rawValue): \(fields)]"
    }

    static let conditionNames = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"]
    static let shiftNames = ["lsl", "lsr", "asr", "ror"]

    /// What the op's operands mean, for the kinds whose `aux` has a declared layout.
    static func operands(_ op: Op) -> String? {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch op.kind {
        case .bcond:
            // The truth table determines the condition (AL and NV are the same table).
            let cond = (0..<15).first { Op.branchConditionTable(UInt32($0)) == op.aux } ?? 14
            return "\(conditionNames[cond]) \(hex(op.imm))"
        case .b, .bl, .cbz64, .cbz32, .cbnz64, .cbnz32:
            return hex(op.imm)
        case .tbz, .tbnz:
            return "#\(op.aux) \(hex(op.imm))"
        case .ldrb, .ldrh, .ldrw, .ldrx, .ldrsb64, .ldrsh64, .ldrsw, .ldrsb32, .ldrsh32, .strb, .strh, .strw, .strx,
             .ldrbOff, .ldrhOff, .ldrwOff, .ldrxOff, .strbOff, .strhOff, .strwOff, .strxOff,
             .ldrFP8, .ldrFP16, .ldrFP32, .ldrFP64, .ldrFP128, .strFP8, .strFP16, .strFP32, .strFP64, .strFP128,
             .ldpw, .ldpx, .ldpsw, .stpw, .stpx, .ldpFP32, .ldpFP64, .ldpFP128, .stpFP32, .stpFP64, .stpFP128, .prfm:
            let base = op.rn == Slot.sp ? "sp" : "x\(op.rn)"
            let offset = Int64(bitPattern: op.imm)
            switch op.addressMode {
            case AddressMode.preIndex: return "[\(base), #\(offset)]!"
            case AddressMode.postIndex: return "[\(base)], #\(offset)"
            case AddressMode.register:
                let extend = ["uxtb", "uxth", "uxtw", "lsl", "sxtb", "sxth", "sxtw", "sxtx"][Int(op.registerOffsetOption)]
                return "[\(base), x\(op.rm), \(extend) #\(op.registerOffsetShift)]"
            case AddressMode.literal: return hex(op.imm)
            default: return "[\(base), #\(offset)]" + (op.hasSPBase ? " (SP aligned)" : "")
            }
        case .addSR64, .addSR32, .subSR64, .subSR32, .addsSR64, .addsSR32, .subsSR64, .subsSR32,
             .andSR64, .andSR32, .orrSR64, .orrSR32, .eorSR64, .eorSR32, .andsSR64, .andsSR32:
            return (op.invertsOperand ? "not " : "") + "\(shiftNames[Int(op.shiftType)]) #\(op.shiftAmount)"
        case .csel, .csinc, .csinv, .csneg, .ccmp, .ccmn:
            return conditionNames[Int(op.condition)]
        case .vBinary, .vUnary, .vShift, .vAcross, .vPermute, .vWiden, .vNarrow, .vInteger:
            let lanes = (op.vectorQ ? 16 : 8) >> Int(op.vectorElementSize)
            return "op \(op.vectorOperation) \(lanes)x\(8 << Int(op.vectorElementSize))"
        default:
            return nil
        }
    }
}
