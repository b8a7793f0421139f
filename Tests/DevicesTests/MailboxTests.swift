import XCTest
import ChimeraCore
import ChimeraDevices

final class MailboxTests: XCTestCase {
    static let base: UInt64 = 0x0A00_0000
    static let txData: UInt64 = 0x00, txDest: UInt64 = 0x04, rxData: UInt64 = 0x08, status: UInt64 = 0x0C
    static let irqEnable: UInt64 = 0x10, threshold: UInt64 = 0x14, doorbell: UInt64 = 0x18
    static let doorbellClear: UInt64 = 0x1C, errorClear: UInt64 = 0x20
    static let rxNotEmpty: UInt64 = 1, txFull: UInt64 = 2, error: UInt64 = 4

    /// Port i is mapped into cluster c<i> at the same address, its irq wired to probe.in[i].
    private func makeBench(ports: Int = 2, depth: Int = 16, latency: String = "1us") throws -> DeviceBench {
        try DeviceBench(type: "mailbox", name: "mbox",
                        properties: [("ports", String(ports)), ("depth", String(depth)), ("latency", latency)],
                        mappings: (0..<ports).map { ("memory", "port[\($0)]", Self.base) },
                        irqs: (0..<ports).map { "irq[\($0)]" })
    }

    private func read(_ b: DeviceBench, port: Int, _ offset: UInt64) -> UInt64 {
        guard let v = b.clusters[port].memory.read(Self.base + offset, size: 4) else { XCTFail("unmapped"); return 0 }
        return v
    }

    private func write(_ b: DeviceBench, port: Int, _ offset: UInt64, _ value: UInt64) {
        XCTAssertTrue(b.clusters[port].memory.write(Self.base + offset, size: 4, value: value))
    }

    private func count(_ status: UInt64) -> UInt64 { (status >> 16) & 0xFF }

    func testWordIsInvisibleBeforeTheLatencyAndVisibleAfter() throws {
        let b = try makeBench(latency: "2us")
        b.advance(to: .microseconds(5))
        write(b, port: 0, Self.txData, 0xDEAD_BEEF)
        write(b, port: 0, Self.txData, 0x1234_5678)
        XCTAssertEqual(read(b, port: 1, Self.status), 0, "in flight: nothing visible")
        b.advance(to: .microseconds(7) - .ps(1))
        XCTAssertEqual(read(b, port: 1, Self.status), 0, "still in flight 1ps before t + latency")
        b.advance(to: .microseconds(7))
        let s = read(b, port: 1, Self.status)
        XCTAssertEqual(s & Self.rxNotEmpty, Self.rxNotEmpty)
        XCTAssertEqual(count(s), 2)
        XCTAssertEqual(read(b, port: 1, Self.rxData), 0xDEAD_BEEF)
        XCTAssertEqual(count(read(b, port: 1, Self.status)), 1)
        XCTAssertEqual(read(b, port: 1, Self.rxData), 0x1234_5678)
        XCTAssertEqual(read(b, port: 1, Self.status), 0)
        XCTAssertEqual(read(b, port: 0, Self.status) & Self.rxNotEmpty, 0, "the sender's own FIFO is untouched")
    }

    func testTwoPortsReplyInTheOtherDirection() throws {
        let b = try makeBench()
        XCTAssertEqual(read(b, port: 0, Self.txDest), 1, "default destination: the next port")
        XCTAssertEqual(read(b, port: 1, Self.txDest), 0)
        write(b, port: 1, Self.txData, 7)
        b.advance(to: .microseconds(1))
        XCTAssertEqual(read(b, port: 0, Self.rxData), 7)
    }

