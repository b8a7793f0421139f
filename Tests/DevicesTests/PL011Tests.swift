import XCTest
import ChimeraCore
import ChimeraDevices

final class PL011Tests: XCTestCase {
    static let base: UInt64 = 0x0900_0000
    // Register offsets (ARM DDI 0183).
    static let dr: UInt64 = 0x000, rsr: UInt64 = 0x004, fr: UInt64 = 0x018, ilpr: UInt64 = 0x020
    static let ibrd: UInt64 = 0x024, fbrd: UInt64 = 0x028, lcrH: UInt64 = 0x02C, cr: UInt64 = 0x030
    static let imsc: UInt64 = 0x038, ris: UInt64 = 0x03C, mis: UInt64 = 0x040, icr: UInt64 = 0x044
    static let dmacr: UInt64 = 0x048, ifls: UInt64 = 0x034
    // UARTFR bits.
    static let txfe: UInt64 = 1 << 7, rxff: UInt64 = 1 << 6, txff: UInt64 = 1 << 5, rxfe: UInt64 = 1 << 4, busy: UInt64 = 1 << 3
    // Interrupt bits.
    static let rxInt: UInt64 = 1 << 4, txInt: UInt64 = 1 << 5
    static let enabled: UInt64 = 0x301  // UARTEN | TXE | RXE

    private func makeBench(_ properties: [(String, String)] = []) throws -> DeviceBench {
        try DeviceBench(type: "pl011", name: "uart", properties: [("output", "buffer")] + properties,
                        mappings: [("memory", "mmio", Self.base)])
    }

    private func read(_ b: DeviceBench, _ offset: UInt64) -> UInt64 {
        guard let v = b.cluster.memory.read(Self.base + offset, size: 4) else {
            XCTFail("read of offset 0x\(String(offset, radix: 16)) hit nothing"); return 0
        }
        return v
    }

    private func write(_ b: DeviceBench, _ offset: UInt64, _ value: UInt64) {
        XCTAssertTrue(b.cluster.memory.write(Self.base + offset, size: 4, value: value))
    }

    /// A character written at `now` appears exactly one character time later
    /// (within a nanosecond of `expected`), not before.
    private func assertCharacterTime(_ b: DeviceBench, expected ps: UInt64, line: UInt = #line) {
        let start = b.now
        let before = b.machine.serial.merged.count
        write(b, Self.dr, 0x41)
        b.advance(to: start + .ps(ps) - .nanoseconds(1))
        XCTAssertEqual(b.machine.serial.merged.count, before, "character appeared before its character time", line: line)
        b.advance(to: start + .ps(ps) + .nanoseconds(1))
        XCTAssertEqual(b.machine.serial.merged.count, before + 1, "character missing after its character time", line: line)
    }

    func testTransmitAppearsAfterTheDefaultCharacterTime() throws {
        let b = try makeBench()
        write(b, Self.cr, Self.enabled)
        write(b, Self.dr, UInt64(UInt8(ascii: "X")))
        XCTAssertEqual(b.serial, "")
        b.advance(to: .nanoseconds(999))
        XCTAssertEqual(b.serial, "", "1us default character time")
        b.advance(to: .microseconds(1))
        XCTAssertEqual(b.serial, "X")
        XCTAssertEqual(b.machine.serial.text(of: "/machine/uart"), "X")
        XCTAssertTrue(b.machine.warnings.isEmpty, "\(b.machine.warnings)")
    }

    func testCharacterTimePropertyIsHonoured() throws {
        let b = try makeBench([("character-time", "5us")])
        write(b, Self.cr, Self.enabled)
        assertCharacterTime(b, expected: VirtualTime.microseconds(5).picoseconds)
    }

    func testDivisorsAreIgnoredForTimingUnlessBaudTimingIsOn() throws {
        // Linux programs 115200 (or 9600) baud and polls UARTFR per character:
        // paced at the baud rate, its boot log alone costs seconds of virtual time.
        let b = try makeBench([("character-time", "2us")])
        write(b, Self.cr, Self.enabled)
        write(b, Self.ibrd, 13)
        write(b, Self.fbrd, 1)
        write(b, Self.lcrH, 0x60)
        assertCharacterTime(b, expected: VirtualTime.microseconds(2).picoseconds)
    }

