import ChimeraCore

/// ARM PrimeCell PL011 UART (ARM DDI 0183): data, flags, baud divisors,
/// line/control registers, interrupt mask/raw/masked status and clear,
/// with transmission timed in virtual time.
public final class PL011: SimObject, MMIOHandler, SerialInputReceiver, OutputFlushing {
    private var transmitter: SerialTransmitter!
    private let rxFIFO = SerialReceiver()
    /// Register values by position in `registers` (for the plainly stored ones).
    private var regs = [UInt64](repeating: 0, count: PL011.registers.registers.count)
    private var rawInterrupts: UInt64 = 0

    // Interrupt bits (UARTRIS/UARTIMSC).
    static let rxInterrupt: UInt64 = 1 << 4
    static let txInterrupt: UInt64 = 1 << 5

    /// `registers`, held by the instance: a static is reached through a
    /// lazy-initialisation check on every access, this is one load.
    private let registerMap = PL011.registers

    static let registers = RegisterMap([
        RegisterDescriptor(0x000, "UARTDR", .readWrite, doc: "Data: write transmits, read pops the receive FIFO"),
        RegisterDescriptor(0x004, "UARTRSR", .readWrite, doc: "Receive status / error clear"),
        RegisterDescriptor(0x018, "UARTFR", .readOnly, reset: 0x90, doc: "Flags: TXFE, RXFF, TXFF, RXFE, BUSY"),
        RegisterDescriptor(0x020, "UARTILPR", .readWrite, modelled: false, doc: "IrDA low-power counter"),
        RegisterDescriptor(0x024, "UARTIBRD", .readWrite, doc: "Integer baud divisor"),
        RegisterDescriptor(0x028, "UARTFBRD", .readWrite, doc: "Fractional baud divisor"),
        RegisterDescriptor(0x02C, "UARTLCR_H", .readWrite, doc: "Line control (FEN enables the FIFOs)"),
        RegisterDescriptor(0x030, "UARTCR", .readWrite, reset: 0x300, doc: "Control: UARTEN, TXE, RXE"),
        RegisterDescriptor(0x034, "UARTIFLS", .readWrite, reset: 0x12,
                           doc: "FIFO level select: the transmit trigger (receive interrupts come at one character, as QEMU's)"),
        RegisterDescriptor(0x038, "UARTIMSC", .readWrite, doc: "Interrupt mask set/clear"),
        RegisterDescriptor(0x03C, "UARTRIS", .readOnly, doc: "Raw interrupt status"),
        RegisterDescriptor(0x040, "UARTMIS", .readOnly, doc: "Masked interrupt status"),
        RegisterDescriptor(0x044, "UARTICR", .writeOnly, doc: "Interrupt clear"),
        RegisterDescriptor(0x048, "UARTDMACR", .readWrite, modelled: false, doc: "DMA control"),
    ] + zip(Array(stride(from: UInt64(0xFE0), through: 0xFFC, by: 4)),
            [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1] as [UInt64]).enumerated().map { i, pair in
        RegisterDescriptor(pair.0, i < 4 ? "UARTPeriphID\(i)" : "UARTPCellID\(i - 4)", .readOnly, reset: pair.1,
                           doc: "Identification")
    })

    static let type = ObjectType(
        "pl011", parent: "device",
        summary: "ARM PL011 UART with timed transmission",
        properties: SerialTransmitter.outputProperties + [
            PropertyDescriptor("clock-frequency", .int(.uint64), default: .uint(24_000_000),
                               doc: "UARTCLK in Hz, for baud rates computed from the divisors"),
        ],
        pins: [PinDescriptor("irq", .output, doc: "Combined interrupt (UARTINTR)")],
        regions: [RegionDescriptor("mmio", doc: "4 KiB register window")],
        registers: [("mmio", PL011.registers)],
        instanceClass: PL011.self)

    override public func realize() throws(ChimeraError) {
        transmitter = SerialTransmitter(device: self, depth: 16, characterTime: timeProperty("character-time"))
        try transmitter.open(destination: stringProperty("output"), file: stringProperty("output-file"))
        transmitter.onDrain = { [unowned self] in self.updateTransmitInterrupt() }
        try exportRegion("mmio", MemoryRegion(name: "mmio", size: 0x1000, kind: .mmio(self, .upToWord), owner: path))
        reset()
    }

    private func reset() {
        regs = PL011.registers.registers.map(\.resetValue)
        fifoEnabled = regs[PL011.lcrH] & (1 << 4) != 0
        rxFIFO.removeAll()
        rxFIFO.depth = fifoEnabled ? 16 : 1
        rawInterrupts = 0
        transmitter.reset()
        updateInterrupt()
    }

    /// Positions in `registers` of the registers the model reads itself.
    private static let lcrH = PL011.registers.hit(at: 0x02C)!.index
    private static let cr = PL011.registers.hit(at: 0x030)!.index
    private static let imsc = PL011.registers.hit(at: 0x038)!.index
    private static let ibrd = PL011.registers.hit(at: 0x024)!.index
    private static let fbrd = PL011.registers.hit(at: 0x028)!.index
    private static let rsr = PL011.registers.hit(at: 0x004)!.index
    private static let ifls = PL011.registers.hit(at: 0x034)!.index

