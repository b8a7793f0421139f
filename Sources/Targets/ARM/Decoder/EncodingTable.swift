/// The A64 encoding classes this core decodes, as named in the ARM ARM
/// (DDI 0487, section C4.1 "A64 instruction set encoding").
public enum InstructionClass: String, CaseIterable, Sendable {
    case pcRelative = "PC-rel. addressing"
    case addSubImmediate = "Add/subtract (immediate)"
    case logicalImmediate = "Logical (immediate)"
    case moveWide = "Move wide (immediate)"
    case bitfield = "Bitfield"
    case extract = "Extract"
    case conditionalBranch = "Conditional branch (immediate)"
    case exceptionGeneration = "Exception generation"
    case system = "System"
    case branchRegister = "Unconditional branch (register)"
    case branchImmediate = "Unconditional branch (immediate)"
    case compareBranch = "Compare and branch (immediate)"
    case testBranch = "Test and branch (immediate)"
    case loadStoreExclusive = "Load/store exclusive and ordered, compare and swap"
    case loadLiteral = "Load register (literal)"
    case loadStorePair = "Load/store register pair"
    case loadStoreUnscaled = "Load/store register (unscaled, pre/post-indexed, unprivileged)"
    case atomicMemory = "Atomic memory operations"
    case loadStoreRegisterOffset = "Load/store register (register offset)"
    case loadStoreUnsigned = "Load/store register (unsigned immediate)"
    case simdLoadStoreMultiple = "Advanced SIMD load/store multiple structures"
    case simdLoadStoreSingle = "Advanced SIMD load/store single structure"
    case dataProcessing2Source = "Data-processing (2 source)"
    case dataProcessing1Source = "Data-processing (1 source)"
    case logicalShifted = "Logical (shifted register)"
    case addSubShifted = "Add/subtract (shifted register)"
    case addSubExtended = "Add/subtract (extended register)"
    case addSubCarry = "Add/subtract (with carry)"
    case conditionalCompare = "Conditional compare (register and immediate)"
    case conditionalSelect = "Conditional select"
    case dataProcessing3Source = "Data-processing (3 source)"
    case fpIntegerConversion = "Conversion between floating-point and integer"
    case fpDataProcessing1 = "Floating-point data-processing (1 source)"
    case fpCompare = "Floating-point compare"
    case fpImmediate = "Floating-point immediate"
    case fpConditionalCompare = "Floating-point conditional compare"
    case fpDataProcessing2 = "Floating-point data-processing (2 source)"
    case fpConditionalSelect = "Floating-point conditional select"
    case fpDataProcessing3 = "Floating-point data-processing (3 source)"
    case simdThreeSame = "Advanced SIMD three same"
    case simdThreeDifferent = "Advanced SIMD three different"
    case simdTwoRegisterMisc = "Advanced SIMD two-register miscellaneous"
    case simdAcrossLanes = "Advanced SIMD across lanes"
    case simdCopy = "Advanced SIMD copy"
    case simdModifiedImmediate = "Advanced SIMD modified immediate"
    case simdShiftImmediate = "Advanced SIMD shift by immediate"
    case simdExtract = "Advanced SIMD extract"
    case simdTableLookup = "Advanced SIMD table lookup"
    case simdPermute = "Advanced SIMD permute"
    case simdScalarPairwise = "Advanced SIMD scalar pairwise"
    case simdScalarShiftImmediate = "Advanced SIMD scalar shift by immediate"
    case simdScalarCopy = "Advanced SIMD scalar copy"
    case simdScalarThreeSame = "Advanced SIMD scalar three same"
    case simdScalarTwoRegisterMisc = "Advanced SIMD scalar two-register miscellaneous"
    case fpFixedConversion = "Conversion between floating-point and fixed-point"
    case simdScalarThreeDifferent = "Advanced SIMD scalar three different"
    case simdVectorIndexed = "Advanced SIMD vector x indexed element"
    case simdScalarIndexed = "Advanced SIMD scalar x indexed element"
    case cryptoAES = "Cryptographic AES"
    case cryptoThreeRegisterSHA = "Cryptographic three-register SHA"
    case cryptoTwoRegisterSHA = "Cryptographic two-register SHA"
}

/// A named bit field of an encoding (`Rn`, `imm12`, …).
public struct EncodingField: Sendable, Hashable {
    public var name: String
    /// Least significant bit.
    public var lsb: Int
    public var width: Int