    func testCharacterTimeFromDivisorsFollowsTheTRMFormula() throws {
        // TRM example: UARTCLK 4 MHz, 230400 baud -> IBRD 1, FBRD 5; 10 bits per character.
        for (clock, ibrd, fbrd) in [(UInt64(4_000_000), UInt64(1), UInt64(5)), (24_000_000, 13, 1), (24_000_000, 156, 16)] {
            let b = try makeBench([("clock-frequency", String(clock)), ("baud-timing", "true")])
            write(b, Self.cr, Self.enabled)
            write(b, Self.ibrd, ibrd)
            write(b, Self.fbrd, fbrd)
            write(b, Self.lcrH, 0x60)  // 8 bits, FIFO off
            let expected = exactCharacterTime(clock: clock, divisorNumerator: 64 * ibrd + fbrd, divisorDenominator: 64)
            assertCharacterTime(b, expected: expected)
        }
        XCTAssertEqual(exactCharacterTime(clock: 4_000_000, divisorNumerator: 69, divisorDenominator: 64), 43_125_000)
    }

    /// Baud = UARTCLK / (16 × (IBRD + FBRD/64)) is not an integer in general;
    /// the character time must come from the divisor, not a rounded baud rate.
    func testCharacterTimeIsExactAtLowNonIntegerBaudRates() throws {
        // 24 MHz, IBRD 1000, FBRD 1: 1499.98 baud, 6.666770833 ms per character.
        let b = try makeBench([("baud-timing", "true")])
        write(b, Self.cr, Self.enabled)
        write(b, Self.ibrd, 1000)
        write(b, Self.fbrd, 1)
        let expected = exactCharacterTime(clock: 24_000_000, divisorNumerator: 64 * 1000 + 1, divisorDenominator: 64)
        XCTAssertEqual(expected, 6_666_770_833)
        assertCharacterTime(b, expected: expected)
    }

    func testFlagsAcrossABurstWithFIFOEnabled() throws {
        let b = try makeBench()
        write(b, Self.cr, Self.enabled)
        XCTAssertEqual(read(b, Self.fr), Self.txfe | Self.rxfe, "idle")
        write(b, Self.lcrH, 0x70)  // FEN | WLEN=8
        for c in "0123456789ABCDEF".utf8 { write(b, Self.dr, UInt64(c)) }
        var f = read(b, Self.fr)
        XCTAssertEqual(f & (Self.txfe | Self.txff | Self.busy), Self.txff | Self.busy, "16 queued: full and busy")
        b.advance(to: .microseconds(1))
        f = read(b, Self.fr)
        XCTAssertEqual(f & (Self.txfe | Self.txff | Self.busy), Self.busy, "one sent: no longer full, still busy")
        XCTAssertEqual(b.serial, "0")
        b.advance(to: .microseconds(15) + .nanoseconds(999))
        XCTAssertEqual(b.serial, "0123456789ABCDE")
        XCTAssertEqual(read(b, Self.fr) & (Self.txfe | Self.busy), Self.busy)
        b.advance(to: .microseconds(16))
        XCTAssertEqual(b.serial, "0123456789ABCDEF")
        XCTAssertEqual(read(b, Self.fr), Self.txfe | Self.rxfe, "drained")
    }

    /// UARTIFLS.TXIFLSEL sets where the transmit interrupt asserts: at or
    /// below 1/2 of the FIFO out of reset (0x12), 1/8 with TXIFLSEL = 0.
    func testTransmitInterruptFollowsTheFIFOLevelSelect() throws {
        let b = try makeBench()
        write(b, Self.cr, Self.enabled)
        write(b, Self.lcrH, 0x70)
        XCTAssertEqual(read(b, Self.ifls), 0x12, "reset value")
        for c in "0123456789".utf8 { write(b, Self.dr, UInt64(c)) }
        XCTAssertEqual(read(b, Self.ris) & Self.txInt, 0, "10 queued is above half")
        b.advance(to: .microseconds(2))
        XCTAssertEqual(read(b, Self.ris) & Self.txInt, Self.txInt, "8 queued is at half")
        write(b, Self.ifls, 0x10)   // TX trigger 1/8: two entries
        XCTAssertEqual(read(b, Self.ifls), 0x10)
        XCTAssertEqual(read(b, Self.ris) & Self.txInt, 0, "8 queued is above 1/8")
        b.advance(to: .microseconds(8))
        XCTAssertEqual(read(b, Self.ris) & Self.txInt, Self.txInt, "2 queued is at 1/8")
        XCTAssertTrue(b.machine.warnings.isEmpty, "\(b.machine.warnings)")
    }

