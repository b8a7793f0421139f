import ChimeraCore

/// A simulator control block usable from any architecture (memory-mapped
/// or in the x86 I/O space): exit with a code, identify the simulator,
/// read virtual time, print a debug character.
public final class SimControl: SimObject, MMIOHandler {
    /// "CHMR" in ASCII, so guests can detect the simulator.
    public static let magic: UInt64 = 0x524D_4843

    static let registers = RegisterMap([
        RegisterDescriptor(0x00, "EXIT", .writeOnly, doc: "Writing ends the simulation with the written value as exit code"),
        RegisterDescriptor(0x04, "MAGIC", .readOnly, reset: SimControl.magic, doc: "Reads 0x524D4843 (\"CHMR\")"),
        RegisterDescriptor(0x08, "PUTCHAR", .writeOnly, doc: "Writes one character to the machine's serial log"),
        RegisterDescriptor(0x10, "TIME_NS_LO", .readOnly, doc: "Virtual time in nanoseconds, low 32 bits (latches the high half)"),
        RegisterDescriptor(0x14, "TIME_NS_HI", .readOnly, doc: "High 32 bits latched by the last TIME_NS_LO read"),
    ])

    private var latchedHigh: UInt64 = 0
    /// The machine this device belongs to, from realize (it owns the device).
    private unowned(unsafe) var machine: Machine?

    static let type = ObjectType(
        "sim-control", parent: "device",
        summary: "Simulator control: exit with a code, magic ID, virtual time, debug character",
        regions: [RegionDescriptor("regs", doc: "32-byte register block (4-byte accesses, 8-byte TIME read allowed)")],
        registers: [("regs", SimControl.registers)],
        instanceClass: SimControl.self)

    override public func realize() throws(ChimeraError) {
        machine = root as? Machine
        try exportRegion("regs", MemoryRegion(name: "regs", size: 0x20, kind: .mmio(self, .upToWord), owner: path))
    }

    public func mmioRead(offset: UInt64, size: Int) -> UInt64 {
        let word = registerValue(at: offset & ~3)
        let mask: UInt64 = size >= 4 ? 0xFFFF_FFFF : (1 << (8 * UInt64(size))) - 1
        return (word >> (8 * (offset & 3))) & mask
    }

    private func registerValue(at offset: UInt64) -> UInt64 {
        guard let r = SimControl.registers.check(offset, write: false, device: self) else { return 0 }
        switch r.offset {
        case 0x04: return SimControl.magic
        case 0x10:
            let ns = (machine?.clock.now.picoseconds ?? 0) / 1000
            latchedHigh = ns >> 32
            return ns & 0xFFFF_FFFF
        case 0x14: return latchedHigh
        default: return 0
        }
    }

    public func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        guard let r = SimControl.registers.check(offset & ~3, write: true, device: self) else { return }
        guard let machine else { return }
        switch r.offset {
        case 0x00: machine.requestExit(code: Int32(truncatingIfNeeded: value), reason: "\(path) exit register")
        case 0x08: machine.serial.write(UInt8(truncatingIfNeeded: value), from: path)
        default: break
        }
    }
}