    /// UARTLCR_H.FEN, kept as a scalar: the flags read on every poll of
    /// UARTFR, and a scalar property needs no exclusivity check.
    private var fifoEnabled = false

    @inline(__always)
    private var flags: UInt64 {
        var f: UInt64 = 0
        if transmitter.isEmpty { f |= 1 << 7 }                     // TXFE
        if rxFIFO.isFull { f |= 1 << 6 }                           // RXFF
        if transmitter.count >= (fifoEnabled ? 16 : 1) { f |= 1 << 5 }  // TXFF
        if rxFIFO.isEmpty { f |= 1 << 4 }                          // RXFE
        if !transmitter.isEmpty { f |= 1 << 3 }                    // BUSY
        return f
    }

    public func mmioRead(offset: UInt64, size: Int) -> UInt64 {
        guard let r = registerMap.check(offset, write: false, device: self) else { return 0 }
        guard r.modelled else { return r.resetValue }
        switch r.offset {
        case 0x000:
            guard let b = rxFIFO.pop() else { return 0 }
            if rxFIFO.isEmpty { rawInterrupts &= ~PL011.rxInterrupt; updateInterrupt() }
            return UInt64(b)
        case 0x018: return flags
        case 0x03C: return rawInterrupts
        case 0x040: return rawInterrupts & regs[PL011.imsc]
        default: return regs[r.index]
        }
    }

    public func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        guard let r = registerMap.check(offset, write: true, device: self) else { return }
        guard r.modelled else { return }
        switch r.offset {
        case 0x000:
            let control = regs[PL011.cr]
            if control & 1 == 0 || control & (1 << 8) == 0 {
                // Real hardware drops it; QEMU transmits anyway and bare-metal code relies on that.
                (root as? Machine)?.warn("\(path): character written while UARTEN or TXE is clear (sent anyway, as QEMU does)")
            }
            transmitter.characterTime = characterTime
            transmitter.depth = fifoEnabled ? 16 : 1
            transmitter.send(UInt8(truncatingIfNeeded: value))
            updateTransmitInterrupt()
        case 0x044:
            rawInterrupts &= ~value
            updateInterrupt()
        case 0x038:
            regs[PL011.imsc] = value & 0x7FF
            updateInterrupt()
        case 0x004:
            regs[PL011.rsr] = 0  // any write clears the receive error bits
        case 0x028:
            regs[PL011.fbrd] = value & 0x3F
        case 0x034:
            regs[PL011.ifls] = value & 0x3F
            updateTransmitInterrupt()
        default:
            regs[r.index] = value & 0xFFFF
            if r.index == PL011.lcrH {
                fifoEnabled = value & (1 << 4) != 0
                rxFIFO.depth = fifoEnabled ? 16 : 1
            }
        }
    }

    /// Character time from the divisors if programmed and `baud-timing`
    /// is on, else the property.
    private var characterTime: VirtualTime {
        let ibrd = regs[PL011.ibrd], fbrd = regs[PL011.fbrd]
        let divisorTimes64 = ibrd * 64 + fbrd
        let clock = uintProperty("clock-frequency")
        guard divisorTimes64 > 0, clock > 0, boolProperty("baud-timing") else { return timeProperty("character-time") }
        // 10 bits × 16 × (IBRD + FBRD/64) / UARTCLK, exact in picoseconds.
        return VirtualTime(picoseconds: 2_500_000_000_000 * divisorTimes64 / clock)
    }

    /// The transmit interrupt's level: UARTIFLS.TXIFLSEL 0–4 is 1/8, 1/4, 1/2, 3/4, 7/8 of the 16-entry FIFO.
    private var transmitTrigger: Int {
        [2, 4, 8, 12, 14][min(Int(regs[PL011.ifls] & 7), 4)]
    }

    private func updateTransmitInterrupt() {
        // TX interrupt while the FIFO is at or below its trigger level (or empty without FIFO).
        if transmitter.count <= (fifoEnabled ? transmitTrigger : 0) { rawInterrupts |= PL011.txInterrupt } else { rawInterrupts &= ~PL011.txInterrupt }
        updateInterrupt()
    }

    private func updateInterrupt() {
        try? output("irq").set(rawInterrupts & regs[PL011.imsc] != 0)
    }

    public func flushOutput() { transmitter?.flush() }

    public func receive(_ bytes: [UInt8]) {
        if rxFIFO.receive(bytes) > 0 {
            (root as? Machine)?.warn("\(path): more than \(SerialReceiver.backlogLimit) input bytes waiting; the rest dropped")
        }
        if !rxFIFO.isEmpty { rawInterrupts |= PL011.rxInterrupt }
        updateInterrupt()
    }
}