    func testFIFODepthIsOneWithoutFENAndSixteenWithIt() throws {
        let b = try makeBench()
        write(b, Self.cr, Self.enabled)
        write(b, Self.lcrH, 0x60)  // FEN clear
        write(b, Self.dr, 0x61)
        XCTAssertNotEqual(read(b, Self.fr) & Self.txff, 0, "one character fills the holding register")
        b.advance(to: .microseconds(1))
        XCTAssertEqual(read(b, Self.fr) & Self.txff, 0)

        write(b, Self.lcrH, 0x70)  // FEN set
        for i in 0..<15 { write(b, Self.dr, 0x62); XCTAssertEqual(read(b, Self.fr) & Self.txff, 0, "after \(i + 1)") }
        write(b, Self.dr, 0x62)
        XCTAssertNotEqual(read(b, Self.fr) & Self.txff, 0, "16 fill the FIFO")
    }

    func testWritesWhileFullAreNeverDropped() throws {
        let b = try makeBench()
        write(b, Self.cr, Self.enabled)
        let text = "a guest that ignores TXFF entirely"
        for c in text.utf8 { write(b, Self.dr, UInt64(c)) }  // FIFO off: depth 1
        b.advance(to: .microseconds(UInt64(text.utf8.count) - 1))
        XCTAssertEqual(b.serial, String(text.dropLast()))
        b.advance(to: .microseconds(UInt64(text.utf8.count)))
        XCTAssertEqual(b.serial, text, "one character per character time, nothing lost")
    }

    func testReceiveSetsFlagsAndDataPopsInOrder() throws {
        let b = try makeBench()
        write(b, Self.cr, Self.enabled)
        write(b, Self.lcrH, 0x70)
        XCTAssertEqual(read(b, Self.dr), 0, "empty FIFO reads 0")
        let uart = try XCTUnwrap(b.device as? PL011)
        uart.receive(Array("ok!".utf8))
        XCTAssertEqual(read(b, Self.fr) & (Self.rxfe | Self.rxff), 0)
        XCTAssertEqual(read(b, Self.dr), UInt64(UInt8(ascii: "o")))
        XCTAssertEqual(read(b, Self.dr), UInt64(UInt8(ascii: "k")))
        XCTAssertEqual(read(b, Self.fr) & Self.rxfe, 0)
        XCTAssertEqual(read(b, Self.dr), UInt64(UInt8(ascii: "!")))
        XCTAssertNotEqual(read(b, Self.fr) & Self.rxfe, 0)

        // A burst longer than the FIFO: 16 fill it, the rest wait on the host
        // side and flow in as the guest reads, in order (nothing typed is lost).
        uart.receive((0..<20).map { UInt8(0x40 + $0) })
        XCTAssertNotEqual(read(b, Self.fr) & Self.rxff, 0, "16 received fill the FIFO")
        var got: [UInt64] = []
        while read(b, Self.fr) & Self.rxfe == 0 { got.append(read(b, Self.dr)); if got.count > 100 { break } }
        XCTAssertEqual(got, (0..<20).map { UInt64(0x40 + $0) })

        // With the FIFO off (FEN clear) the receiver holds one character.
        write(b, Self.lcrH, 0x60)
        uart.receive(Array("ab".utf8))
        XCTAssertNotEqual(read(b, Self.fr) & Self.rxff, 0, "one character fills a disabled FIFO")
        XCTAssertEqual(read(b, Self.dr), UInt64(UInt8(ascii: "a")))
        XCTAssertEqual(read(b, Self.dr), UInt64(UInt8(ascii: "b")))
    }

    func testInterruptMaskRawMaskedStatusClearAndIRQLine() throws {
        let b = try makeBench()
        write(b, Self.cr, Self.enabled)
        write(b, Self.lcrH, 0x70)
        let uart = try XCTUnwrap(b.device as? PL011)
        uart.receive([0x31])
        XCTAssertEqual(read(b, Self.ris) & Self.rxInt, Self.rxInt)
        XCTAssertEqual(read(b, Self.mis), 0, "masked")
        XCTAssertFalse(b.probe.levels[0])
        XCTAssertFalse(try b.device.output("irq").level)

        write(b, Self.imsc, Self.rxInt)
        XCTAssertEqual(read(b, Self.imsc), Self.rxInt)
        XCTAssertEqual(read(b, Self.mis), Self.rxInt)
        XCTAssertTrue(b.probe.levels[0], "unmasking a raw interrupt raises irq")

        write(b, Self.icr, Self.rxInt)
        XCTAssertEqual(read(b, Self.ris) & Self.rxInt, 0)
        XCTAssertFalse(b.probe.levels[0], "ICR clears it")

        uart.receive([0x32])
        XCTAssertTrue(b.probe.levels[0])
        _ = read(b, Self.dr); _ = read(b, Self.dr)
        XCTAssertFalse(b.probe.levels[0], "draining the RX FIFO lowers the RX interrupt")

        // TX interrupt: FIFO at or below half.
        write(b, Self.imsc, Self.txInt)
        for _ in 0..<12 { write(b, Self.dr, 0x2E) }
        XCTAssertEqual(read(b, Self.ris) & Self.txInt, 0, "12 queued is above half")
        XCTAssertFalse(b.probe.levels[0])
        b.advance(to: .microseconds(4))
        XCTAssertEqual(read(b, Self.ris) & Self.txInt, Self.txInt, "8 left")
        XCTAssertEqual(read(b, Self.mis), Self.txInt)
        XCTAssertTrue(b.probe.levels[0])
        write(b, Self.icr, 0x7FF)
        XCTAssertFalse(b.probe.levels[0])
        write(b, Self.imsc, 0)
        XCTAssertEqual(read(b, Self.mis), 0)
    }

