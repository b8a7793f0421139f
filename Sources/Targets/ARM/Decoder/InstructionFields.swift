/// The named fields of each encoding class, extracted and typed before the
/// class decoder runs (the argument sets of QEMU's decodetree). One struct
/// per class, stored properties only, each named after a field of the class's
/// pattern in `EncodingTable.a64Entries` (case aside). The positions written
/// here are checked against the pattern by `EncodingTable.fieldProblems`, run
/// by `DecoderTests`, so a struct and its pattern cannot drift apart.
/// Values derived from several fields (sign-extended offsets, M:Rm, …) are
/// computed properties in the class decoders' files, built from these.
///
/// Each struct also names its class decoder (`decode`); a table entry holds
/// the struct's type, so the entry carries its decoder as a metatype — a
/// plain pointer, with no reference counting or copying on the decode path.
protocol InstructionFields: Sendable {
    /// Extracts the fields from an instruction word of this class.
    init(_ word: UInt32)
    /// Extracts the fields and runs the class decoder (in `Instructions/`).
    static func decode(_ word: UInt32, pc: UInt64) -> Op
}

/// A value a field decodes to; `fieldBits` gives the raw bits back for the self-check.
protocol FieldValue {
    var fieldBits: UInt32 { get }
}

extension UInt32: FieldValue {
    var fieldBits: UInt32 { self }
}

extension Bool: FieldValue {
    var fieldBits: UInt32 { self ? 1 : 0 }
    /// 1 or 0, for packing flags into `aux`.
    @inline(__always) var bit: UInt32 { self ? 1 : 0 }
}

/// A 5-bit register field (`Rd`, `Rn`, `Rm`, `Rt`, …) with the three A64
/// meanings of number 31 resolved to register-file slots (see `Slot`).
struct RegisterNumber: FieldValue, Equatable {
    let number: UInt32

    @inline(__always) init(_ number: UInt32) { self.number = number }

    var fieldBits: UInt32 { number }
    /// Source operand: 31 reads as XZR (slot 31 always holds 0).
    @inline(__always) var xzr: UInt8 { UInt8(number) }
    /// Destination: a write to XZR lands in the sink slot.
    @inline(__always) var sink: UInt8 { number == 31 ? Slot.sink : UInt8(number) }
    /// Base or destination where 31 means SP.
    @inline(__always) var sp: UInt8 { number == 31 ? Slot.sp : UInt8(number) }
    /// The register number itself: V0–V31, or an X register where 31 cannot occur.
    @inline(__always) var raw: UInt8 { UInt8(number) }
    @inline(__always) var is31: Bool { number == 31 }
}

/// Fields of `InstructionClass.pcRelative`.
struct PCRelativeFields: InstructionFields {
    let op: Bool
    let immlo: UInt32
    let immhi: UInt32
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        op = w >> 31 & 1 != 0
        immlo = w >> 29 & 0x3
        immhi = w >> 5 & 0x7FFFF
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodePCRelative(Self(word), pc: pc) }
}

/// Fields of `InstructionClass.addSubImmediate`.
struct AddSubImmediateFields: InstructionFields {
    let sf: Bool
    let op: Bool
    let s: Bool
    let sh: Bool
    let imm12: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        op = w >> 30 & 1 != 0
        s = w >> 29 & 1 != 0
        sh = w >> 22 & 1 != 0
        imm12 = w >> 10 & 0xFFF
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeAddSubImmediate(Self(word)) }
}

/// Fields of `InstructionClass.logicalImmediate`.
struct LogicalImmediateFields: InstructionFields {
    let sf: Bool
    let opc: UInt32
    let n: Bool
    let immr: UInt32
    let imms: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        opc = w >> 29 & 0x3
        n = w >> 22 & 1 != 0
        immr = w >> 16 & 0x3F
        imms = w >> 10 & 0x3F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeLogicalImmediate(Self(word)) }
}

