import XCTest
import ChimeraCore
import ChimeraDevices

final class SimControlTests: XCTestCase {
    static let base: UInt64 = 0x0B00_0000
    static let exit: UInt64 = 0x00, magic: UInt64 = 0x04, putchar: UInt64 = 0x08
    static let timeLo: UInt64 = 0x10, timeHi: UInt64 = 0x14

    private func makeBench(space: String = "memory", at address: UInt64 = base) throws -> DeviceBench {
        try DeviceBench(type: "sim-control", name: "sysctl", mappings: [(space, "regs", address)], irqs: [])
    }

    func testMagicIdentifiesTheSimulator() throws {
        let b = try makeBench()
        XCTAssertEqual(b.cluster.memory.read(Self.base + Self.magic, size: 4), 0x524D_4843)
        XCTAssertEqual(SimControl.magic, 0x524D_4843)
        XCTAssertTrue(b.machine.warnings.isEmpty)
    }

    /// The magic spells "CHMR" in little-endian memory order, byte by byte.
    func testMagicReadBytewiseSpellsCHMR() throws {
        let b = try makeBench()
        let bytes = (0..<4).map { b.cluster.memory.read(Self.base + Self.magic + UInt64($0), size: 1) }
        XCTAssertEqual(bytes, [0x43, 0x48, 0x4D, 0x52])
    }

    func testExitRecordsTheCode() throws {
        let b = try makeBench()
        XCTAssertNil(b.machine.exitRequest)
        b.cluster.memory.write(Self.base + Self.exit, size: 4, value: 42)
        XCTAssertEqual(b.machine.exitRequest?.code, 42)
        XCTAssertEqual(b.machine.exitRequest?.reason.contains("/machine/sysctl"), true)
        b.cluster.memory.write(Self.base + Self.exit, size: 4, value: 7)
        XCTAssertEqual(b.machine.exitRequest?.code, 42, "the first exit request wins")
    }

    func testExitCodeIsSigned32Bit() throws {
        let b = try makeBench()
        b.cluster.memory.write(Self.base + Self.exit, size: 4, value: 0xFFFF_FFFF)
        XCTAssertEqual(b.machine.exitRequest?.code, -1)
    }

    func testPutcharGoesToTheSerialLogAtOnce() throws {
        let b = try makeBench()
        for c in "ok\n".utf8 { b.cluster.memory.write(Self.base + Self.putchar, size: 4, value: UInt64(c)) }
        XCTAssertEqual(b.machine.serial.text, "ok\n")
        XCTAssertEqual(b.machine.serial.text(of: "/machine/sysctl"), "ok\n")
    }

    func testTimeReadsTheVirtualClock() throws {
        let b = try makeBench()
        XCTAssertEqual(b.cluster.memory.read(Self.base + Self.timeLo, size: 4), 0)
        b.advance(to: .microseconds(5) + .nanoseconds(123))
        XCTAssertEqual(b.cluster.memory.read(Self.base + Self.timeLo, size: 4), 5_123)
        XCTAssertEqual(b.cluster.memory.read(Self.base + Self.timeHi, size: 4), 0)

        // 5 s = 5_000_000_000 ns = 0x1_2A05_F200: the high half is latched by the low read.
        b.advance(to: .seconds(5))
        XCTAssertEqual(b.cluster.memory.read(Self.base + Self.timeHi, size: 4), 0, "not latched yet")
        XCTAssertEqual(b.cluster.memory.read(Self.base + Self.timeLo, size: 4), 0x2A05_F200)
        XCTAssertEqual(b.cluster.memory.read(Self.base + Self.timeHi, size: 4), 1)
        XCTAssertEqual(b.cluster.memory.read(Self.base + Self.timeLo, size: 8), 5_000_000_000, "one 8-byte read")
    }

    func testWorksInTheIOSpace() throws {
        let b = try makeBench(space: "io", at: 0x0500)
        XCTAssertEqual(b.cluster.io.read(0x0504, size: 4), SimControl.magic)
        b.cluster.io.write(0x0508, size: 1, value: 0x21)
        XCTAssertEqual(b.machine.serial.text, "!")
        b.cluster.io.write(0x0500, size: 4, value: 3)
        XCTAssertEqual(b.machine.exitRequest?.code, 3)
    }

    func testWrongDirectionAccessesWarnByName() throws {
        let b = try makeBench()
        XCTAssertEqual(b.cluster.memory.read(Self.base + Self.exit, size: 4), 0)
        b.cluster.memory.write(Self.base + Self.magic, size: 4, value: 1)
        XCTAssertEqual(b.machine.warnings.count, 2, "\(b.machine.warnings)")
        XCTAssertTrue(b.machine.warnings[0].contains("EXIT"))
        XCTAssertTrue(b.machine.warnings[1].contains("MAGIC"))
        XCTAssertNil(b.machine.exitRequest, "reading EXIT does not exit")
    }
}