    func testIdentificationRegisters() throws {
        let b = try makeBench()
        let ids: [UInt64] = [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]
        for (i, id) in ids.enumerated() {
            XCTAssertEqual(read(b, 0xFE0 + UInt64(4 * i)), id, "ID register at 0x\(String(0xFE0 + 4 * i, radix: 16))")
        }
        write(b, 0xFE0, 0x99)
        XCTAssertEqual(read(b, 0xFE0), 0x11, "read-only")
        XCTAssertEqual(b.machine.warnings.filter { $0.contains("UARTPeriphID0") }.count, 1)
    }

    func testUnmodelledRegisterWarnsOnceByName() throws {
        let b = try makeBench()
        write(b, Self.dmacr, 1)
        write(b, Self.dmacr, 3)
        XCTAssertEqual(b.machine.warnings.count, 1, "\(b.machine.warnings)")
        XCTAssertTrue(b.machine.warnings[0].contains("UARTDMACR"), b.machine.warnings[0])
        XCTAssertTrue(b.machine.warnings[0].contains("/machine/uart"), b.machine.warnings[0])
        _ = read(b, 0x0FC)  // undeclared offset
        XCTAssertEqual(b.machine.warnings.count, 2)
        XCTAssertTrue(b.machine.warnings[1].contains("0xfc"), b.machine.warnings[1])
    }

    /// The warning for an unmodelled register says "write ignored" and
    /// "reads as <reset value>"; the register must behave that way.
    func testUnmodelledRegisterBehavesAsItsWarningSays() throws {
        let b = try makeBench()
        write(b, Self.ilpr, 0x42)
        XCTAssertTrue(b.machine.warnings.contains { $0.contains("UARTILPR") && $0.contains("write ignored") }, "\(b.machine.warnings)")
        XCTAssertEqual(read(b, Self.ilpr), 0, "write was reported as ignored")
        XCTAssertTrue(b.machine.warnings.contains { $0.contains("UARTILPR") && $0.contains("reads as 0x0") }, "\(b.machine.warnings)")
    }

    /// UARTRSR/UARTECR: a write clears the error flags (TRM 3.3.2); it is
    /// not a storage register, and no receive errors are ever modelled.
    func testWritingTheErrorClearRegisterLeavesNoErrorFlags() throws {
        let b = try makeBench()
        write(b, Self.rsr, 0xFF)
        XCTAssertEqual(read(b, Self.rsr) & 0xF, 0, "FE/PE/BE/OE must not appear because the guest wrote ECR")
    }

    func testWritesWhileDisabledAreSentWithOneWarning() throws {
        let b = try makeBench()
        // UARTCR resets to 0x300: TXE and RXE set, UARTEN clear.
        XCTAssertEqual(read(b, Self.cr), 0x300)
        write(b, Self.dr, 0x68)
        write(b, Self.dr, 0x69)
        b.advance(to: .microseconds(2))
        XCTAssertEqual(b.serial, "hi", "QEMU transmits even with UARTEN clear")
        XCTAssertEqual(b.machine.warnings.count, 1, "\(b.machine.warnings)")
        XCTAssertTrue(b.machine.warnings[0].contains("UARTEN"), b.machine.warnings[0])
    }

    func testFlushEmitsQueuedCharactersImmediately() throws {
        let b = try makeBench()
        write(b, Self.cr, Self.enabled)
        for c in "bye".utf8 { write(b, Self.dr, UInt64(c)) }
        (b.device as? any OutputFlushing)?.flushOutput()
        XCTAssertEqual(b.serial, "bye")
        b.advance(to: .microseconds(10))
        XCTAssertEqual(b.serial, "bye", "flushed characters are not sent twice")
        XCTAssertEqual(b.machine.clock.pendingCount, 0)
    }
}
