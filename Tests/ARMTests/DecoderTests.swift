@testable import ChimeraARM
import XCTest

/// The encoding table checks itself; every pattern decodes to itself and disassembles.
final class DecoderTests: XCTestCase {
    func testTableHasNoUnintendedOverlaps() {
        XCTAssertEqual(EncodingTable.overlapProblems(EncodingTable.a64Entries), [])
    }

    func testOverlapCheckCatchesOverlaps() {
        // Two patterns that share words without a group must be reported.
        let a = Encoding(.addSubImmediate, "sf:1 op:1 S:1 100010 sh:1 imm12:12 Rn:5 Rd:5", AddSubImmediateFields.self)
        let b = Encoding(.addSubImmediate, "1 op:1 S:1 100010 sh:1 imm12:12 Rn:5 Rd:5", AddSubImmediateFields.self)
        XCTAssertEqual(EncodingTable.overlapProblems([a, b]).count, 1)
    }

    func testFieldsStructsMatchTheirPatterns() {
        XCTAssertEqual(EncodingTable.fieldProblems(EncodingTable.a64Entries), [])
    }

    func testFieldCheckCatchesDrift() {
        // The add/subtract fields struct against a pattern with imm12 one bit
        // lower, Rn one bit narrower and no `sh`: all three must be reported.
        let moved = Encoding(.addSubImmediate, "sf:1 op:1 S:1 10001000 imm12:12 Rn:4 Rd:5", AddSubImmediateFields.self)
        let problems = EncodingTable.fieldProblems([moved])
        XCTAssertTrue(problems.contains { $0.contains("AddSubImmediateFields.sh is not a field") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("AddSubImmediateFields.imm12") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("AddSubImmediateFields.rn") }, "\(problems)")
    }

    /// Every field of every `Op` decoded from a fixed sample of a million
    /// words (each pattern with random fields, then random words), with the
    /// FP-trap predicate and the block-ending rule, hashed. The digest was
    /// taken from the class-switch decoder before the table carried the
    /// decoders; any change to any decoded op changes it. Retaken when SYS
    /// (DC/IC/TLBI/AT) began to carry its encoding for the MMU,
    /// and when LDTR/STTR became `.unprivileged`.
    func testDecodedOpsMatchGoldenDigest() {
        let words = A64Decoder.sampleWords(perEncoding: 16_384, seed: 0xC41_3E7A)
        XCTAssertEqual(words.count, 16_384 * (EncodingTable.a64.encodings.count + 1))
        XCTAssertEqual(String(A64Decoder.digest(of: words), radix: 16), "c8de478db550adfe")
    }

    func testRegisterFileIsDataOnTheEntry() {
        // ldr x0, [x1] / ldr d0, [x1] / fadd d0, d1, d2 / add x0, x1, #16
        XCTAssertFalse(A64Decoder.isFPOrSIMD(0xF940_0020))
        XCTAssertTrue(A64Decoder.isFPOrSIMD(0xFD40_0020))
        XCTAssertTrue(A64Decoder.isFPOrSIMD(0x1E62_2820))
        XCTAssertFalse(A64Decoder.isFPOrSIMD(0x9100_4020))
        XCTAssertFalse(A64Decoder.isFPOrSIMD(0x0000_0000))
    }

    func testAuxAccessors() {
        // b.ne: taken unless Z (NZCV bit 2) is set.
        let bne = A64Decoder.decode(0x5400_0041, pc: 0x1000)
        XCTAssertEqual(bne.aux, Op.branchConditionTable(1))
        XCTAssertTrue(bne.branchTaken(nzcv: 0b0000))
        XCTAssertFalse(bne.branchTaken(nzcv: 0b0100))
        // ldr x0, [sp, #8]: offset mode, SP base; ldr x0, [x1, x2, lsl #3]: register mode.
        let spLoad = A64Decoder.decode(0xF940_07E0, pc: 0)
        XCTAssertEqual(spLoad.addressMode, AddressMode.offset)
        XCTAssertTrue(spLoad.hasSPBase)
        let indexed = A64Decoder.decode(0xF862_7820, pc: 0)
        XCTAssertEqual(indexed.addressMode, AddressMode.register)
        XCTAssertEqual(indexed.registerOffsetOption, 3)
        XCTAssertEqual(indexed.registerOffsetShift, 3)
        XCTAssertFalse(indexed.hasSPBase)
        // orn x0, x1, x2, lsr #4
        let orn = A64Decoder.decode(0xAA62_1020, pc: 0)
        XCTAssertEqual(orn.shiftAmount, 4)
        XCTAssertEqual(orn.shiftType, 1)
        XCTAssertTrue(orn.invertsOperand)
        // add v0.4s, v1.4s, v2.4s
        let vadd = A64Decoder.decode(0x4EA2_8420, pc: 0)
        XCTAssertEqual(vadd.vectorOperation, VectorOp.add)
        XCTAssertEqual(vadd.vectorElementSize, 2)
        XCTAssertTrue(vadd.vectorQ)
    }