/// Fields of `InstructionClass.moveWide`.
struct MoveWideFields: InstructionFields {
    let sf: Bool
    let opc: UInt32
    let hw: UInt32
    let imm16: UInt32
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        opc = w >> 29 & 0x3
        hw = w >> 21 & 0x3
        imm16 = w >> 5 & 0xFFFF
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeMoveWide(Self(word)) }
}

/// Fields of `InstructionClass.bitfield`.
struct BitfieldFields: InstructionFields {
    let sf: Bool
    let opc: UInt32
    let n: Bool
    let immr: UInt32
    let imms: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        opc = w >> 29 & 0x3
        n = w >> 22 & 1 != 0
        immr = w >> 16 & 0x3F
        imms = w >> 10 & 0x3F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeBitfield(Self(word)) }
}

/// Fields of `InstructionClass.extract`.
struct ExtractFields: InstructionFields {
    let sf: Bool
    let op21: UInt32
    let n: Bool
    let o0: Bool
    let rm: RegisterNumber
    let imms: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        op21 = w >> 29 & 0x3
        n = w >> 22 & 1 != 0
        o0 = w >> 21 & 1 != 0
        rm = RegisterNumber(w >> 16 & 0x1F)
        imms = w >> 10 & 0x3F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeExtract(Self(word)) }
}

/// Fields of `InstructionClass.conditionalBranch`.
struct ConditionalBranchFields: InstructionFields {
    let o1: Bool
    let imm19: UInt32
    let o0: Bool
    let cond: UInt32

    @inline(__always) init(_ w: UInt32) {
        o1 = w >> 24 & 1 != 0
        imm19 = w >> 5 & 0x7FFFF
        o0 = w >> 4 & 1 != 0
        cond = w & 0xF
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeConditionalBranch(Self(word), pc: pc) }
}

/// Fields of `InstructionClass.exceptionGeneration`.
struct ExceptionGenerationFields: InstructionFields {
    let opc: UInt32
    let imm16: UInt32
    let op2: UInt32
    let ll: UInt32

    @inline(__always) init(_ w: UInt32) {
        opc = w >> 21 & 0x7
        imm16 = w >> 5 & 0xFFFF
        op2 = w >> 2 & 0x7
        ll = w & 0x3
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeExceptionGeneration(Self(word)) }
}

/// Fields of `InstructionClass.system`.
struct SystemFields: InstructionFields {
    let l: Bool
    let op0: UInt32
    let op1: UInt32
    let crn: UInt32
    let crm: UInt32
    let op2: UInt32
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        l = w >> 21 & 1 != 0
        op0 = w >> 19 & 0x3
        op1 = w >> 16 & 0x7
        crn = w >> 12 & 0xF
        crm = w >> 8 & 0xF
        op2 = w >> 5 & 0x7
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSystem(Self(word)) }
}

/// Fields of `InstructionClass.branchRegister`.
struct BranchRegisterFields: InstructionFields {
    let opc: UInt32
    let op2: UInt32
    let op3: UInt32
    let rn: RegisterNumber
    let op4: UInt32

    @inline(__always) init(_ w: UInt32) {
        opc = w >> 21 & 0xF
        op2 = w >> 16 & 0x1F
        op3 = w >> 10 & 0x3F
        rn = RegisterNumber(w >> 5 & 0x1F)
        op4 = w & 0x1F
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeBranchRegister(Self(word)) }
}

/// Fields of `InstructionClass.branchImmediate`.
struct BranchImmediateFields: InstructionFields {
    let op: Bool
    let imm26: UInt32

    @inline(__always) init(_ w: UInt32) {
        op = w >> 31 & 1 != 0
        imm26 = w & 0x3FFFFFF
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeBranchImmediate(Self(word), pc: pc) }
}

/// Fields of `InstructionClass.compareBranch`.
struct CompareBranchFields: InstructionFields {
    let sf: Bool
    let op: Bool
    let imm19: UInt32
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        op = w >> 24 & 1 != 0
        imm19 = w >> 5 & 0x7FFFF
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeCompareBranch(Self(word), pc: pc) }
}