    func testTransmitFullCountsWordsInFlightAndOverflowIsDroppedWithStickyError() throws {
        let b = try makeBench(depth: 4)
        for i in 0..<3 { write(b, port: 0, Self.txData, UInt64(i)) }
        XCTAssertEqual(read(b, port: 0, Self.status) & Self.txFull, 0)
        write(b, port: 0, Self.txData, 3)
        XCTAssertEqual(read(b, port: 0, Self.status) & Self.txFull, Self.txFull, "4 in flight fill a depth-4 FIFO")
        write(b, port: 0, Self.txData, 99)  // overflow
        XCTAssertEqual(read(b, port: 0, Self.status) & Self.error, Self.error)
        b.advance(to: .microseconds(1))
        XCTAssertEqual(read(b, port: 0, Self.status) & Self.txFull, Self.txFull, "delivered but unread: still full")
        XCTAssertEqual(count(read(b, port: 1, Self.status)), 4, "the overflowing word was dropped")
        XCTAssertEqual((0..<4).map { _ in read(b, port: 1, Self.rxData) }, [0, 1, 2, 3])
        XCTAssertEqual(read(b, port: 0, Self.status) & Self.txFull, 0)
        XCTAssertEqual(read(b, port: 0, Self.status) & Self.error, Self.error, "error is sticky")
        write(b, port: 0, Self.errorClear, 0)
        XCTAssertEqual(read(b, port: 0, Self.status) & Self.error, 0, "ERROR_CLEAR clears it")

        // Mixed: 2 delivered and unread + 2 in flight is also full.
        write(b, port: 0, Self.txData, 10); write(b, port: 0, Self.txData, 11)
        b.advance(to: .microseconds(2))
        write(b, port: 0, Self.txData, 12); write(b, port: 0, Self.txData, 13)
        XCTAssertEqual(read(b, port: 0, Self.status) & Self.txFull, Self.txFull)
        write(b, port: 0, Self.txData, 14)
        XCTAssertEqual(read(b, port: 0, Self.status) & Self.error, Self.error)
        b.advance(to: .microseconds(3))
        XCTAssertEqual((0..<4).map { _ in read(b, port: 1, Self.rxData) }, [10, 11, 12, 13])
    }

    func testReadingAnEmptyFIFOReturnsZeroAndSetsError() throws {
        let b = try makeBench()
        XCTAssertEqual(read(b, port: 1, Self.rxData), 0)
        XCTAssertEqual(read(b, port: 1, Self.status), Self.error)
        write(b, port: 1, Self.errorClear, 1)
        XCTAssertEqual(read(b, port: 1, Self.status), 0)
    }

    func testThreePortsWithDestinationSelection() throws {
        let b = try makeBench(ports: 3)
        XCTAssertEqual((0..<3).map { read(b, port: $0, Self.txDest) }, [1, 2, 0])
        write(b, port: 0, Self.txData, 0x01)       // to port 1
        write(b, port: 0, Self.txDest, 2)
        XCTAssertEqual(read(b, port: 0, Self.txDest), 2)
        write(b, port: 0, Self.txData, 0x02)       // to port 2
        write(b, port: 1, Self.txDest, 2)
        write(b, port: 1, Self.txData, 0x12)       // to port 2
        b.advance(to: .microseconds(1))
        XCTAssertEqual(count(read(b, port: 0, Self.status)), 0)
        XCTAssertEqual(count(read(b, port: 1, Self.status)), 1)
        XCTAssertEqual(count(read(b, port: 2, Self.status)), 2)
        XCTAssertEqual(read(b, port: 1, Self.rxData), 0x01)
        XCTAssertEqual(read(b, port: 2, Self.rxData), 0x02)
        XCTAssertEqual(read(b, port: 2, Self.rxData), 0x12)

        for bad: UInt64 in [3, 16, 0xFFFF_FFFF] {
            write(b, port: 2, Self.txDest, bad)
            XCTAssertEqual(read(b, port: 2, Self.status) & Self.error, Self.error, "TXDEST \(bad)")
            XCTAssertEqual(read(b, port: 2, Self.txDest), 0, "an invalid TXDEST leaves the destination alone")
            write(b, port: 2, Self.errorClear, 0)
        }
        write(b, port: 2, Self.txDest, 2)          // itself
        XCTAssertEqual(read(b, port: 2, Self.status) & Self.error, Self.error, "a port cannot send to itself")
    }

    func testThresholdInterrupt() throws {
        let b = try makeBench(ports: 3)
        write(b, port: 1, Self.threshold, 3)
        XCTAssertEqual(read(b, port: 1, Self.threshold), 3)
        write(b, port: 1, Self.irqEnable, 1)
        for i in 0..<3 { write(b, port: 0, Self.txData, UInt64(i)) }
        b.advance(to: .microseconds(1) - .ps(1))
        XCTAssertFalse(b.probe.levels[1])
        // The three words land one after another at 1us; the line rises with the third.
        b.advance(to: .microseconds(1))
        XCTAssertTrue(b.probe.levels[1])
        XCTAssertEqual(b.probe.changes.map(\.pin), [1], "only port 1's line moved")
        XCTAssertFalse(b.probe.levels[0]); XCTAssertFalse(b.probe.levels[2])
        _ = read(b, port: 1, Self.rxData)
        XCTAssertFalse(b.probe.levels[1], "below threshold again")
        write(b, port: 1, Self.threshold, 1)
        XCTAssertTrue(b.probe.levels[1], "lowering the threshold re-evaluates the line")
        write(b, port: 1, Self.irqEnable, 0)
        XCTAssertFalse(b.probe.levels[1])
        write(b, port: 1, Self.threshold, 0)
        XCTAssertEqual(read(b, port: 1, Self.threshold), 1, "THRESHOLD is clamped to 1...depth")
        write(b, port: 1, Self.threshold, 1000)
        XCTAssertEqual(read(b, port: 1, Self.threshold), 16)
    }

