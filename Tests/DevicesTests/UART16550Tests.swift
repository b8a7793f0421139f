import XCTest
import ChimeraCore
import ChimeraDevices

final class UART16550Tests: XCTestCase {
    static let com1: UInt64 = 0x3F8
    static let thr: UInt64 = 0, ier: UInt64 = 1, iir: UInt64 = 2, fcr: UInt64 = 2, lcr: UInt64 = 3
    static let mcr: UInt64 = 4, lsr: UInt64 = 5, msr: UInt64 = 6, scr: UInt64 = 7
    static let dr: UInt64 = 0x01, thre: UInt64 = 0x20, temt: UInt64 = 0x40

    private func makeBench(_ properties: [(String, String)] = []) throws -> DeviceBench {
        try DeviceBench(type: "uart16550", name: "com1", properties: [("output", "buffer")] + properties,
                        mappings: [("io", "io", Self.com1)])
    }

    private func inb(_ b: DeviceBench, _ offset: UInt64) -> UInt64 {
        guard let v = b.cluster.io.read(Self.com1 + offset, size: 1) else { XCTFail("port unmapped"); return 0 }
        return v
    }

    private func outb(_ b: DeviceBench, _ offset: UInt64, _ value: UInt64) {
        XCTAssertTrue(b.cluster.io.write(Self.com1 + offset, size: 1, value: value))
    }

    func testMappedInTheIOSpaceOnly() throws {
        let b = try makeBench()
        XCTAssertNil(b.cluster.memory.read(Self.com1, size: 1))
        XCTAssertEqual(inb(b, Self.lsr), Self.thre | Self.temt, "LSR after reset")
        XCTAssertEqual(inb(b, Self.iir), 0x01, "no interrupt pending")
    }

    func testTransmitAppearsAfterTheCharacterTimeAndLineStatusFollows() throws {
        let b = try makeBench()
        outb(b, Self.thr, 0x41)
        XCTAssertEqual(b.serial, "")
        XCTAssertEqual(inb(b, Self.lsr) & (Self.thre | Self.temt), 0, "busy: neither THRE nor TEMT")
        b.advance(to: .nanoseconds(999))
        XCTAssertEqual(b.serial, "")
        b.advance(to: .microseconds(1))
        XCTAssertEqual(b.serial, "A")
        XCTAssertEqual(inb(b, Self.lsr) & (Self.thre | Self.temt), Self.thre | Self.temt)
        XCTAssertEqual(b.machine.serial.text(of: "/machine/com1"), "A")
    }

    func testDivisorLatchSetsTheCharacterTime() throws {
        // 1.8432 MHz / (16 × 12) = 9600 baud; 10 bits per character.
        let b = try makeBench([("baud-timing", "true")])
        outb(b, Self.lcr, 0x83)          // DLAB, 8N1
        outb(b, 0, 12)                   // DLL
        outb(b, 1, 0)                    // DLM
        XCTAssertEqual(inb(b, 0), 12, "DLL reads back with DLAB")
        XCTAssertEqual(inb(b, 1), 0)
        outb(b, Self.lcr, 0x03)
        XCTAssertEqual(inb(b, Self.ier), 0, "DLAB clear: offset 1 is IER again")
        outb(b, Self.thr, 0x42)
        let expected = exactCharacterTime(clock: 1_843_200, divisorNumerator: 12, divisorDenominator: 1)
        XCTAssertEqual(expected, 1_041_666_666)
        b.advance(to: .ps(expected) - .nanoseconds(1))
        XCTAssertEqual(b.serial, "", "9600 baud is about 1.04 ms per character")
        b.advance(to: .ps(expected) + .nanoseconds(1))
        XCTAssertEqual(b.serial, "B")

        // DLM is the high byte: divisor 0x0100 = 450 baud.
        outb(b, Self.lcr, 0x83); outb(b, 0, 0); outb(b, 1, 1); outb(b, Self.lcr, 0x03)
        let start = b.now
        outb(b, Self.thr, 0x43)
        let slow = exactCharacterTime(clock: 1_843_200, divisorNumerator: 256, divisorDenominator: 1)
        b.advance(to: start + .ps(slow) - .nanoseconds(1))
        XCTAssertEqual(b.serial, "B")
        b.advance(to: start + .ps(slow) + .nanoseconds(1))
        XCTAssertEqual(b.serial, "BC")
    }