/// Fields of `InstructionClass.testBranch`.
struct TestBranchFields: InstructionFields {
    let b5: Bool
    let op: Bool
    let b40: UInt32
    let imm14: UInt32
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        b5 = w >> 31 & 1 != 0
        op = w >> 24 & 1 != 0
        b40 = w >> 19 & 0x1F
        imm14 = w >> 5 & 0x3FFF
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeTestBranch(Self(word), pc: pc) }
}

/// Fields of `InstructionClass.loadStoreExclusive`.
struct LoadStoreExclusiveFields: InstructionFields {
    let size: UInt32
    let o2: Bool
    let l: Bool
    let o1: Bool
    let rs: RegisterNumber
    let o0: Bool
    let rt2: RegisterNumber
    let rn: RegisterNumber
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        size = w >> 30
        o2 = w >> 23 & 1 != 0
        l = w >> 22 & 1 != 0
        o1 = w >> 21 & 1 != 0
        rs = RegisterNumber(w >> 16 & 0x1F)
        o0 = w >> 15 & 1 != 0
        rt2 = RegisterNumber(w >> 10 & 0x1F)
        rn = RegisterNumber(w >> 5 & 0x1F)
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeLoadStoreExclusive(Self(word)) }
}

/// Fields of `InstructionClass.loadLiteral`.
struct LoadLiteralFields: InstructionFields {
    let opc: UInt32
    let v: Bool
    let imm19: UInt32
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        opc = w >> 30
        v = w >> 26 & 1 != 0
        imm19 = w >> 5 & 0x7FFFF
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeLoadLiteral(Self(word), pc: pc) }
}

/// Fields of `InstructionClass.loadStorePair`.
struct LoadStorePairFields: InstructionFields {
    let opc: UInt32
    let v: Bool
    let mode: UInt32
    let l: Bool
    let imm7: UInt32
    let rt2: RegisterNumber
    let rn: RegisterNumber
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        opc = w >> 30
        v = w >> 26 & 1 != 0
        mode = w >> 23 & 0x3
        l = w >> 22 & 1 != 0
        imm7 = w >> 15 & 0x7F
        rt2 = RegisterNumber(w >> 10 & 0x1F)
        rn = RegisterNumber(w >> 5 & 0x1F)
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeLoadStorePair(Self(word)) }
}

/// Fields of `InstructionClass.loadStoreUnscaled`.
struct LoadStoreUnscaledFields: InstructionFields {
    let size: UInt32
    let v: Bool
    let opc: UInt32
    let imm9: UInt32
    let mode: UInt32
    let rn: RegisterNumber
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        size = w >> 30
        v = w >> 26 & 1 != 0
        opc = w >> 22 & 0x3
        imm9 = w >> 12 & 0x1FF
        mode = w >> 10 & 0x3
        rn = RegisterNumber(w >> 5 & 0x1F)
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeLoadStoreUnscaled(Self(word)) }
}

/// Fields of `InstructionClass.atomicMemory`.
struct AtomicMemoryFields: InstructionFields {
    let size: UInt32
    let v: Bool
    let a: Bool
    let r: Bool
    let rs: RegisterNumber
    let o3: Bool
    let opc: UInt32
    let rn: RegisterNumber
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        size = w >> 30
        v = w >> 26 & 1 != 0
        a = w >> 23 & 1 != 0
        r = w >> 22 & 1 != 0
        rs = RegisterNumber(w >> 16 & 0x1F)
        o3 = w >> 15 & 1 != 0
        opc = w >> 12 & 0x7
        rn = RegisterNumber(w >> 5 & 0x1F)
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeAtomicMemory(Self(word)) }
}

