import ChimeraGDB
import XCTest

/// Framing of what gdb sends, and the encoder of what the stub sends back.
final class GDBPacketFramerTests: XCTestCase {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testDecodesAPacketWithEitherCaseOfChecksum() {
        var framer = GDBPacketFramer()
        // "qC" sums to 0x71 + 0x43 = 0xb4.
        XCTAssertEqual(framer.feed(bytes("$qC#b4$qC#B4")), [.packet(bytes("qC")), .packet(bytes("qC"))])
        XCTAssertFalse(framer.isMidPacket)
    }

    func testPacketsMaySpanFeedsByteByByte() {
        var framer = GDBPacketFramer()
        var items: [GDBInbound] = []
        for b in GDBPacket.encode("m1000,4") { items += framer.feed([b]) }
        XCTAssertEqual(items, [.packet(bytes("m1000,4"))])
    }

    func testWrongOrNonHexChecksumIsReported() {
        var framer = GDBPacketFramer()
        XCTAssertEqual(framer.feed(bytes("$qC#b5")), [.badChecksum])
        // A non-hex checksum digit is reread: here it starts the next packet.
        XCTAssertEqual(framer.feed(bytes("$g#6$g#67")), [.badChecksum, .packet(bytes("g"))])
    }

    func testAcksInterruptsAndGarbageBetweenPackets() {
        var framer = GDBPacketFramer()
        XCTAssertEqual(framer.feed(bytes("+") + [0x03] + bytes("noise\r\n-") + bytes("$?#3f+")),
                       [.ack, .interrupt, .nack, .packet(bytes("?")), .ack])
    }

    func testInterruptByteInsideAPacketIsData() {
        var framer = GDBPacketFramer()
        let packet = GDBPacket.encode([UInt8(ascii: "X"), 0x03, UInt8(ascii: "+")])
        XCTAssertEqual(framer.feed(packet), [.packet([UInt8(ascii: "X"), 0x03, UInt8(ascii: "+")])])
    }

    func testDollarRestartsAPacket() {
        var framer = GDBPacketFramer()
        XCTAssertEqual(framer.feed(bytes("$m10,")), [])
        XCTAssertTrue(framer.isMidPacket)
        XCTAssertEqual(framer.feed(bytes("$g#67")), [.packet(bytes("g"))])
    }

    func testEscapedBytesAreUnescapedAndCountInTheChecksumAsSent() {
        var framer = GDBPacketFramer()
        // "X0,1:" then "}" "]" which is 0x7d ^ 0x20 = '}' escaped.
        let wire = bytes("X0,1:}]")
        let packet = [UInt8(ascii: "$")] + wire + bytes("#") + GDBHex.encodeBytes([GDBPacket.checksum(wire)])
        XCTAssertEqual(framer.feed(packet), [.packet(bytes("X0,1:}"))])
    }

    func testALoneEscapeBeforeTheChecksumIsABadPacket() {
        var framer = GDBPacketFramer()
        let wire = bytes("g}")
        XCTAssertEqual(framer.feed([UInt8(ascii: "$")] + wire + bytes("#") + GDBHex.encodeBytes([GDBPacket.checksum(wire)])),
                       [.badChecksum])
    }

    func testEncodeEscapesFramingBytesAndRoundTripsEveryByte() {
        XCTAssertEqual(String(decoding: GDBPacket.encode("OK"), as: UTF8.self), "$OK#9a")
        let special: [UInt8] = [UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "}"), UInt8(ascii: "*")]
        XCTAssertEqual(GDBPacket.encode(special), bytes("$}\u{03}}\u{04}}]}\u{0a}#") + GDBHex.encodeBytes([
            GDBPacket.checksum(bytes("}\u{03}}\u{04}}]}\u{0a}"))]))
        let all = (0...255).map { UInt8($0) }
        var framer = GDBPacketFramer()
        XCTAssertEqual(framer.feed(GDBPacket.encode(all)), [.packet(all)])
    }

    func testOversizedPacketIsReportedOnceWithBoundedMemory() {
        var framer = GDBPacketFramer()
        var items = framer.feed(bytes("$"))
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024)
        for _ in 0..<16 {  // 1 MiB without '#'
            items += framer.feed(chunk)
            XCTAssertLessThanOrEqual(framer.pendingByteCount, GDBPacketFramer.maximumPacketSize)
        }
        XCTAssertEqual(items, [.oversized])
        XCTAssertEqual(framer.pendingByteCount, 0)
        // The rest of the huge packet and its checksum are skipped, then framing resumes.
        XCTAssertEqual(framer.feed(bytes("aaaa#00+$g#67")), [.ack, .packet(bytes("g"))])
    }

    func testPacketAtTheLimitIsAcceptedAndOneMoreIsNot() {
        var framer = GDBPacketFramer(limit: 4)
        XCTAssertEqual(framer.feed(GDBPacket.encode("abcd")), [.packet(bytes("abcd"))])
        XCTAssertEqual(framer.feed(GDBPacket.encode("abcde")), [.oversized])
        XCTAssertEqual(framer.feed(GDBPacket.encode("g")), [.packet(bytes("g"))])
    }

    func testAnOversizedPacketCutShortByADollarResyncs() {
        var framer = GDBPacketFramer(limit: 4)
        XCTAssertEqual(framer.feed(bytes("$0123456789$g#67")), [.oversized, .packet(bytes("g"))])
    }

    func testHostileInputNeverTraps() {
        // A deterministic pseudo-random stream heavy in framing bytes.
        var framer = GDBPacketFramer(limit: 64)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let alphabet = bytes("$#}*+-0123456789abcdefABCDEFqXm,:;") + [0x03, 0x00, 0xFF]
        var count = 0
        for _ in 0..<50_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            count += framer.feed([alphabet[Int(state >> 33) % alphabet.count]]).count
            XCTAssertLessThanOrEqual(framer.pendingByteCount, 64)
        }
        XCTAssertGreaterThan(count, 0)
    }
}
