import XCTest
import ChimeraX86

/// The opcode maps, the prefix/ModRM/SIB/displacement/immediate parser and the disassembler.
final class DecoderTests: XCTestCase {
    let maps = OpcodeMaps.standard

    func parse(_ bytes: [UInt8]) -> Result<ParsedInstruction, ParseFailure> {
        bytes.withUnsafeBufferPointer { maps.parse($0) }
    }

    /// Every entry reachable in the maps decodes to itself and disassembles.
    func testEveryMapEntryDecodesAndDisassembles() {
        let all = maps.allEntries()
        XCTAssertGreaterThan(all.count, 450)
        var mnemonics = Set<String>()
        for (bytes, prefix, entry) in all {
            let encoded = (prefix.map { [$0] } ?? []) + bytes + [UInt8](repeating: 0, count: 10)
            guard case .success(let p) = parse(encoded) else {
                XCTFail("\(entry.mnemonic) \(bytes) does not decode"); continue
            }
            XCTAssertEqual(p.entry?.mnemonic, entry.mnemonic, "bytes \(encoded.prefix(p.length))")
            XCTAssertEqual(p.entry?.op, entry.op)
            XCTAssertEqual(p.entry?.sub, entry.sub)
            let d = DecodedInstruction(p)
            XCTAssertEqual(Int(d.end), p.length, "an unplaced instruction ends at its length")
            let text = X86Disassembler.format(p)
            XCTAssertFalse(text.isEmpty)
            XCTAssertFalse(text.contains("(bad)"), text)
            mnemonics.insert(entry.mnemonic)
        }
        XCTAssertGreaterThan(mnemonics.count, 250)
    }

    /// The table parses its operand notation exactly (a typo would trap at build time).
    func testOperandNotation() {
        XCTAssertEqual(OpcodeEntry("add", "Ev,Gv", .alu).operands, [.Ev, .Gv])
        XCTAssertEqual(OpcodeEntry("imul", "Gv,Ev,Ibs", .imul2).operands, [.Gv, .Ev, .Ibs])
        XCTAssertTrue(OpcodeEntry("lea", "Gv,M", .lea).hasModRM)
        XCTAssertFalse(OpcodeEntry("ret", "", .ret).hasModRM)
        XCTAssertNil(Operand(notation: "Qq"))
    }

    /// Lengths across prefixes, REX, ModRM, SIB, displacements and immediates.
    func testLengths() {
        let cases: [([UInt8], Int, String)] = [
            ([0x48, 0x89, 0xD8], 3, "mov rax, rbx"),
            ([0x89, 0x04, 0x24], 3, "mov dword ptr [rsp], eax"),
            ([0x8B, 0x44, 0x24, 0x08], 4, "mov eax, dword ptr [rsp+0x8]"),
            ([0x8B, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00], 7, "mov eax, dword ptr [rsp+0x100]"),
            ([0x8B, 0x05, 0x10, 0x00, 0x00, 0x00], 6, "mov eax, dword ptr [rip+0x10]"),
            ([0x8B, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00], 7, "mov eax, dword ptr [0x1000]"),
            ([0x66, 0xC7, 0x00, 0x34, 0x12], 5, "mov word ptr [rax], 0x1234"),
            ([0x48, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF], 7, "mov rax, 0xffffffffffffffff"),
            ([0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8], 10, "mov rax, 0x807060504030201"),
            ([0x41, 0x80, 0x7C, 0x24, 0x08, 0x01], 6, "cmp byte ptr [r12+0x8], 0x1"),
            ([0x4A, 0x8B, 0x04, 0xED, 0x00, 0x00, 0x00, 0x00], 8, "mov rax, qword ptr [r13*8]"),
            ([0x43, 0x8B, 0x44, 0x25, 0x00], 5, "mov eax, dword ptr [r13+r12]"),
            ([0xF3, 0x0F, 0x10, 0x05, 0, 0, 0, 0], 8, "movss xmm0, dword ptr [rip]"),
            ([0x66, 0x0F, 0x70, 0xC1, 0x1B], 5, "pshufd xmm0, xmm1, 0x1b"),
            ([0xC8, 0x10, 0x00, 0x01], 4, "enter 0x10, 0x1"),
            ([0x0F, 0x1F, 0x84, 0x00, 0, 0, 0, 0], 8, "nop dword ptr [rax+rax]"),
            ([0x66, 0x2E, 0x0F, 0x1F, 0x84, 0x00, 0, 0, 0, 0], 10, "nop word ptr [rax+rax]"),
            ([0xA1, 1, 0, 0, 0, 0, 0, 0, 0], 9, "mov eax, dword ptr [0x1]"),
            ([0x67, 0xA1, 1, 0, 0, 0], 6, "mov eax, dword ptr [0x1]"),
            ([0xE8, 0, 0, 0, 0], 5, "call 0x5"),
            ([0x66, 0xE8, 0, 0, 0, 0], 6, "call 0x6"),
            ([0x48, 0x66, 0x89, 0xD8], 4, "mov ax, bx"),  // REX before a legacy prefix is ignored
            ([0xF0, 0x48, 0x0F, 0xC7, 0x0E], 5, "lock cmpxchg16b xmmword ptr [rsi]"),
            ([0xF3, 0x48, 0xAB], 3, "rep stosq"),
            ([0x64, 0x48, 0x8B, 0x04, 0x25, 0x28, 0, 0, 0], 9, "mov rax, qword ptr fs:[0x28]"),
            ([0x49, 0x90], 2, "xchg r8, rax"),
            ([0x0F, 0x0B], 2, "ud2"),
            ([0xC4], 0, ""), ([0x06], 0, ""), ([0x0F, 0x38, 0x00, 0xC0], 0, ""),
        ]
        for (bytes, length, text) in cases {
            switch parse(bytes) {
            case .success(let p):
                XCTAssertEqual(p.length, length, "length of \(text)")
                XCTAssertEqual(X86Disassembler.format(p), text)
            case .failure(let f):
                XCTAssertEqual(length, 0, "\(bytes) failed: \(f)")
                XCTAssertEqual(f, .invalidOpcode)
            }
        }
    }