/// Fields of `InstructionClass.loadStoreRegisterOffset`.
struct LoadStoreRegisterOffsetFields: InstructionFields {
    let size: UInt32
    let v: Bool
    let opc: UInt32
    let rm: RegisterNumber
    let option: UInt32
    let s: Bool
    let rn: RegisterNumber
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        size = w >> 30
        v = w >> 26 & 1 != 0
        opc = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        option = w >> 13 & 0x7
        s = w >> 12 & 1 != 0
        rn = RegisterNumber(w >> 5 & 0x1F)
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeLoadStoreRegisterOffset(Self(word)) }
}

/// Fields of `InstructionClass.loadStoreUnsigned`.
struct LoadStoreUnsignedFields: InstructionFields {
    let size: UInt32
    let v: Bool
    let opc: UInt32
    let imm12: UInt32
    let rn: RegisterNumber
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        size = w >> 30
        v = w >> 26 & 1 != 0
        opc = w >> 22 & 0x3
        imm12 = w >> 10 & 0xFFF
        rn = RegisterNumber(w >> 5 & 0x1F)
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeLoadStoreUnsigned(Self(word)) }
}

/// Fields of `InstructionClass.simdLoadStoreMultiple`.
struct SIMDLoadStoreMultipleFields: InstructionFields {
    let q: Bool
    let p: Bool
    let l: Bool
    let rm: RegisterNumber
    let opcode: UInt32
    let size: UInt32
    let rn: RegisterNumber
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        p = w >> 23 & 1 != 0
        l = w >> 22 & 1 != 0
        rm = RegisterNumber(w >> 16 & 0x1F)
        opcode = w >> 12 & 0xF
        size = w >> 10 & 0x3
        rn = RegisterNumber(w >> 5 & 0x1F)
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDLoadStoreMultiple(Self(word)) }
}

/// Fields of `InstructionClass.simdLoadStoreSingle`.
struct SIMDLoadStoreSingleFields: InstructionFields {
    let q: Bool
    let p: Bool
    let l: Bool
    let r: Bool
    let rm: RegisterNumber
    let opcode: UInt32
    let s: Bool
    let size: UInt32
    let rn: RegisterNumber
    let rt: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        p = w >> 23 & 1 != 0
        l = w >> 22 & 1 != 0
        r = w >> 21 & 1 != 0
        rm = RegisterNumber(w >> 16 & 0x1F)
        opcode = w >> 13 & 0x7
        s = w >> 12 & 1 != 0
        size = w >> 10 & 0x3
        rn = RegisterNumber(w >> 5 & 0x1F)
        rt = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDLoadStoreSingle(Self(word)) }
}

/// Fields of `InstructionClass.dataProcessing2Source`.
struct DataProcessing2SourceFields: InstructionFields {
    let sf: Bool
    let s: Bool
    let rm: RegisterNumber
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        rm = RegisterNumber(w >> 16 & 0x1F)
        opcode = w >> 10 & 0x3F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeDataProcessing2Source(Self(word)) }
}

/// Fields of `InstructionClass.dataProcessing1Source`.
struct DataProcessing1SourceFields: InstructionFields {
    let sf: Bool
    let s: Bool
    let opcode2: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        opcode2 = w >> 16 & 0x1F
        opcode = w >> 10 & 0x3F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeDataProcessing1Source(Self(word)) }
}

/// Fields of `InstructionClass.logicalShifted`.
struct LogicalShiftedFields: InstructionFields {
    let sf: Bool
    let opc: UInt32
    let shift: UInt32
    let n: Bool
    let rm: RegisterNumber
    let imm6: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        opc = w >> 29 & 0x3
        shift = w >> 22 & 0x3
        n = w >> 21 & 1 != 0
        rm = RegisterNumber(w >> 16 & 0x1F)
        imm6 = w >> 10 & 0x3F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeLogicalShifted(Self(word)) }
}

/// Fields of `InstructionClass.addSubShifted`.
struct AddSubShiftedFields: InstructionFields {
    let sf: Bool
    let op: Bool
    let s: Bool
    let shift: UInt32
    let rm: RegisterNumber
    let imm6: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        op = w >> 30 & 1 != 0
        s = w >> 29 & 1 != 0
        shift = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        imm6 = w >> 10 & 0x3F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeAddSubShifted(Self(word)) }
}