    func testDoorbellArrivesAfterTheLatencyInterruptsAndClears() throws {
        let b = try makeBench(latency: "3us")
        write(b, port: 1, Self.irqEnable, 2)
        b.advance(to: .microseconds(1))
        write(b, port: 0, Self.doorbell, 0b101)
        b.advance(to: .microseconds(4) - .ps(1))
        XCTAssertEqual(read(b, port: 1, Self.doorbell), 0)
        XCTAssertFalse(b.probe.levels[1])
        b.advance(to: .microseconds(4))
        XCTAssertEqual(read(b, port: 1, Self.doorbell), 0b101)
        XCTAssertTrue(b.probe.levels[1])
        XCTAssertEqual(read(b, port: 0, Self.doorbell), 0, "rung at the destination only")
        write(b, port: 0, Self.doorbell, 0b010)
        b.advance(to: .microseconds(7))
        XCTAssertEqual(read(b, port: 1, Self.doorbell), 0b111, "doorbell bits accumulate")
        write(b, port: 1, Self.doorbellClear, 0b001)
        XCTAssertEqual(read(b, port: 1, Self.doorbell), 0b110)
        XCTAssertTrue(b.probe.levels[1])
        write(b, port: 1, Self.doorbellClear, 0b110)
        XCTAssertEqual(read(b, port: 1, Self.doorbell), 0)
        XCTAssertFalse(b.probe.levels[1])
    }

    func testDoorbellWithoutEnableDoesNotInterrupt() throws {
        let b = try makeBench()
        write(b, port: 0, Self.doorbell, 1)
        b.advance(to: .microseconds(1))
        XCTAssertEqual(read(b, port: 1, Self.doorbell), 1)
        XCTAssertFalse(b.probe.levels[1])
        write(b, port: 1, Self.irqEnable, 2)
        XCTAssertTrue(b.probe.levels[1], "enabling with a bell pending raises the line")
    }

    func testSendsAtTheSameTimeArriveInSendOrder() throws {
        let b = try makeBench(ports: 3)
        write(b, port: 2, Self.txDest, 1)
        // Port 2 and port 0 both send to port 1 at t = 0, interleaved with a doorbell.
        write(b, port: 2, Self.txData, 0x20)
        write(b, port: 0, Self.txData, 0x00)
        write(b, port: 2, Self.txData, 0x21)
        write(b, port: 0, Self.doorbell, 1)
        write(b, port: 0, Self.txData, 0x01)
        var seen: [String] = []
        b.machine.clock.eventObserver = { _, label in seen.append(label) }
        b.advance(to: .microseconds(1))
        XCTAssertEqual((0..<4).map { _ in read(b, port: 1, Self.rxData) }, [0x20, 0x00, 0x21, 0x01])
        XCTAssertEqual(seen, [
            "/machine/mbox port[2]->port[1] word", "/machine/mbox port[0]->port[1] word",
            "/machine/mbox port[2]->port[1] word", "/machine/mbox port[0]->port[1] doorbell",
            "/machine/mbox port[0]->port[1] word",
        ])
    }

    func testLatencyIsMeasuredFromTheSendersTime() throws {
        // A later send with the same latency never overtakes an earlier one.
        let b = try makeBench(latency: "10us")
        write(b, port: 0, Self.txData, 1)
        b.advance(to: .microseconds(4))
        write(b, port: 0, Self.txData, 2)
        b.advance(to: .microseconds(10))
        XCTAssertEqual(count(read(b, port: 1, Self.status)), 1)
        b.advance(to: .microseconds(14))
        XCTAssertEqual([read(b, port: 1, Self.rxData), read(b, port: 1, Self.rxData)], [1, 2])
    }

    func testMappingAMissingPortIsAnError() throws {
        XCTAssertThrowsError(try DeviceBench(type: "mailbox", name: "mbox", properties: [("ports", "2")],
                                             mappings: [("memory", "port[2]", Self.base)], irqs: [])) { error in
            XCTAssertTrue("\(error)".contains("port[2]"), "\(error)")
        }
    }
}