    /// Without `baud-timing` (the default) the divisor is stored but every
    /// character takes `character-time`, as a user of QEMU expects.
    func testDivisorIsIgnoredForTimingUnlessBaudTimingIsOn() throws {
        let b = try makeBench([("character-time", "3us")])
        outb(b, Self.lcr, 0x83); outb(b, 0, 12); outb(b, 1, 0); outb(b, Self.lcr, 0x03)
        outb(b, Self.thr, 0x45)
        b.advance(to: .microseconds(3) - .nanoseconds(1))
        XCTAssertEqual(b.serial, "")
        b.advance(to: .microseconds(3) + .nanoseconds(1))
        XCTAssertEqual(b.serial, "E", "3 us per character, not 9600 baud")
    }

    /// Divisor 1047 is the PC's standard 110 baud entry (110.03 baud):
    /// the character time must come from the divisor, not a rounded baud rate.
    func testCharacterTimeIsExactAtLowNonIntegerBaudRates() throws {
        let b = try makeBench([("baud-timing", "true")])
        outb(b, Self.lcr, 0x83); outb(b, 0, 1047 & 0xFF); outb(b, 1, 1047 >> 8); outb(b, Self.lcr, 0x03)
        outb(b, Self.thr, 0x44)
        let expected = exactCharacterTime(clock: 1_843_200, divisorNumerator: 1047, divisorDenominator: 1)
        XCTAssertEqual(expected, 90_885_416_666)
        b.advance(to: .ps(expected) - .nanoseconds(1))
        XCTAssertEqual(b.serial, "")
        b.advance(to: .ps(expected) + .nanoseconds(1))
        XCTAssertEqual(b.serial, "D", "character time should be 90.885 ms at divisor 1047")
    }

    /// 16550A datasheet, LSR bit 5: in FIFO mode THRE is set when the
    /// transmit FIFO is empty and cleared when a byte is written to it
    /// (QEMU's serial model does the same). It is not "FIFO not full".
    func testTHREInFIFOModeMeansTheTransmitFIFOIsEmpty() throws {
        let b = try makeBench()
        outb(b, Self.fcr, 0x07)          // enable and reset FIFOs
        XCTAssertEqual(inb(b, Self.iir) & 0xC0, 0xC0, "FIFOs enabled")
        for c in "abc".utf8 { outb(b, Self.thr, UInt64(c)) }
        XCTAssertEqual(inb(b, Self.lsr) & Self.temt, 0)
        XCTAssertEqual(inb(b, Self.lsr) & Self.thre, 0, "three bytes queued: the FIFO is not empty")
        b.advance(to: .microseconds(3))
        XCTAssertEqual(b.serial, "abc")
        XCTAssertEqual(inb(b, Self.lsr) & (Self.thre | Self.temt), Self.thre | Self.temt)
    }

    func testReceiveSetsDataReadyAndPopsInOrder() throws {
        let b = try makeBench()
        let uart = try XCTUnwrap(b.device as? UART16550)
        XCTAssertEqual(inb(b, Self.lsr) & Self.dr, 0)
        uart.receive(Array("xy".utf8))
        XCTAssertEqual(inb(b, Self.lsr) & Self.dr, Self.dr)
        XCTAssertEqual(inb(b, Self.thr), UInt64(UInt8(ascii: "x")))
        XCTAssertEqual(inb(b, Self.lsr) & Self.dr, Self.dr)
        XCTAssertEqual(inb(b, Self.thr), UInt64(UInt8(ascii: "y")))
        XCTAssertEqual(inb(b, Self.lsr) & Self.dr, 0)
        XCTAssertEqual(inb(b, Self.thr), 0, "empty RBR reads 0")
    }