/// Fields of `InstructionClass.addSubExtended`.
struct AddSubExtendedFields: InstructionFields {
    let sf: Bool
    let op: Bool
    let s: Bool
    let opt: UInt32
    let rm: RegisterNumber
    let option: UInt32
    let imm3: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        op = w >> 30 & 1 != 0
        s = w >> 29 & 1 != 0
        opt = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        option = w >> 13 & 0x7
        imm3 = w >> 10 & 0x7
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeAddSubExtended(Self(word)) }
}

/// Fields of `InstructionClass.addSubCarry`.
struct AddSubCarryFields: InstructionFields {
    let sf: Bool
    let op: Bool
    let s: Bool
    let rm: RegisterNumber
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        op = w >> 30 & 1 != 0
        s = w >> 29 & 1 != 0
        rm = RegisterNumber(w >> 16 & 0x1F)
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeAddSubCarry(Self(word)) }
}

/// Fields of `InstructionClass.conditionalCompare`.
struct ConditionalCompareFields: InstructionFields {
    let sf: Bool
    let op: Bool
    let s: Bool
    let rm: RegisterNumber
    let cond: UInt32
    let i: Bool
    let o2: Bool
    let rn: RegisterNumber
    let o3: Bool
    let nzcv: UInt32

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        op = w >> 30 & 1 != 0
        s = w >> 29 & 1 != 0
        rm = RegisterNumber(w >> 16 & 0x1F)
        cond = w >> 12 & 0xF
        i = w >> 11 & 1 != 0
        o2 = w >> 10 & 1 != 0
        rn = RegisterNumber(w >> 5 & 0x1F)
        o3 = w >> 4 & 1 != 0
        nzcv = w & 0xF
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeConditionalCompare(Self(word)) }
}

/// Fields of `InstructionClass.conditionalSelect`.
struct ConditionalSelectFields: InstructionFields {
    let sf: Bool
    let op: Bool
    let s: Bool
    let rm: RegisterNumber
    let cond: UInt32
    let op2: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        op = w >> 30 & 1 != 0
        s = w >> 29 & 1 != 0
        rm = RegisterNumber(w >> 16 & 0x1F)
        cond = w >> 12 & 0xF
        op2 = w >> 10 & 0x3
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeConditionalSelect(Self(word)) }
}

/// Fields of `InstructionClass.dataProcessing3Source`.
struct DataProcessing3SourceFields: InstructionFields {
    let sf: Bool
    let op54: UInt32
    let op31: UInt32
    let rm: RegisterNumber
    let o0: Bool
    let ra: RegisterNumber
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        op54 = w >> 29 & 0x3
        op31 = w >> 21 & 0x7
        rm = RegisterNumber(w >> 16 & 0x1F)
        o0 = w >> 15 & 1 != 0
        ra = RegisterNumber(w >> 10 & 0x1F)
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeDataProcessing3Source(Self(word)) }
}

/// Fields of `InstructionClass.fpIntegerConversion`.
struct FPIntegerConversionFields: InstructionFields {
    let sf: Bool
    let s: Bool
    let ftype: UInt32
    let rmode: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        ftype = w >> 22 & 0x3
        rmode = w >> 19 & 0x3
        opcode = w >> 16 & 0x7
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeFPIntegerConversion(Self(word)) }
}

/// Fields of `InstructionClass.fpDataProcessing1`.
struct FPDataProcessing1Fields: InstructionFields {
    let m: Bool
    let s: Bool
    let ftype: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        m = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        ftype = w >> 22 & 0x3
        opcode = w >> 15 & 0x3F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeFPDataProcessing1(Self(word)) }
}

/// Fields of `InstructionClass.fpCompare`.
struct FPCompareFields: InstructionFields {
    let m: Bool
    let s: Bool
    let ftype: UInt32
    let rm: RegisterNumber
    let op: UInt32
    let rn: RegisterNumber
    let opcode2: UInt32

