import ChimeraCore

/// National Semiconductor 16550A UART as found at COM1 (I/O port 0x3F8) on
/// PCs: THR/RBR, IER, IIR/FCR, LCR (with DLAB divisor latch), MCR, LSR,
/// MSR and scratch, with a timed transmitter and an interrupt output.
public final class UART16550: SimObject, MMIOHandler, SerialInputReceiver, OutputFlushing {
    private var transmitter: SerialTransmitter!
    private let rxFIFO = SerialReceiver()
    private var ier: UInt64 = 0, lcr: UInt64 = 0, mcr: UInt64 = 0, scratch: UInt64 = 0
    private var fcr: UInt64 = 0, divisor: UInt64 = 0
    /// THR-empty interrupt pending (cleared by reading IIR or writing THR).
    private var thrEmptyPending = false

    /// `registers`, held by the instance: a static is reached through a
    /// lazy-initialisation check on every access, this is one load.
    private let registerMap = UART16550.registers

    static let registers = RegisterMap([
        RegisterDescriptor(0, "RBR/THR/DLL", .readWrite, doc: "Receive buffer, transmit holding, or divisor low with DLAB"),
        RegisterDescriptor(1, "IER/DLM", .readWrite, doc: "Interrupt enable, or divisor high with DLAB"),
        RegisterDescriptor(2, "IIR/FCR", .readWrite, reset: 0x01, doc: "Interrupt identification (read) / FIFO control (write)"),
        RegisterDescriptor(3, "LCR", .readWrite, doc: "Line control; bit 7 is DLAB"),
        RegisterDescriptor(4, "MCR", .readWrite, doc: "Modem control (OUT2 gates the interrupt on PCs)"),
        RegisterDescriptor(5, "LSR", .readOnly, reset: 0x60, doc: "Line status: DR, THRE, TEMT"),
        RegisterDescriptor(6, "MSR", .readOnly, modelled: false, doc: "Modem status"),
        RegisterDescriptor(7, "SCR", .readWrite, doc: "Scratch"),
    ])

    static let type = ObjectType(
        "uart16550", parent: "device",
        summary: "16550A UART (PC COM port) with timed transmission",
        properties: SerialTransmitter.outputProperties + [
            PropertyDescriptor("clock-frequency", .int(.uint64), default: .uint(1_843_200),
                               doc: "Input clock in Hz; baud = clock / (16 × divisor)"),
        ],
        pins: [PinDescriptor("irq", .output, doc: "Interrupt (IRQ 4 for COM1)")],
        regions: [RegionDescriptor("io", doc: "8 byte-wide registers, mapped in the I/O space (or memory)")],
        registers: [("io", UART16550.registers)],
        instanceClass: UART16550.self)

    override public func realize() throws(ChimeraError) {
        transmitter = SerialTransmitter(device: self, depth: 16, characterTime: timeProperty("character-time"))
        try transmitter.open(destination: stringProperty("output"), file: stringProperty("output-file"))
        transmitter.onDrain = { [unowned self] in
            if self.transmitter.isEmpty { self.thrEmptyPending = true }
            self.updateInterrupt()
        }
        rxFIFO.depth = 1  // FCR bit 0 clear: a one-byte holding register
        try exportRegion("io", MemoryRegion(name: "io", size: 8, kind: .mmio(self, AccessSizes(minimum: 1, maximum: 1)), owner: path))
    }

    private var dlab: Bool { lcr & 0x80 != 0 }
    private var fifoEnabled: Bool { fcr & 1 != 0 }

    private var lineStatus: UInt64 {
        var s: UInt64 = 0
        if !rxFIFO.isEmpty { s |= 0x01 }                                        // DR
        if transmitter.isEmpty { s |= 0x20 }                                    // THRE: holding register / FIFO empty
        if transmitter.isEmpty { s |= 0x40 }                                    // TEMT
        return s
    }

    /// Highest-priority pending interrupt as an IIR value.
    private var interruptIdentification: UInt64 {
        let fifoBits: UInt64 = fifoEnabled ? 0xC0 : 0
        if ier & 0x01 != 0 && !rxFIFO.isEmpty { return fifoBits | 0x04 }
        if ier & 0x02 != 0 && thrEmptyPending { return fifoBits | 0x02 }
        return fifoBits | 0x01
    }

    public func mmioRead(offset: UInt64, size: Int) -> UInt64 {
        guard registerMap.check(offset, write: false, device: self) != nil else { return 0 }
        switch offset {
        case 0:
            if dlab { return divisor & 0xFF }
            guard let b = rxFIFO.pop() else { return 0 }
            updateInterrupt()
            return UInt64(b)
        case 1: return dlab ? (divisor >> 8) & 0xFF : ier
        case 2:
            let iir = interruptIdentification
            if iir & 0x0F == 0x02 { thrEmptyPending = false; updateInterrupt() }
            return iir
        case 3: return lcr
        case 4: return mcr
        case 5: return lineStatus
        case 7: return scratch
        default: return 0
        }
    }

    public func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        guard registerMap.check(offset, write: true, device: self) != nil else { return }
        let v = value & 0xFF
        switch offset {
        case 0:
            if dlab { divisor = (divisor & 0xFF00) | v; return }
            transmitter.depth = fifoEnabled ? 16 : 1
            transmitter.characterTime = characterTime
            transmitter.send(UInt8(v))
            thrEmptyPending = false
            updateInterrupt()
        case 1:
            if dlab { divisor = (divisor & 0x00FF) | (v << 8); return }
            let enablingTHRE = v & 0x02 != 0 && ier & 0x02 == 0
            ier = v & 0x0F
            if enablingTHRE && lineStatus & 0x20 != 0 { thrEmptyPending = true }
            updateInterrupt()
        case 2:
            fcr = v & 0xC9
            rxFIFO.depth = fifoEnabled ? 16 : 1
            if v & 0x02 != 0 { rxFIFO.clearFIFO() }
            if v & 0x04 != 0 { transmitter.reset() }
            updateInterrupt()
        case 3: lcr = v
        case 4: mcr = v & 0x1F; updateInterrupt()
        case 7: scratch = v
        default: break
        }
    }

    private var characterTime: VirtualTime {
        let clock = uintProperty("clock-frequency")
        guard divisor > 0, clock > 0, boolProperty("baud-timing") else { return timeProperty("character-time") }
        // 10 bits × 16 × divisor / clock, exact in picoseconds.
        return VirtualTime(picoseconds: 160 * divisor * 1_000_000_000_000 / clock)
    }

    private func updateInterrupt() {
        try? output("irq").set(interruptIdentification & 0x01 == 0)
    }

    public func flushOutput() { transmitter?.flush() }

    public func receive(_ bytes: [UInt8]) {
        if rxFIFO.receive(bytes) > 0 {
            (root as? Machine)?.warn("\(path): more than \(SerialReceiver.backlogLimit) input bytes waiting; the rest dropped")
        }
        updateInterrupt()
    }
}