    /// Extracts the field from an instruction word.
    @inline(__always)
    public func value(in word: UInt32) -> UInt32 { (word >> UInt32(lsb)) & ((1 << UInt32(width)) - 1) }
}

/// Which register file an encoding uses, for the CPACR_EL1.FPEN trap.
public enum RegisterFileUse: Sendable {
    /// General-purpose registers only.
    case general
    /// FP/SIMD registers.
    case fpSIMD
    /// FP/SIMD registers when the pattern's `V` field is 1 (loads and stores).
    case fpSIMDWhenV
}

/// One encoding pattern: fixed bits and named fields, written as in the
/// manual's encoding diagrams, most significant bit first. `0`/`1` are
/// fixed bits, `x` a bit the class decoder inspects itself, `name:width` a field.
/// The entry carries its class decoder, which receives the fields already
/// extracted into the class's `InstructionFields` struct.
public struct Encoding: Sendable {
    public var instructionClass: InstructionClass
    public var pattern: String
    public var mask: UInt32
    public var value: UInt32
    public var fields: [EncodingField]
    /// Encodings that deliberately overlap share a group; within a group
    /// the earlier (more specific) entry wins.
    public var overlapGroup: String?
    /// The register file the class uses (see `A64Decoder.isFPOrSIMD`).
    public var registerFile: RegisterFileUse
    /// The `V` bit when `registerFile` is `.fpSIMDWhenV`, else 0.
    let vMask: UInt32
    /// The class's fields struct, whose `decode` runs the class decoder.
    let decoder: any InstructionFields.Type
    /// For the self-check: the stored properties of the fields struct
    /// (name, raw bits) for a word, and the struct's name.
    let fieldValues: @Sendable (UInt32) -> [(name: String, bits: UInt32)]
    let fieldsTypeName: String

    /// An entry decoded by `F.decode`, the class decoder of its fields struct.
    init<F: InstructionFields>(_ instructionClass: InstructionClass, _ pattern: String, group: String? = nil,
                               registerFile: RegisterFileUse = .general, _ fields: F.Type) {
        self.instructionClass = instructionClass
        self.pattern = pattern
        self.overlapGroup = group
        self.registerFile = registerFile
        self.decoder = F.self
        self.fieldsTypeName = String(describing: F.self)
        self.fieldValues = { w in
            Mirror(reflecting: F(w)).children.map { child in
                (child.label ?? "?", (child.value as? any FieldValue)?.fieldBits ?? .max)
            }
        }
        var mask: UInt32 = 0, value: UInt32 = 0, fields: [EncodingField] = []
        var bit = 32
        for token in pattern.split(separator: " ") {
            if let colon = token.firstIndex(of: ":") {
                let width = Int(token[token.index(after: colon)...])!
                bit -= width
                fields.append(EncodingField(name: String(token[..<colon]), lsb: bit, width: width))
            } else {
                for c in token {
                    bit -= 1
                    switch c {
                    case "0": mask |= 1 << UInt32(bit)
                    case "1": mask |= 1 << UInt32(bit); value |= 1 << UInt32(bit)
                    case "x": break
                    default: preconditionFailure("bad pattern character \(c) in \(pattern)")
                    }
                }
            }
        }
        precondition(bit == 0, "pattern '\(pattern)' is \(32 - bit) bits, not 32")
        self.mask = mask
        self.value = value
        self.fields = fields
        if registerFile == .fpSIMDWhenV {
            guard let v = fields.first(where: { $0.name == "V" && $0.width == 1 }) else {
                preconditionFailure("'\(pattern)': registerFile .fpSIMDWhenV needs a V:1 field")
            }
            vMask = 1 << UInt32(v.lsb)
        } else {
            vMask = 0
        }
    }

    /// Decodes `word` (which must match this entry) fetched from `pc`.
    @inline(__always)
    func decode(_ word: UInt32, pc: UInt64) -> Op { decoder.decode(word, pc: pc) }

    /// Does `word` have this encoding's fixed bits?
    @inline(__always)
    public func matches(_ word: UInt32) -> Bool { word & mask == value }

    /// The field called `name` (the table is static, so a missing name is a bug).
    public func field(_ name: String) -> EncodingField {
        guard let f = fields.first(where: { $0.name == name }) else { preconditionFailure("no field \(name) in \(pattern)") }
        return f
    }

    /// Do both encodings accept some common word?
    public func overlaps(_ other: Encoding) -> Bool {
        (value ^ other.value) & mask & other.mask == 0
    }
}