    @inline(__always) init(_ w: UInt32) {
        m = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        ftype = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        op = w >> 14 & 0x3
        rn = RegisterNumber(w >> 5 & 0x1F)
        opcode2 = w & 0x1F
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeFPCompare(Self(word)) }
}

/// Fields of `InstructionClass.fpImmediate`.
struct FPImmediateFields: InstructionFields {
    let m: Bool
    let s: Bool
    let ftype: UInt32
    let imm8: UInt32
    let imm5: UInt32
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        m = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        ftype = w >> 22 & 0x3
        imm8 = w >> 13 & 0xFF
        imm5 = w >> 5 & 0x1F
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeFPImmediate(Self(word)) }
}

/// Fields of `InstructionClass.fpConditionalCompare`.
struct FPConditionalCompareFields: InstructionFields {
    let m: Bool
    let s: Bool
    let ftype: UInt32
    let rm: RegisterNumber
    let cond: UInt32
    let rn: RegisterNumber
    let op: Bool
    let nzcv: UInt32

    @inline(__always) init(_ w: UInt32) {
        m = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        ftype = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        cond = w >> 12 & 0xF
        rn = RegisterNumber(w >> 5 & 0x1F)
        op = w >> 4 & 1 != 0
        nzcv = w & 0xF
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeFPConditionalCompare(Self(word)) }
}

/// Fields of `InstructionClass.fpDataProcessing2`.
struct FPDataProcessing2Fields: InstructionFields {
    let m: Bool
    let s: Bool
    let ftype: UInt32
    let rm: RegisterNumber
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        m = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        ftype = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        opcode = w >> 12 & 0xF
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeFPDataProcessing2(Self(word)) }
}

/// Fields of `InstructionClass.fpConditionalSelect`.
struct FPConditionalSelectFields: InstructionFields {
    let m: Bool
    let s: Bool
    let ftype: UInt32
    let rm: RegisterNumber
    let cond: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        m = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        ftype = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        cond = w >> 12 & 0xF
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeFPConditionalSelect(Self(word)) }
}

/// Fields of `InstructionClass.fpDataProcessing3`.
struct FPDataProcessing3Fields: InstructionFields {
    let m: Bool
    let s: Bool
    let ftype: UInt32
    let o1: Bool
    let rm: RegisterNumber
    let o0: Bool
    let ra: RegisterNumber
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        m = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        ftype = w >> 22 & 0x3
        o1 = w >> 21 & 1 != 0
        rm = RegisterNumber(w >> 16 & 0x1F)
        o0 = w >> 15 & 1 != 0
        ra = RegisterNumber(w >> 10 & 0x1F)
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeFPDataProcessing3(Self(word)) }
}

/// Fields of `InstructionClass.simdThreeSame`.
struct SIMDThreeSameFields: InstructionFields {
    let q: Bool
    let u: Bool
    let size: UInt32
    let rm: RegisterNumber
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        u = w >> 29 & 1 != 0
        size = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        opcode = w >> 11 & 0x1F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDThreeSame(Self(word)) }
}

/// Fields of `InstructionClass.simdThreeDifferent`.
struct SIMDThreeDifferentFields: InstructionFields {
    let q: Bool
    let u: Bool
    let size: UInt32
    let rm: RegisterNumber
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        u = w >> 29 & 1 != 0
        size = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        opcode = w >> 12 & 0xF
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDThreeDifferent(Self(word)) }
}

/// Fields of `InstructionClass.simdTwoRegisterMisc`.
struct SIMDTwoRegisterMiscFields: InstructionFields {
    let q: Bool
    let u: Bool
    let size: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        u = w >> 29 & 1 != 0
        size = w >> 22 & 0x3
        opcode = w >> 12 & 0x1F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDTwoRegisterMisc(Self(word)) }
}

/// Fields of `InstructionClass.simdAcrossLanes`.
struct SIMDAcrossLanesFields: InstructionFields {
    let q: Bool
    let u: Bool
    let size: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        u = w >> 29 & 1 != 0
        size = w >> 22 & 0x3
        opcode = w >> 12 & 0x1F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDAcrossLanes(Self(word)) }
}

