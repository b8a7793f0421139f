import ChimeraCore

/// The I/O APIC of a cluster (82093AA, as QEMU's `ioapic`): 24 input pins
/// routed through a redirection table to the local APICs of the cluster's
/// x86 cores. MMIO region `mmio` (map at 0xFEC00000): IOREGSEL at 0x00,
/// IOWIN at 0x10; registers ID (0), version (1), arbitration (2) and the
/// table at 0x10 + 2·pin.
public final class IOAPIC: SimObject, MMIOHandler {
    static let pinCount = 24

    static let type = ObjectType(
        "ioapic", parent: "device",
        summary: "I/O APIC: 24 interrupt inputs routed to local APICs by a redirection table",
        pins: [PinDescriptor("in", .input, count: IOAPIC.pinCount, doc: "Interrupt inputs (GSI 0–23)")],
        regions: [RegionDescriptor("mmio", doc: "IOREGSEL/IOWIN window; map at 0xFEC00000")],
        instanceClass: IOAPIC.self)

    var select: UInt32 = 0
    var id: UInt32 = 0
    /// Redirection entries: vector 7:0, delivery mode 10:8, dest mode 11,
    /// status 12, polarity 13, remote IRR 14, trigger 15, mask 16, destination 63:56.
    var table = [UInt64](repeating: 1 << 16, count: IOAPIC.pinCount)
    var levels = [Bool](repeating: false, count: IOAPIC.pinCount)

    override public func realize() throws(ChimeraError) {
        try exportRegion("mmio", MemoryRegion(name: "mmio", size: 0x1000, kind: .mmio(self, .word), owner: path))
    }

    public func mmioRead(offset: UInt64, size: Int) -> UInt64 {
        switch offset {
        case 0x00: return UInt64(select)
        case 0x10: return UInt64(readIndirect(select))
        default: return 0
        }
    }

    public func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        switch offset {
        case 0x00: select = UInt32(truncatingIfNeeded: value) & 0xFF
        case 0x10: writeIndirect(select, UInt32(truncatingIfNeeded: value))
        case 0x40: eoi(vector: UInt8(truncatingIfNeeded: value))
        default: break
        }
    }

    func readIndirect(_ r: UInt32) -> UInt32 {
        switch r {
        case 0: return id << 24
        case 1: return UInt32(IOAPIC.pinCount - 1) << 16 | 0x20
        case 2: return id << 24
        case 0x10..<UInt32(0x10 + 2 * IOAPIC.pinCount):
            let e = table[Int(r - 0x10) / 2]
            return r & 1 == 0 ? UInt32(truncatingIfNeeded: e) : UInt32(truncatingIfNeeded: e >> 32)
        default: return 0
        }
    }

    func writeIndirect(_ r: UInt32, _ v: UInt32) {
        switch r {
        case 0: id = (v >> 24) & 0xF
        case 0x10..<UInt32(0x10 + 2 * IOAPIC.pinCount):
            let pin = Int(r - 0x10) / 2
            if r & 1 == 0 {
                let keep = table[pin] & (0xFFFF_FFFF_0000_0000 | 1 << 12 | 1 << 14)
                table[pin] = keep | UInt64(v & ~(1 << 12 | 1 << 14))
            } else {
                table[pin] = (table[pin] & 0xFFFF_FFFF) | UInt64(v) << 32
            }
            if levels[pin] { trigger(pin) }
        default: break
        }
    }

    override public func inputChanged(group: String, index: Int, level: Bool) {
        guard group == "in", index < IOAPIC.pinCount else { return }
        let activeLow = table[index] & (1 << 13) != 0
        let asserted = level != activeLow
        let wasAsserted = levels[index]
        levels[index] = asserted
        if asserted && (!wasAsserted || table[index] & (1 << 15) != 0) { trigger(index) }
    }

    /// Sends the pin's message unless masked (or a level interrupt awaits EOI).
    private func trigger(_ pin: Int) {
        let e = table[pin]
        guard e & (1 << 16) == 0 else { return }
        let level = e & (1 << 15) != 0
        if level {
            guard e & (1 << 14) == 0 else { return }
            table[pin] |= 1 << 14
        }
        let destination = UInt32(e >> 56)
        let logical = e & (1 << 11) != 0
        let cluster = ancestorCluster
        for cpu in cluster?.cpus.compactMap({ $0 as? X86CPU }) ?? [] {
            let a = cpu.apic!
            let hit = logical ? (a.logicalDestination >> 24) & destination != 0 : (destination == 0xFF || a.id == destination)
            if hit {
                LocalAPIC.deliver(to: cpu, mode: UInt32((e >> 8) & 7), vector: UInt8(e & 0xFF), levelTriggered: level)
                if !logical && destination != 0xFF { break }
            }
        }
    }

    /// EOI for a level-triggered vector: clears Remote IRR and re-sends if the line is still asserted.
    func eoi(vector: UInt8) {
        for pin in 0..<IOAPIC.pinCount where table[pin] & 0xFF == UInt64(vector) && table[pin] & (1 << 14) != 0 {
            table[pin] &= ~(1 << 14)
            if levels[pin] { trigger(pin) }
        }
    }

    private var ancestorCluster: Cluster? {
        var node = parent
        while let n = node {
            if let c = n as? Cluster { return c }
            node = n.parent
        }
        return nil
    }
}