/// The A64 encoding table: the single description of instruction formats
/// read by the decoder, the disassembler and the random-instruction generator.
public struct EncodingTable: Sendable {
    public let encodings: [Encoding]
    /// Entries by bits 28:25 (the manual's op0), in table order, for decoding.
    let buckets: [[Int]]
    /// What decoding needs of each entry, plain values only (no strings or
    /// arrays to retain), grouped by op0: bucket b is
    /// `decodeEntries[bucketStart[b] ..< bucketStart[b + 1]]`, in table order.
    let decodeEntries: [DecodeEntry]
    let bucketStart: [Int]

    /// The decode-time view of one entry.
    struct DecodeEntry: Sendable {
        let mask: UInt32
        let value: UInt32
        /// A word of this entry uses the FP/SIMD registers when it has a bit
        /// of this mask set: the V bit for `.fpSIMDWhenV`, the pattern's fixed
        /// one bits (set in every matching word) for `.fpSIMD`, 0 for `.general`.
        let fpSIMDMask: UInt32
        let decoder: any InstructionFields.Type
        /// Index into `encodings`.
        let index: Int
    }

    /// The A64 table. Traps if two entries overlap without sharing a group.
    public static let a64 = EncodingTable(entries: EncodingTable.a64Entries)

    init(entries: [Encoding]) {
        encodings = entries
        let problems = EncodingTable.overlapProblems(entries)
        precondition(problems.isEmpty, "A64 encoding table: " + problems.joined(separator: "; "))
        var b = [[Int]](repeating: [], count: 16)
        for (i, e) in entries.enumerated() {
            for op0 in 0..<16 where Encoding.bucketAccepts(e, UInt32(op0)) { b[op0].append(i) }
        }
        buckets = b
        var hot: [DecodeEntry] = [], start: [Int] = []
        for op0 in 0..<16 {
            start.append(hot.count)
            for i in b[op0] {
                let e = entries[i]
                let fp: UInt32
                switch e.registerFile {
                case .general: fp = 0
                case .fpSIMD: fp = e.value; precondition(e.value != 0, "'\(e.pattern)' has no fixed one bit")
                case .fpSIMDWhenV: fp = e.vMask
                }
                hot.append(DecodeEntry(mask: e.mask, value: e.value, fpSIMDMask: fp, decoder: e.decoder, index: i))
            }
        }
        start.append(hot.count)
        decodeEntries = hot
        bucketStart = start
    }

    /// The decode-time entry for `word`, or `nil` for an unallocated encoding.
    @inline(__always)
    func decodeEntry(_ word: UInt32) -> DecodeEntry? {
        let op0 = Int((word >> 25) & 0xF)
        return decodeEntries.withUnsafeBufferPointer { entries in
            bucketStart.withUnsafeBufferPointer { start in
                for i in start[op0]..<start[op0 + 1] where word & entries[i].mask == entries[i].value { return entries[i] }
                return nil
            }
        }
    }

    /// Pairs of entries that overlap without being declared in one group.
    public static func overlapProblems(_ entries: [Encoding]) -> [String] {
        var problems: [String] = []
        for i in entries.indices {
            for j in entries.indices where j > i && entries[i].overlaps(entries[j]) {
                let g1 = entries[i].overlapGroup, g2 = entries[j].overlapGroup
                if g1 == nil || g1 != g2 {
                    problems.append("'\(entries[i].pattern)' (\(entries[i].instructionClass.rawValue)) overlaps '\(entries[j].pattern)' (\(entries[j].instructionClass.rawValue))")
                }
            }
        }
        return problems
    }

    /// Fields structs that disagree with their patterns: every stored property
    /// must be named after a field of the pattern (ignoring case) and hold
    /// exactly that field's bits. Checked bit by bit: for each free bit of the
    /// pattern, the word with only that bit set must give each property
    /// either the matching single bit or 0.
    public static func fieldProblems(_ entries: [Encoding]) -> [String] {
        var problems: [String] = []
        for e in entries {
            let byName = e.fields.map { ($0.name.lowercased(), $0) }
            func field(_ property: String) -> EncodingField? { byName.first { $0.0 == property.lowercased() }?.1 }
            let base = e.fieldValues(e.value)
            if base.isEmpty { problems.append("\(e.fieldsTypeName) has no fields for '\(e.pattern)'") }
            for (name, bits) in base {
                guard field(name) != nil else {
                    problems.append("\(e.fieldsTypeName).\(name) is not a field of '\(e.pattern)'")
                    continue
                }
                if bits != 0 { problems.append("\(e.fieldsTypeName).\(name) is \(bits), not 0, for the pattern's fixed bits alone") }
            }
            for bit in 0..<32 where e.mask & (1 << UInt32(bit)) == 0 {
                for (name, bits) in e.fieldValues(e.value | 1 << UInt32(bit)) {
                    guard let f = field(name) else { continue }
                    let inside = bit >= f.lsb && bit < f.lsb + f.width
                    let expected: UInt32 = inside ? 1 << UInt32(bit - f.lsb) : 0
                    if bits != expected {
                        problems.append("\(e.fieldsTypeName).\(name) reads \(bits) with only bit \(bit) set; '\(f.name)' of '\(e.pattern)' is bits \(f.lsb + f.width - 1):\(f.lsb)")
                    }
                }
            }
        }
        return problems
    }