/// Fields of `InstructionClass.simdCopy`.
struct SIMDCopyFields: InstructionFields {
    let q: Bool
    let op: Bool
    let imm5: UInt32
    let imm4: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        op = w >> 29 & 1 != 0
        imm5 = w >> 16 & 0x1F
        imm4 = w >> 11 & 0xF
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDCopy(Self(word)) }
}

/// Fields of `InstructionClass.simdModifiedImmediate`.
struct SIMDModifiedImmediateFields: InstructionFields {
    let q: Bool
    let op: Bool
    let abc: UInt32
    let cmode: UInt32
    let o2: Bool
    let defgh: UInt32
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        op = w >> 29 & 1 != 0
        abc = w >> 16 & 0x7
        cmode = w >> 12 & 0xF
        o2 = w >> 11 & 1 != 0
        defgh = w >> 5 & 0x1F
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDModifiedImmediate(Self(word)) }
}

/// Fields of `InstructionClass.simdShiftImmediate`.
struct SIMDShiftImmediateFields: InstructionFields {
    let q: Bool
    let u: Bool
    let immh: UInt32
    let immb: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        u = w >> 29 & 1 != 0
        immh = w >> 19 & 0xF
        immb = w >> 16 & 0x7
        opcode = w >> 11 & 0x1F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDShiftImmediate(Self(word)) }
}

/// Fields of `InstructionClass.simdExtract`.
struct SIMDExtractFields: InstructionFields {
    let q: Bool
    let op2: UInt32
    let rm: RegisterNumber
    let imm4: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        op2 = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        imm4 = w >> 11 & 0xF
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDExtract(Self(word)) }
}

/// Fields of `InstructionClass.simdTableLookup`.
struct SIMDTableLookupFields: InstructionFields {
    let q: Bool
    let op2: UInt32
    let rm: RegisterNumber
    let len: UInt32
    let op: Bool
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        op2 = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        len = w >> 13 & 0x3
        op = w >> 12 & 1 != 0
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDTableLookup(Self(word)) }
}

/// Fields of `InstructionClass.simdPermute`.
struct SIMDPermuteFields: InstructionFields {
    let q: Bool
    let size: UInt32
    let rm: RegisterNumber
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        size = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        opcode = w >> 12 & 0x7
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDPermute(Self(word)) }
}

/// Fields of `InstructionClass.simdScalarPairwise`.
struct SIMDScalarPairwiseFields: InstructionFields {
    let u: Bool
    let size: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        u = w >> 29 & 1 != 0
        size = w >> 22 & 0x3
        opcode = w >> 12 & 0x1F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDScalarPairwise(Self(word)) }
}

/// Fields of `InstructionClass.simdScalarShiftImmediate`.
struct SIMDScalarShiftImmediateFields: InstructionFields {
    let u: Bool
    let immh: UInt32
    let immb: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        u = w >> 29 & 1 != 0
        immh = w >> 19 & 0xF
        immb = w >> 16 & 0x7
        opcode = w >> 11 & 0x1F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDScalarShiftImmediate(Self(word)) }
}

/// Fields of `InstructionClass.simdScalarCopy`.
struct SIMDScalarCopyFields: InstructionFields {
    let op: Bool
    let imm5: UInt32
    let imm4: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        op = w >> 29 & 1 != 0
        imm5 = w >> 16 & 0x1F
        imm4 = w >> 11 & 0xF
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDScalarCopy(Self(word)) }
}

/// Fields of `InstructionClass.simdScalarThreeSame`.
struct SIMDScalarThreeSameFields: InstructionFields {
    let u: Bool
    let size: UInt32
    let rm: RegisterNumber
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        u = w >> 29 & 1 != 0
        size = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        opcode = w >> 11 & 0x1F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDScalarThreeSame(Self(word)) }
}