    func testInterruptIdentificationPrioritiesAndIRQLine() throws {
        let b = try makeBench()
        let uart = try XCTUnwrap(b.device as? UART16550)
        XCTAssertEqual(inb(b, Self.iir), 0x01)
        XCTAssertFalse(b.probe.levels[0])

        outb(b, Self.ier, 0x02)          // THRE interrupt; THR is empty, so it is pending at once
        XCTAssertTrue(b.probe.levels[0])
        XCTAssertEqual(inb(b, Self.iir), 0x02)
        XCTAssertFalse(b.probe.levels[0], "reading IIR clears a THRE interrupt")
        XCTAssertEqual(inb(b, Self.iir), 0x01)

        outb(b, Self.thr, 0x21)
        XCTAssertFalse(b.probe.levels[0])
        b.advance(to: .microseconds(1))
        XCTAssertTrue(b.probe.levels[0], "transmitter drained: THRE interrupt again")

        outb(b, Self.ier, 0x03)          // add RX data available
        uart.receive([0x7A])
        XCTAssertEqual(inb(b, Self.iir), 0x04, "RX data has priority over THRE")
        XCTAssertEqual(inb(b, Self.iir), 0x04, "and reading IIR does not clear it")
        XCTAssertTrue(b.probe.levels[0])
        _ = inb(b, Self.thr)
        XCTAssertEqual(inb(b, Self.iir), 0x02, "THRE still pending underneath")
        XCTAssertEqual(inb(b, Self.iir), 0x01)
        XCTAssertFalse(b.probe.levels[0])

        outb(b, Self.ier, 0x00)
        uart.receive([0x7B])
        XCTAssertEqual(inb(b, Self.iir), 0x01, "disabled sources do not interrupt")
        XCTAssertFalse(b.probe.levels[0])
    }

    func testScratchRegister() throws {
        let b = try makeBench()
        outb(b, Self.scr, 0xA5)
        XCTAssertEqual(inb(b, Self.scr), 0xA5)
        outb(b, Self.scr, 0x5A)
        XCTAssertEqual(inb(b, Self.scr), 0x5A)
    }

    func testFIFOControlResetBits() throws {
        let b = try makeBench()
        let uart = try XCTUnwrap(b.device as? UART16550)
        outb(b, Self.fcr, 0x01)
        uart.receive(Array("queued".utf8))
        for c in "lost".utf8 { outb(b, Self.thr, UInt64(c)) }
        outb(b, Self.fcr, 0x03)          // keep enabled, clear RX FIFO
        XCTAssertEqual(inb(b, Self.lsr) & Self.dr, 0, "RX FIFO cleared")
        XCTAssertEqual(inb(b, Self.lsr) & Self.temt, 0, "TX FIFO untouched by the RX reset bit")
        outb(b, Self.fcr, 0x05)          // clear TX FIFO
        XCTAssertEqual(inb(b, Self.lsr) & (Self.thre | Self.temt), Self.thre | Self.temt, "TX FIFO cleared")
        b.advance(to: .microseconds(10))
        XCTAssertEqual(b.serial, "", "cleared characters are never sent")
        XCTAssertEqual(inb(b, Self.iir) & 0xC0, 0xC0, "the reset bits self-clear; FIFO enable stays")
    }

    func testModemStatusIsReportedAsUnmodelledOnce() throws {
        let b = try makeBench()
        _ = inb(b, Self.msr)
        _ = inb(b, Self.msr)
        XCTAssertEqual(b.machine.warnings.count, 1, "\(b.machine.warnings)")
        XCTAssertTrue(b.machine.warnings[0].contains("MSR"))
    }
}
