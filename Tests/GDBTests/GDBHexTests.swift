import ChimeraGDB
import XCTest

/// Hex text, numbers and little-endian register values.
final class GDBHexTests: XCTestCase {
    func testBytesRoundTripThroughHex() {
        let all = (0...255).map { UInt8($0) }
        XCTAssertEqual(GDBHex.encode([0x00, 0x7F, 0xAB, 0xFF]), "007fabff")
        XCTAssertEqual(GDBHex.decode(GDBHex.encode(all)), all)
        XCTAssertEqual(GDBHex.decode("DEADbeef"), [0xDE, 0xAD, 0xBE, 0xEF])
        XCTAssertEqual(GDBHex.decode(""), [])
    }

    func testBadHexIsNil() {
        XCTAssertNil(GDBHex.decode("abc"))
        XCTAssertNil(GDBHex.decode("zz"))
        XCTAssertNil(GDBHex.decode("0x12"))
    }

    func testNumbersDetectOverflowInsteadOfTrapping() {
        XCTAssertEqual(GDBHex.number("0"), 0)
        XCTAssertEqual(GDBHex.number("ffffffffffffffff"), UInt64.max)
        XCTAssertEqual(GDBHex.number("0000000000000000000001"), 1)
        XCTAssertNil(GDBHex.number("10000000000000000"))
        XCTAssertNil(GDBHex.number(""))
        XCTAssertNil(GDBHex.number("-1"))
        XCTAssertNil(GDBHex.number("12g"))
        XCTAssertEqual(GDBHex.encodeNumber(0x4000), "4000")
    }

    func testLittleEndianRegisterValues() {
        XCTAssertEqual(GDBHex.littleEndian(0x1122_3344_5566_7788, byteCount: 8),
                       [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        XCTAssertEqual(GDBHex.littleEndian(0xAABB_CCDD, byteCount: 2), [0xDD, 0xCC])
        XCTAssertEqual(GDBHex.littleEndian(UInt64.max, byteCount: 10), [UInt8](repeating: 0xFF, count: 8) + [0, 0])
        XCTAssertEqual(GDBHex.littleEndianValue([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]), 0x1122_3344_5566_7788)
        XCTAssertEqual(GDBHex.littleEndianValue([0x34, 0x12]), 0x1234)
        XCTAssertNil(GDBHex.littleEndianValue([UInt8](repeating: 0, count: 9)))
    }

    func testMonitorTextRoundTrips() {
        XCTAssertEqual(GDBHex.encodeText("info qtree"), "696e666f207174726565")
        XCTAssertEqual(GDBHex.decodeText(Array("696e666f207174726565".utf8)), "info qtree")
        XCTAssertNil(GDBHex.decodeText(Array("6".utf8)))
    }
}