/// Fields of `InstructionClass.simdScalarTwoRegisterMisc`.
struct SIMDScalarTwoRegisterMiscFields: InstructionFields {
    let u: Bool
    let size: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        u = w >> 29 & 1 != 0
        size = w >> 22 & 0x3
        opcode = w >> 12 & 0x1F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDScalarTwoRegisterMisc(Self(word)) }
}

/// Fields of `InstructionClass.fpFixedConversion`.
struct FPFixedConversionFields: InstructionFields {
    let sf: Bool
    let s: Bool
    let ftype: UInt32
    let rmode: UInt32
    let opcode: UInt32
    let scale: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        sf = w >> 31 & 1 != 0
        s = w >> 29 & 1 != 0
        ftype = w >> 22 & 0x3
        rmode = w >> 19 & 0x3
        opcode = w >> 16 & 0x7
        scale = w >> 10 & 0x3F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeFPFixedConversion(Self(word)) }
}

/// Fields of `InstructionClass.simdScalarThreeDifferent`.
struct SIMDScalarThreeDifferentFields: InstructionFields {
    let u: Bool
    let size: UInt32
    let rm: RegisterNumber
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        u = w >> 29 & 1 != 0
        size = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        opcode = w >> 12 & 0xF
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDScalarThreeDifferent(Self(word)) }
}

/// Fields of `InstructionClass.simdVectorIndexed`.
struct SIMDVectorIndexedFields: InstructionFields {
    let q: Bool
    let u: Bool
    let size: UInt32
    let l: Bool
    let m: Bool
    let rm: UInt32
    let opcode: UInt32
    let h: Bool
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        q = w >> 30 & 1 != 0
        u = w >> 29 & 1 != 0
        size = w >> 22 & 0x3
        l = w >> 21 & 1 != 0
        m = w >> 20 & 1 != 0
        rm = w >> 16 & 0xF
        opcode = w >> 12 & 0xF
        h = w >> 11 & 1 != 0
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDVectorIndexed(Self(word)) }
}

/// Fields of `InstructionClass.simdScalarIndexed`.
struct SIMDScalarIndexedFields: InstructionFields {
    let u: Bool
    let size: UInt32
    let l: Bool
    let m: Bool
    let rm: UInt32
    let opcode: UInt32
    let h: Bool
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        u = w >> 29 & 1 != 0
        size = w >> 22 & 0x3
        l = w >> 21 & 1 != 0
        m = w >> 20 & 1 != 0
        rm = w >> 16 & 0xF
        opcode = w >> 12 & 0xF
        h = w >> 11 & 1 != 0
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeSIMDScalarIndexed(Self(word)) }
}

/// Fields of `InstructionClass.cryptoAES`.
struct CryptoAESFields: InstructionFields {
    let size: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        size = w >> 22 & 0x3
        opcode = w >> 12 & 0x1F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeCryptoAES(Self(word)) }
}

/// Fields of `InstructionClass.cryptoThreeRegisterSHA`.
struct CryptoThreeRegisterSHAFields: InstructionFields {
    let size: UInt32
    let rm: RegisterNumber
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        size = w >> 22 & 0x3
        rm = RegisterNumber(w >> 16 & 0x1F)
        opcode = w >> 12 & 0x7
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeCryptoThreeRegisterSHA(Self(word)) }
}

/// Fields of `InstructionClass.cryptoTwoRegisterSHA`.
struct CryptoTwoRegisterSHAFields: InstructionFields {
    let size: UInt32
    let opcode: UInt32
    let rn: RegisterNumber
    let rd: RegisterNumber

    @inline(__always) init(_ w: UInt32) {
        size = w >> 22 & 0x3
        opcode = w >> 12 & 0x1F
        rn = RegisterNumber(w >> 5 & 0x1F)
        rd = RegisterNumber(w & 0x1F)
    }

    static func decode(_ word: UInt32, pc: UInt64) -> Op { A64Decoder.decodeCryptoTwoRegisterSHA(Self(word)) }
}