    /// The entry that decodes `word`, or `nil` for an unallocated encoding.
    public func lookup(_ word: UInt32) -> Encoding? {
        guard let i = index(of: word) else { return nil }
        return encodings[i]
    }

    /// Index into `encodings` of the entry decoding `word`.
    public func index(of word: UInt32) -> Int? {
        decodeEntry(word)?.index
    }

    static let a64Entries: [Encoding] = [
        // Data processing — immediate.
        Encoding(.pcRelative, "op:1 immlo:2 10000 immhi:19 Rd:5", PCRelativeFields.self),
        Encoding(.addSubImmediate, "sf:1 op:1 S:1 100010 sh:1 imm12:12 Rn:5 Rd:5", AddSubImmediateFields.self),
        Encoding(.logicalImmediate, "sf:1 opc:2 100100 N:1 immr:6 imms:6 Rn:5 Rd:5", LogicalImmediateFields.self),
        Encoding(.moveWide, "sf:1 opc:2 100101 hw:2 imm16:16 Rd:5", MoveWideFields.self),
        Encoding(.bitfield, "sf:1 opc:2 100110 N:1 immr:6 imms:6 Rn:5 Rd:5", BitfieldFields.self),
        Encoding(.extract, "sf:1 op21:2 100111 N:1 o0:1 Rm:5 imms:6 Rn:5 Rd:5", ExtractFields.self),
        // Branches, exception generation and system instructions.
        Encoding(.conditionalBranch, "0101010 o1:1 imm19:19 o0:1 cond:4", ConditionalBranchFields.self),
        Encoding(.exceptionGeneration, "11010100 opc:3 imm16:16 op2:3 LL:2", ExceptionGenerationFields.self),
        Encoding(.system, "1101010100 L:1 op0:2 op1:3 CRn:4 CRm:4 op2:3 Rt:5", SystemFields.self),
        Encoding(.branchRegister, "1101011 opc:4 op2:5 op3:6 Rn:5 op4:5", BranchRegisterFields.self),
        Encoding(.branchImmediate, "op:1 00101 imm26:26", BranchImmediateFields.self),
        Encoding(.compareBranch, "sf:1 011010 op:1 imm19:19 Rt:5", CompareBranchFields.self),
        Encoding(.testBranch, "b5:1 011011 op:1 b40:5 imm14:14 Rt:5", TestBranchFields.self),
        // Loads and stores.
        Encoding(.loadStoreExclusive, "size:2 001000 o2:1 L:1 o1:1 Rs:5 o0:1 Rt2:5 Rn:5 Rt:5", LoadStoreExclusiveFields.self),
        Encoding(.loadLiteral, "opc:2 011 V:1 00 imm19:19 Rt:5", registerFile: .fpSIMDWhenV, LoadLiteralFields.self),
        Encoding(.loadStorePair, "opc:2 101 V:1 0 mode:2 L:1 imm7:7 Rt2:5 Rn:5 Rt:5", registerFile: .fpSIMDWhenV, LoadStorePairFields.self),
        Encoding(.loadStoreUnscaled, "size:2 111 V:1 00 opc:2 0 imm9:9 mode:2 Rn:5 Rt:5", registerFile: .fpSIMDWhenV, LoadStoreUnscaledFields.self),
        Encoding(.atomicMemory, "size:2 111 V:1 00 A:1 R:1 1 Rs:5 o3:1 opc:3 00 Rn:5 Rt:5", AtomicMemoryFields.self),
        Encoding(.loadStoreRegisterOffset, "size:2 111 V:1 00 opc:2 1 Rm:5 option:3 S:1 10 Rn:5 Rt:5", registerFile: .fpSIMDWhenV, LoadStoreRegisterOffsetFields.self),
        Encoding(.loadStoreUnsigned, "size:2 111 V:1 01 opc:2 imm12:12 Rn:5 Rt:5", registerFile: .fpSIMDWhenV, LoadStoreUnsignedFields.self),
        Encoding(.simdLoadStoreMultiple, "0 Q:1 001100 P:1 L:1 0 Rm:5 opcode:4 size:2 Rn:5 Rt:5", registerFile: .fpSIMD, SIMDLoadStoreMultipleFields.self),
        Encoding(.simdLoadStoreSingle, "0 Q:1 001101 P:1 L:1 R:1 Rm:5 opcode:3 S:1 size:2 Rn:5 Rt:5", registerFile: .fpSIMD, SIMDLoadStoreSingleFields.self),
        // Data processing — register.
        Encoding(.dataProcessing2Source, "sf:1 0 S:1 11010110 Rm:5 opcode:6 Rn:5 Rd:5", DataProcessing2SourceFields.self),
        Encoding(.dataProcessing1Source, "sf:1 1 S:1 11010110 opcode2:5 opcode:6 Rn:5 Rd:5", DataProcessing1SourceFields.self),
        Encoding(.logicalShifted, "sf:1 opc:2 01010 shift:2 N:1 Rm:5 imm6:6 Rn:5 Rd:5", LogicalShiftedFields.self),
        Encoding(.addSubShifted, "sf:1 op:1 S:1 01011 shift:2 0 Rm:5 imm6:6 Rn:5 Rd:5", AddSubShiftedFields.self),
        Encoding(.addSubExtended, "sf:1 op:1 S:1 01011 opt:2 1 Rm:5 option:3 imm3:3 Rn:5 Rd:5", AddSubExtendedFields.self),
        Encoding(.addSubCarry, "sf:1 op:1 S:1 11010000 Rm:5 000000 Rn:5 Rd:5", AddSubCarryFields.self),
        Encoding(.conditionalCompare, "sf:1 op:1 S:1 11010010 Rm:5 cond:4 I:1 o2:1 Rn:5 o3:1 nzcv:4", ConditionalCompareFields.self),
        Encoding(.conditionalSelect, "sf:1 op:1 S:1 11010100 Rm:5 cond:4 op2:2 Rn:5 Rd:5", ConditionalSelectFields.self),
        Encoding(.dataProcessing3Source, "sf:1 op54:2 11011 op31:3 Rm:5 o0:1 Ra:5 Rn:5 Rd:5", DataProcessing3SourceFields.self),
        // Scalar floating point.
        Encoding(.fpIntegerConversion, "sf:1 0 S:1 11110 ftype:2 1 rmode:2 opcode:3 000000 Rn:5 Rd:5", registerFile: .fpSIMD, FPIntegerConversionFields.self),
        Encoding(.fpDataProcessing1, "M:1 0 S:1 11110 ftype:2 1 opcode:6 10000 Rn:5 Rd:5", registerFile: .fpSIMD, FPDataProcessing1Fields.self),
        Encoding(.fpCompare, "M:1 0 S:1 11110 ftype:2 1 Rm:5 op:2 1000 Rn:5 opcode2:5", registerFile: .fpSIMD, FPCompareFields.self),
        Encoding(.fpImmediate, "M:1 0 S:1 11110 ftype:2 1 imm8:8 100 imm5:5 Rd:5", registerFile: .fpSIMD, FPImmediateFields.self),
        Encoding(.fpConditionalCompare, "M:1 0 S:1 11110 ftype:2 1 Rm:5 cond:4 01 Rn:5 op:1 nzcv:4", registerFile: .fpSIMD, FPConditionalCompareFields.self),
        Encoding(.fpDataProcessing2, "M:1 0 S:1 11110 ftype:2 1 Rm:5 opcode:4 10 Rn:5 Rd:5", registerFile: .fpSIMD, FPDataProcessing2Fields.self),
        Encoding(.fpConditionalSelect, "M:1 0 S:1 11110 ftype:2 1 Rm:5 cond:4 11 Rn:5 Rd:5", registerFile: .fpSIMD, FPConditionalSelectFields.self),
        Encoding(.fpDataProcessing3, "M:1 0 S:1 11111 ftype:2 o1:1 Rm:5 o0:1 Ra:5 Rn:5 Rd:5", registerFile: .fpSIMD, FPDataProcessing3Fields.self),
        // Advanced SIMD (vector).
        Encoding(.simdThreeSame, "0 Q:1 U:1 01110 size:2 1 Rm:5 opcode:5 1 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDThreeSameFields.self),
        Encoding(.simdThreeDifferent, "0 Q:1 U:1 01110 size:2 1 Rm:5 opcode:4 00 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDThreeDifferentFields.self),
        Encoding(.simdTwoRegisterMisc, "0 Q:1 U:1 01110 size:2 10000 opcode:5 10 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDTwoRegisterMiscFields.self),
        Encoding(.simdAcrossLanes, "0 Q:1 U:1 01110 size:2 11000 opcode:5 10 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDAcrossLanesFields.self),
        Encoding(.simdCopy, "0 Q:1 op:1 01110000 imm5:5 0 imm4:4 1 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDCopyFields.self),
        Encoding(.simdModifiedImmediate, "0 Q:1 op:1 0111100000 abc:3 cmode:4 o2:1 1 defgh:5 Rd:5", group: "shift-imm", registerFile: .fpSIMD, SIMDModifiedImmediateFields.self),
        Encoding(.simdShiftImmediate, "0 Q:1 U:1 011110 immh:4 immb:3 opcode:5 1 Rn:5 Rd:5", group: "shift-imm", registerFile: .fpSIMD, SIMDShiftImmediateFields.self),
        Encoding(.simdExtract, "0 Q:1 101110 op2:2 0 Rm:5 0 imm4:4 0 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDExtractFields.self),
        Encoding(.simdTableLookup, "0 Q:1 001110 op2:2 0 Rm:5 0 len:2 op:1 00 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDTableLookupFields.self),
        Encoding(.simdPermute, "0 Q:1 001110 size:2 0 Rm:5 0 opcode:3 10 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDPermuteFields.self),
        // Advanced SIMD (scalar).
        Encoding(.simdScalarPairwise, "01 U:1 11110 size:2 11000 opcode:5 10 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDScalarPairwiseFields.self),
        Encoding(.simdScalarShiftImmediate, "01 U:1 111110 immh:4 immb:3 opcode:5 1 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDScalarShiftImmediateFields.self),
        Encoding(.simdScalarCopy, "01 op:1 11110000 imm5:5 0 imm4:4 1 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDScalarCopyFields.self),
        Encoding(.simdScalarThreeSame, "01 U:1 11110 size:2 1 Rm:5 opcode:5 1 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDScalarThreeSameFields.self),
        Encoding(.simdScalarTwoRegisterMisc, "01 U:1 11110 size:2 10000 opcode:5 10 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDScalarTwoRegisterMiscFields.self),
        Encoding(.fpFixedConversion, "sf:1 0 S:1 11110 ftype:2 0 rmode:2 opcode:3 scale:6 Rn:5 Rd:5", registerFile: .fpSIMD, FPFixedConversionFields.self),
        Encoding(.simdScalarThreeDifferent, "01 U:1 11110 size:2 1 Rm:5 opcode:4 00 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDScalarThreeDifferentFields.self),
        Encoding(.simdVectorIndexed, "0 Q:1 U:1 01111 size:2 L:1 M:1 Rm:4 opcode:4 H:1 0 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDVectorIndexedFields.self),
        Encoding(.simdScalarIndexed, "01 U:1 11111 size:2 L:1 M:1 Rm:4 opcode:4 H:1 0 Rn:5 Rd:5", registerFile: .fpSIMD, SIMDScalarIndexedFields.self),
        // Cryptographic extension.
        Encoding(.cryptoAES, "01001110 size:2 10100 opcode:5 10 Rn:5 Rd:5", registerFile: .fpSIMD, CryptoAESFields.self),
        Encoding(.cryptoThreeRegisterSHA, "01011110 size:2 0 Rm:5 0 opcode:3 00 Rn:5 Rd:5", registerFile: .fpSIMD, CryptoThreeRegisterSHAFields.self),
        Encoding(.cryptoTwoRegisterSHA, "01011110 size:2 10100 opcode:5 10 Rn:5 Rd:5", registerFile: .fpSIMD, CryptoTwoRegisterSHAFields.self),
    ]
}

extension Encoding {
    /// Can an instruction with bits 28:25 = `op0` match this encoding?
    static func bucketAccepts(_ e: Encoding, _ op0: UInt32) -> Bool {
        let m = (e.mask >> 25) & 0xF, v = (e.value >> 25) & 0xF
        return op0 & m == v
    }
}
