/// Turns A64 instruction words into pre-decoded `Op`s, using the encoding
/// table to pick the class and a per-class decoder (in `Instructions/`) to
/// fill in the fields. Unallocated or unimplemented encodings decode to
/// `Op.undefined`, which raises an UNDEFINED exception when executed.
public enum A64Decoder {
    static let table = EncodingTable.a64

    /// Decodes `word` fetched from `pc` (branch targets and literals become absolute).
    static func decode(_ word: UInt32, pc: UInt64) -> Op {
        guard let e = table.lookup(word) else { return .undefined }
        return decode(word, pc: pc, as: e.instructionClass)
    }

    static func decode(_ w: UInt32, pc: UInt64, as c: InstructionClass) -> Op {
        switch c {
        case .pcRelative: return decodePCRelative(w, pc: pc)
        case .addSubImmediate: return decodeAddSubImmediate(w)
        case .logicalImmediate: return decodeLogicalImmediate(w)
        case .moveWide: return decodeMoveWide(w)
        case .bitfield: return decodeBitfield(w)
        case .extract: return decodeExtract(w)
        case .conditionalBranch: return decodeConditionalBranch(w, pc: pc)
        case .exceptionGeneration: return decodeExceptionGeneration(w)
        case .system: return decodeSystem(w)
        case .branchRegister: return decodeBranchRegister(w)
        case .branchImmediate: return decodeBranchImmediate(w, pc: pc)
        case .compareBranch: return decodeCompareBranch(w, pc: pc)
        case .testBranch: return decodeTestBranch(w, pc: pc)
        case .loadStoreExclusive: return decodeLoadStoreExclusive(w)
        case .loadLiteral: return decodeLoadLiteral(w, pc: pc)
        case .loadStorePair: return decodeLoadStorePair(w)
        case .loadStoreUnscaled: return decodeLoadStoreUnscaled(w)
        case .atomicMemory: return decodeAtomicMemory(w)
        case .loadStoreRegisterOffset: return decodeLoadStoreRegisterOffset(w)
        case .loadStoreUnsigned: return decodeLoadStoreUnsigned(w)
        case .simdLoadStoreMultiple: return decodeSIMDLoadStoreMultiple(w)
        case .simdLoadStoreSingle: return decodeSIMDLoadStoreSingle(w)
        case .dataProcessing2Source: return decodeDataProcessing2Source(w)
        case .dataProcessing1Source: return decodeDataProcessing1Source(w)
        case .logicalShifted: return decodeLogicalShifted(w)
        case .addSubShifted: return decodeAddSubShifted(w)
        case .addSubExtended: return decodeAddSubExtended(w)
        case .addSubCarry: return decodeAddSubCarry(w)
        case .conditionalCompare: return decodeConditionalCompare(w)
        case .conditionalSelect: return decodeConditionalSelect(w)
        case .dataProcessing3Source: return decodeDataProcessing3Source(w)
        case .fpIntegerConversion: return decodeFPIntegerConversion(w)
        case .fpDataProcessing1: return decodeFPDataProcessing1(w)
        case .fpCompare: return decodeFPCompare(w)
        case .fpImmediate: return decodeFPImmediate(w)
        case .fpConditionalCompare: return decodeFPConditionalCompare(w)
        case .fpDataProcessing2: return decodeFPDataProcessing2(w)
        case .fpConditionalSelect: return decodeFPConditionalSelect(w)
        case .fpDataProcessing3: return decodeFPDataProcessing3(w)
        case .simdThreeSame: return decodeSIMDThreeSame(w)
        case .simdThreeDifferent: return decodeSIMDThreeDifferent(w)
        case .simdTwoRegisterMisc: return decodeSIMDTwoRegisterMisc(w)
        case .simdAcrossLanes: return decodeSIMDAcrossLanes(w)
        case .simdCopy: return decodeSIMDCopy(w)
        case .simdModifiedImmediate: return decodeSIMDModifiedImmediate(w)
        case .simdShiftImmediate: return decodeSIMDShiftImmediate(w)
        case .simdExtract: return decodeSIMDExtract(w)
        case .simdTableLookup: return decodeSIMDTableLookup(w)
        case .simdPermute: return decodeSIMDPermute(w)
        case .simdScalarPairwise: return decodeSIMDScalarPairwise(w)
        case .simdScalarShiftImmediate: return decodeSIMDScalarShiftImmediate(w)
        case .simdScalarCopy: return decodeSIMDScalarCopy(w)
        case .simdScalarThreeSame: return decodeSIMDScalarThreeSame(w)
        case .simdScalarTwoRegisterMisc: return decodeSIMDScalarTwoRegisterMisc(w)
        case .fpFixedConversion: return decodeFPFixedConversion(w)
        case .simdScalarThreeDifferent: return decodeSIMDScalarThreeDifferent(w)
        case .simdVectorIndexed: return decodeSIMDVectorIndexed(w)
        case .simdScalarIndexed: return decodeSIMDScalarIndexed(w)
        case .cryptoAES: return decodeCryptoAES(w)
        case .cryptoThreeRegisterSHA: return decodeCryptoThreeRegisterSHA(w)
        case .cryptoTwoRegisterSHA: return decodeCryptoTwoRegisterSHA(w)
        }
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
    static func isFPOrSIMD(_ w: UInt32) -> Bool {
        guard let e = table.lookup(w) else { return false }
        switch e.instructionClass {
        case .loadLiteral, .loadStorePair, .loadStoreUnscaled, .loadStoreRegisterOffset, .loadStoreUnsigned:
            return bits(w, 26, 26) == 1
        case .simdLoadStoreMultiple, .simdLoadStoreSingle, .fpIntegerConversion, .fpDataProcessing1, .fpCompare,
             .fpImmediate, .fpConditionalCompare, .fpDataProcessing2, .fpConditionalSelect, .fpDataProcessing3,
             .simdThreeSame, .simdThreeDifferent, .simdTwoRegisterMisc, .simdAcrossLanes, .simdCopy,
             .simdModifiedImmediate, .simdShiftImmediate, .simdExtract, .simdTableLookup, .simdPermute,
             .simdScalarPairwise, .simdScalarShiftImmediate, .simdScalarCopy, .simdScalarThreeSame,
             .simdScalarTwoRegisterMisc, .fpFixedConversion, .simdScalarThreeDifferent, .simdVectorIndexed, .simdScalarIndexed,
             .cryptoAES, .cryptoThreeRegisterSHA, .cryptoTwoRegisterSHA:
            return true
        default:
            return false
        }
    }
}
