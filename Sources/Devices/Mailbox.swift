import ChimeraCore

/// A message mailbox between clusters. Each port is a register window
/// mapped into one cluster and has a receive FIFO of 32-bit words, a
/// doorbell and an interrupt output. A word or doorbell sent at the
/// sender's local time t becomes visible to the receiver at t + `latency`
/// (see Documentation/Devices.md), so results do not depend on which core
/// the scheduler happened to run first.
public final class Mailbox: SimObject {
    /// One port's state.
    final class Port: MMIOHandler {
        unowned let mailbox: Mailbox
        let index: Int
        var fifo: [UInt32] = []
        /// Words sent to this port that are still in flight.
        var inFlight = 0
        var destination: Int
        var irqEnable: UInt64 = 0
        var threshold: UInt64 = 1
        var doorbells: UInt64 = 0
        var error = false

        init(mailbox: Mailbox, index: Int, destination: Int) {
            self.mailbox = mailbox
            self.index = index
            self.destination = destination
        }

        func mmioRead(offset: UInt64, size: Int) -> UInt64 { mailbox.read(self, offset) }
        func mmioWrite(offset: UInt64, size: Int, value: UInt64) { mailbox.write(self, offset, value) }
    }

    private var ports: [Port] = []
    /// `depth` and `latency`, read once at realize (configuration properties).
    private var depth = 16
    private var latency = VirtualTime.microseconds(1)

    static let registers = RegisterMap([
        RegisterDescriptor(0x00, "TXDATA", .writeOnly, doc: "Send a word to the destination port"),
        RegisterDescriptor(0x04, "TXDEST", .readWrite, doc: "Destination port index (default: the next port)"),
        RegisterDescriptor(0x08, "RXDATA", .readOnly, doc: "Pop a received word (0 and ERROR set when empty)"),
        RegisterDescriptor(0x0C, "STATUS", .readOnly, doc: "bit0 RX not empty, bit1 TX full, bit2 error, bits 16-23 RX count"),
        RegisterDescriptor(0x10, "IRQ_ENABLE", .readWrite, doc: "bit0 RX level >= THRESHOLD, bit1 doorbell"),
        RegisterDescriptor(0x14, "THRESHOLD", .readWrite, reset: 1, doc: "RX interrupt level (1..depth)"),
        RegisterDescriptor(0x18, "DOORBELL", .readWrite, doc: "Write: ring bits at the destination; read: bits rung here"),
        RegisterDescriptor(0x1C, "DOORBELL_CLEAR", .writeOnly, doc: "Write 1s to clear received doorbell bits"),
        RegisterDescriptor(0x20, "ERROR_CLEAR", .writeOnly, doc: "Any write clears the sticky error bit"),
    ])

    static let type = ObjectType(
        "mailbox", parent: "device",
        summary: "Cross-cluster mailbox: per-port word FIFOs, doorbells and interrupts with defined delivery latency",
        properties: [
            PropertyDescriptor("ports", .int(IntegerFormat.uint32.limited(to: 2...16)), default: .uint(2),
                               doc: "Number of ports; map port[i] into the cluster that owns it"),
            PropertyDescriptor("depth", .int(IntegerFormat.uint32.limited(to: 1...1024)), default: .uint(16),
                               doc: "Receive FIFO depth in words"),
            PropertyDescriptor("latency", .time, default: .uint(VirtualTime.microseconds(1).picoseconds),
                               doc: "Delay from send to visibility at the receiver"),
        ],
        pins: [PinDescriptor("irq", .output, count: 16, doc: "Interrupt of port i (level)")],
        regions: (0..<16).map { RegionDescriptor("port[\($0)]", doc: "Register window of port \($0)") },
        registers: [("port[i]", Mailbox.registers)],
        instanceClass: Mailbox.self)

    override public func realize() throws(ChimeraError) {
        let count = Int(uintProperty("ports"))
        depth = Int(uintProperty("depth"))
        latency = timeProperty("latency")
        ports = (0..<count).map { Port(mailbox: self, index: $0, destination: ($0 + 1) % count) }
        for p in ports {
            try exportRegion("port[\(p.index)]", MemoryRegion(name: "port[\(p.index)]", size: 0x1000,
                                                              kind: .mmio(p, .word), owner: path))
        }
    }

    override public func unrealize() { ports = [] }


    func read(_ port: Port, _ offset: UInt64) -> UInt64 {
        guard let r = Mailbox.registers.check(offset, write: false, device: self) else { return 0 }
        switch r.offset {
        case 0x04: return UInt64(port.destination)
        case 0x08:
            guard !port.fifo.isEmpty else { port.error = true; return 0 }
            let word = port.fifo.removeFirst()
            update(port)
            return UInt64(word)
        case 0x0C:
            let dest = ports[port.destination]
            var s = UInt64(min(port.fifo.count, 255)) << 16
            if !port.fifo.isEmpty { s |= 1 }
            if dest.fifo.count + dest.inFlight >= depth { s |= 2 }
            if port.error { s |= 4 }
            return s
        case 0x10: return port.irqEnable
        case 0x14: return port.threshold
        case 0x18: return port.doorbells
        default: return 0
        }
    }

    func write(_ port: Port, _ offset: UInt64, _ value: UInt64) {
        guard let r = Mailbox.registers.check(offset, write: true, device: self) else { return }
        switch r.offset {
        case 0x00: send(UInt32(truncatingIfNeeded: value), from: port)
        case 0x04:
            guard value < UInt64(ports.count), Int(value) != port.index else { port.error = true; return }
            port.destination = Int(value)
        case 0x10: port.irqEnable = value & 3; update(port)
        case 0x14: port.threshold = min(max(value, 1), UInt64(depth)); update(port)
        case 0x18: ring(UInt32(truncatingIfNeeded: value), from: port)
        case 0x1C: port.doorbells &= ~value; update(port)
        case 0x20: port.error = false
        default: break
        }
    }

    private func send(_ word: UInt32, from port: Port) {
        let dest = ports[port.destination]
        guard dest.fifo.count + dest.inFlight < depth else { port.error = true; return }
        guard let clock = (root as? Machine)?.clock else { return }
        dest.inFlight += 1
        clock.schedule(after: latency, "\(path) port[\(port.index)]->port[\(dest.index)] word") { [unowned self] in
            dest.inFlight -= 1
            dest.fifo.append(word)
            self.update(dest)
        }
    }

    private func ring(_ bits: UInt32, from port: Port) {
        let dest = ports[port.destination]
        guard let clock = (root as? Machine)?.clock, bits != 0 else { return }
        clock.schedule(after: latency, "\(path) port[\(port.index)]->port[\(dest.index)] doorbell") { [unowned self] in
            dest.doorbells |= UInt64(bits)
            self.update(dest)
        }
    }

    private func update(_ port: Port) {
        let rxLevel = port.irqEnable & 1 != 0 && UInt64(port.fifo.count) >= port.threshold
        let bell = port.irqEnable & 2 != 0 && port.doorbells != 0
        try? output("irq", port.index).set(rxLevel || bell)
    }
}