    func testFifteenByteLimitAndTruncation() {
        let fourteen = [UInt8](repeating: 0x66, count: 14) + [0x90]
        if case .success(let p) = parse(fourteen) { XCTAssertEqual(p.length, 15) } else { XCTFail("15 bytes are legal") }
        XCTAssertEqual(try? parse([UInt8](repeating: 0x66, count: 15) + [0x90]).get().length, nil)
        if case .failure(let f) = parse([UInt8](repeating: 0x66, count: 15) + [0x90]) { XCTAssertEqual(f, .tooLong) }
        if case .failure(let f) = parse([0x48]) { XCTAssertEqual(f, .truncated(needed: 2)) } else { XCTFail() }
        if case .failure(let f) = parse([0xB8, 1, 2]) { XCTAssertEqual(f, .truncated(needed: 4)) } else { XCTFail() }
    }

    func testLockRules() {
        if case .failure(let f) = parse([0xF0, 0x89, 0xD8]) { XCTAssertEqual(f, .invalidOpcode) } else { XCTFail("LOCK MOV") }
        if case .failure(let f) = parse([0xF0, 0x01, 0xD8]) { XCTAssertEqual(f, .invalidOpcode) } else { XCTFail("LOCK with register destination") }
        XCTAssertNotNil(try? parse([0xF0, 0x01, 0x18]).get())
    }

    /// Random prefix/REX/ModRM/SIB/displacement combinations: the parser's length agrees
    /// with an independent count of the fields.
    func testLengthsOfGeneratedCombinations() {
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            var expected = 0
            if next() % 2 == 0 { bytes.append(0x66); expected += 1 }
            if next() % 3 == 0 { bytes.append(0x64); expected += 1 }
            var rexW = false
            if next() % 2 == 0 { let rex = UInt8(0x40 | next() % 16); rexW = rex & 8 != 0; bytes.append(rex); expected += 1 }
            let imm32 = next() % 2 == 0
            bytes.append(imm32 ? 0x81 : 0x83)  // group 1 Ev,Iz / Ev,Ibs
            let mod = UInt8(next() % 4), rm = UInt8(next() % 8), reg = UInt8(next() % 7)
            bytes.append(mod << 6 | reg << 3 | rm)
            expected += 2
            if mod != 3 && rm == 4 {
                let sib = UInt8(next() % 256)
                bytes.append(sib); expected += 1
                if mod == 0 && sib & 7 == 5 { bytes += [1, 2, 3, 4]; expected += 4 }
            } else if mod == 0 && rm == 5 { bytes += [1, 2, 3, 4]; expected += 4 }
            if mod == 1 { bytes.append(9); expected += 1 }
            if mod == 2 { bytes += [1, 2, 3, 4]; expected += 4 }
            let operandSize16 = bytes.first == 0x66 && !rexW
            let immBytes = imm32 ? (operandSize16 ? 2 : 4) : 1
            bytes += [UInt8](repeating: 0x7F, count: immBytes); expected += immBytes
            guard case .success(let p) = parse(bytes + [0xCC, 0xCC]) else { XCTFail("\(bytes)"); continue }
            XCTAssertEqual(p.length, expected, "\(bytes.map { String($0, radix: 16) })")
        }
    }
}