    func testEveryPatternDecodesToItself() {
        var rng = SystemRandomNumberGenerator()
        let table = EncodingTable.a64
        for (i, e) in table.encodings.enumerated() {
            for _ in 0..<2000 {
                let word = (UInt32.random(in: 0...UInt32.max, using: &rng) & ~e.mask) | e.value
                guard let found = table.index(of: word) else { XCTFail("\(e.pattern): 0x\(String(word, radix: 16)) not found"); break }
                if found != i {
                    // Only a declared overlap group may take the word.
                    XCTAssertNotNil(e.overlapGroup, "\(e.pattern) decoded as \(table.encodings[found].pattern)")
                    XCTAssertEqual(e.overlapGroup, table.encodings[found].overlapGroup)
                }
            }
        }
    }

    func testEveryPatternDisassembles() {
        for e in EncodingTable.a64.encodings {
            let text = A64Disassembler.disassemble(e.value)
            let found = EncodingTable.a64.lookup(e.value)!
            XCTAssertTrue(found.instructionClass == e.instructionClass || found.overlapGroup == e.overlapGroup, text)
            XCTAssertTrue(text.contains(found.instructionClass.rawValue), text)
        }
    }

    func testDisassemblyReadsAuxThroughAccessors() {
        let bne = A64Disassembler.disassemble(0x5400_0041, pc: 0x1000)
        XCTAssertTrue(bne.contains("bcond  ne 0x1008"), bne)
        let spLoad = A64Disassembler.disassemble(0xF940_07E0)
        XCTAssertTrue(spLoad.contains("ldrx  [sp, #8] (SP aligned)"), spLoad)
        let indexed = A64Disassembler.disassemble(0xF862_7820)
        XCTAssertTrue(indexed.contains("[x1, x2, lsl #3]"), indexed)
        let orn = A64Disassembler.disassemble(0xAA62_1020)
        XCTAssertTrue(orn.contains("orrSR64  not lsr #4"), orn)
        let vadd = A64Disassembler.disassemble(0x4EA2_8420)
        XCTAssertTrue(vadd.contains("4x32"), vadd)
    }

    func testKnownEncodings() {
        // add x0, x1, #16
        XCTAssertEqual(A64Decoder.decode(0x9100_4020, pc: 0).kind, .addImm64)
        // ret
        XCTAssertEqual(A64Decoder.decode(0xD65F_03C0, pc: 0).kind, .ret)
        // b.ne +8 resolves to an absolute target
        let b = A64Decoder.decode(0x5400_0041, pc: 0x1000)
        XCTAssertEqual(b.kind, .bcond)
        XCTAssertEqual(b.imm, 0x1008)
        // ldp x29, x30, [sp], #16
        let ldp = A64Decoder.decode(0xA8C1_7BFD, pc: 0)
        XCTAssertEqual(ldp.kind, .ldpx)
        XCTAssertEqual(ldp.rn, Slot.sp)
        // mov w0, #-1 (movn) zero-extends to 32 bits
        XCTAssertEqual(A64Decoder.decode(0x1280_0000, pc: 0).imm, 0xFFFF_FFFF)
        // unallocated
        XCTAssertEqual(A64Decoder.decode(0x0000_0000, pc: 0).kind, .undefined)
    }

    func testCRCCASPSaturatingStructureAndCryptoEncodings() {
        // crc32b w0, w1, w2 / crc32cx w0, w1, x2; the size must agree with sf
        XCTAssertEqual(A64Decoder.decode(0x1AC2_4020, pc: 0).kind, .crc32)
        XCTAssertEqual(A64Decoder.decode(0x9AC2_5C20, pc: 0).aux, 3 | 4)
        XCTAssertEqual(A64Decoder.decode(0x1AC2_4C20, pc: 0).kind, .undefined)
        XCTAssertEqual(A64Decoder.decode(0x9AC2_4020, pc: 0).kind, .undefined)
        // casp x0, x1, x2, x3, [x4]; odd Rs or Rt is UNDEFINED
        let casp = A64Decoder.decode(0x4820_7C82, pc: 0)
        XCTAssertEqual(casp.kind, .casp)
        XCTAssertEqual(casp.aux, 3)
        XCTAssertEqual(A64Decoder.decode(0x4821_7C82, pc: 0).kind, .undefined)
        XCTAssertEqual(A64Decoder.decode(0x4820_7C83, pc: 0).kind, .undefined)
        // sqadd v0.16b, v1.16b, v2.16b; sqadd v0.1d-sized vector (size 11, Q 0) is reserved
        XCTAssertEqual(A64Decoder.decode(0x4E22_0C20, pc: 0).aux & 0xFF, IntegerOp.sqadd)
        XCTAssertEqual(A64Decoder.decode(0x0EE2_0C20, pc: 0).kind, .undefined)
        // sqdmulh v0.8h, v1.8h, v2.h[7] (by element)
        let byElement = A64Decoder.decode(0x4F72_C820, pc: 0)
        XCTAssertEqual(byElement.kind, .vInteger)
        XCTAssertEqual(byElement.imm, 7)
        XCTAssertNotEqual(byElement.aux & IntegerOp.byElement, 0)
        // ld2r {v0.4s, v1.4s}, [x0]
        XCTAssertEqual(A64Decoder.decode(0x4D60_C800, pc: 0).kind, .ldNr)
        // aese v0.16b, v1.16b; sha256h q0, q1, v2.4s
        XCTAssertEqual(A64Decoder.decode(0x4E28_4820, pc: 0).kind, .crypto)
        XCTAssertEqual(A64Decoder.decode(0x5E02_4020, pc: 0).aux, CryptoOp.sha256h)
    }
}
