import ChimeraCore

// The example device of Documentation/ObjectModel.md, compiled and tested
// so the documentation cannot rot.

/// A periodic timer: raises `irq` every `period` once enabled by writing 1 to offset 0.
final class ExampleTimer: SimObject, MMIOHandler {
    static let type = ObjectType(
        "example-timer", parent: "device", summary: "Raises an interrupt periodically",
        properties: [
            PropertyDescriptor("period", .time, default: .uint(VirtualTime.microseconds(100).picoseconds),
                               doc: "Time between interrupts"),
            PropertyDescriptor("ticks", .int(.uint64), access: .readOnly, doc: "Interrupts raised so far"),
        ],
        pins: [PinDescriptor("irq", .output, doc: "Pulses high for each tick until acknowledged")],
        regions: [RegionDescriptor("regs", doc: "0x0 CONTROL (1 = run), 0x4 ACK (write clears irq)")],
        instanceClass: ExampleTimer.self)

    private var ticks: UInt64 = 0
    private var event: EventHandle?

    override func realize() throws(ChimeraError) {
        try exportRegion("regs", MemoryRegion(name: "regs", size: 8, kind: .mmio(self, .word), owner: path))
    }

    override func readOnlyValue(of name: String) -> Value? { name == "ticks" ? .uint(ticks) : nil }

    func mmioRead(offset: UInt64, size: Int) -> UInt64 { offset == 0 && event != nil ? 1 : 0 }

    func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        let clock = (root as! Machine).clock
        if offset == 4 { try? output("irq").lower(); return }
        if let e = event { clock.cancel(e); event = nil }
        if value & 1 != 0 { scheduleTick(clock) }
    }

    private func scheduleTick(_ clock: Clock) {
        event = clock.schedule(after: timeProperty("period"), "\(path) tick") { [unowned self] in
            ticks += 1
            try? output("irq").raise()
            scheduleTick(clock)
        }
    }
}
