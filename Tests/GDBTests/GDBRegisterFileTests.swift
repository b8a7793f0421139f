import ChimeraCore
import ChimeraGDB
import XCTest

/// `g` replies, `G` splitting and the mapping between gdb registers and core registers.
final class GDBRegisterFileTests: XCTestCase {
    /// A fake AArch64 core: EL1h, Z and C set, interrupts masked.
    private let arm: [String: UInt64] = ["x0": 0x1122_3344_5566_7788, "x1": 1, "sp": 0x8000, "pc": 0x4008_0000,
                                         "nzcv": 0x6000_0000, "daif": 0x3C0, "el": 1, "spsel": 1, "fpsr": 0x10, "fpcr": 0]

    private func armBytes(_ register: GDBRegister) -> [UInt8]? {
        register.bytes(scalar: { self.arm[$0] ?? ($0.hasPrefix("x") ? 0 : nil) },
                       vector: { $0 == 0 ? (low: 0x0102_0304_0506_0708, high: 0x1112_1314_1516_1718) : (low: 0, high: 0) })
    }

    func testAArch64ReplyIsLittleEndianInRegisterOrder() throws {
        let d = GDBArchitectureDescription.aarch64
        let reply = d.encodeRegisters(armBytes)
        XCTAssertEqual(reply.count, 2 * d.registerFileByteCount)
        XCTAssertTrue(reply.hasPrefix("8877665544332211" + "0100000000000000"))
        let cpsr = 33 * 16
        // PSTATE: N=0 Z=1 C=1 V=0, DAIF masked, EL1, SP_EL1 -> 0x600003c5.
        XCTAssertEqual(String(Array(reply)[cpsr..<cpsr + 8]), "c5030060")
        let v0 = cpsr + 8
        XCTAssertEqual(String(Array(reply)[v0..<v0 + 32]), "0807060504030201" + "1817161514131211")
        // sctlr_el1 is not readable by name in this fake core: unavailable.
        let sctlr = d.registers.firstIndex { $0.name == "sctlr_el1" }!
        let offset = d.registers[..<sctlr].reduce(0) { $0 + 2 * $1.byteCount }
        XCTAssertEqual(String(Array(reply)[offset..<offset + 16]), String(repeating: "x", count: 16))
        let currentEL = d.registers.first { $0.name == "currentel" }!
        XCTAssertEqual(armBytes(currentEL), GDBHex.littleEndian(4, byteCount: 8))
    }

    func testX86ReplyFollowsGDBsOrderAndConstantX87State() {
        let d = GDBArchitectureDescription.x86_64
        let core: [String: UInt64] = ["rax": 0xA, "rbx": 0xB, "rcx": 0xC, "rflags": 0x246, "xmm0_lo": 0x1, "xmm0_hi": 0x2]
        let reply = d.encodeRegisters { $0.bytes(scalar: { core[$0] ?? 0 }) }
        XCTAssertTrue(reply.hasPrefix("0a00000000000000" + "0b00000000000000" + "0c00000000000000"))
        let eflags = 17 * 16
        XCTAssertEqual(String(Array(reply)[eflags..<eflags + 8]), "46020000")
        let st0 = eflags + 8 + 6 * 8
        XCTAssertEqual(String(Array(reply)[st0..<st0 + 20]), String(repeating: "0", count: 20))
        let fctrl = st0 + 8 * 20
        XCTAssertEqual(String(Array(reply)[fctrl..<fctrl + 24]), "7f030000" + "00000000" + "ffff0000")
        let xmm0 = fctrl + 8 * 8
        XCTAssertEqual(String(Array(reply)[xmm0..<xmm0 + 32]), "0100000000000000" + "0200000000000000")
    }

    func testUnavailableRegistersAreXs() {
        let d = GDBArchitectureDescription.x86_64
        let reply = d.encodeRegisters { _ in nil }
        XCTAssertEqual(reply, String(repeating: "x", count: 2 * d.registerFileByteCount))
        XCTAssertEqual(GDBArchitectureDescription.encode(d.registers[0], nil), "xxxxxxxxxxxxxxxx")
        XCTAssertEqual(GDBArchitectureDescription.encode(d.registers[0], [1, 2, 3, 4, 5, 6, 7, 8]), "0102030405060708")
    }

    func testGSplitsPerRegisterAndRejectsTheWrongLength() throws {
        let d = GDBArchitectureDescription.aarch64
        let bytes = try XCTUnwrap(GDBHex.decode(d.encodeRegisters(armBytes).replacingOccurrences(of: "x", with: "0")))
        let parts = try d.splitRegisters(bytes)
        XCTAssertEqual(parts.count, d.registers.count)
        XCTAssertEqual(parts.map(\.count), d.registers.map(\.byteCount))
        XCTAssertEqual(parts[0], [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        XCTAssertThrowsError(try d.splitRegisters(Array(bytes.dropLast()))) { error in
            XCTAssertEqual((error as? ChimeraError)?.message,
                           "G: \(bytes.count - 1) bytes of register data, but aarch64 has \(bytes.count) in 88 registers")
        }
    }

    func testWritesMapBackOntoCoreRegisters() {
        let d = GDBArchitectureDescription.aarch64
        let cpsr = d.registers[33]
        XCTAssertEqual(cpsr.writes(for: [0xC5, 0x03, 0x00, 0x90]),
                       [.scalar("nzcv", 0x9000_0000), .scalar("daif", 0x3C0), .scalar("el", 1), .scalar("spsel", 1)])
        XCTAssertNil(cpsr.writes(for: [0, 0, 0, 0, 0, 0, 0, 0]))
        XCTAssertEqual(d.registers[34].writes(for: (1...16).map { UInt8($0) }),
                       [.aarch64Vector(0, low: 0x0807_0605_0403_0201, high: 0x100F_0E0D_0C0B_0A09)])
        XCTAssertEqual(d.registers[0].writes(for: GDBHex.littleEndian(0xDEAD, byteCount: 8)), [.scalar("x0", 0xDEAD)])
        let x86 = GDBArchitectureDescription.x86_64.registers
        XCTAssertEqual(x86[40].writes(for: GDBHex.littleEndian(7, byteCount: 8) + GDBHex.littleEndian(9, byteCount: 8)),
                       [.scalar("xmm0_lo", 7), .scalar("xmm0_hi", 9)])
        XCTAssertEqual(x86[24].writes(for: [UInt8](repeating: 0xFF, count: 10)), [])  // st0 is not modelled
        XCTAssertEqual(x86[17].writes(for: [0x02, 0x02, 0, 0]), [.scalar("rflags", 0x202)])
    }
}
