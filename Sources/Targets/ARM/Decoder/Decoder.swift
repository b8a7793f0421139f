/// Turns A64 instruction words into pre-decoded `Op`s: the encoding table
/// picks the entry, whose class decoder (in `Instructions/`) receives the
/// pattern's fields already extracted (`InstructionFields`). Unallocated or unimplemented encodings decode to
/// `Op.undefined`, which raises an UNDEFINED exception when executed.
public enum A64Decoder {
    static let table = EncodingTable.a64

    /// Decodes `word` fetched from `pc` (branch targets and literals become absolute).
    static func decode(_ word: UInt32, pc: UInt64) -> Op {
        guard let e = table.decodeEntry(word) else { return .undefined }
        return e.decoder.decode(word, pc: pc)
    }

    /// Instructions after which a block ends: control flow, exceptions, and
    /// anything that changes interrupt masks or the translation regime.
    static func endsBlock(_ k: OpKind) -> Bool {
        switch k {
        case .b, .bl, .bcond, .cbz64, .cbz32, .cbnz64, .cbnz32, .tbz, .tbnz, .br, .blr, .ret,
             .undefined, .svc, .hvc, .smc, .brk, .hlt, .eret, .wfi, .wfe, .isb, .msr,
             .msrDAIFSet, .msrDAIFClr, .msrSPSel:
            return true
        default:
            return false
        }
    }

    /// Does `word` belong to the FP/SIMD register file (trapped by CPACR_EL1.FPEN)?
    /// Data on the table entry (`Encoding.registerFile`).
    static func isFPOrSIMD(_ w: UInt32) -> Bool {
        guard let e = table.decodeEntry(w) else { return false }
        return w & e.fpSIMDMask != 0
    }
}
