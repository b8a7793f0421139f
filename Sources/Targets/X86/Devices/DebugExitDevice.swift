import ChimeraCore

/// QEMU's `isa-debug-exit`: a write of `value` to the port ends the
/// simulation with exit code `(value << 1) | 1`. Map its `io` region into
/// a cluster's I/O space (port 0xF4 by convention).
public final class DebugExitDevice: SimObject, MMIOHandler {
    static let type = ObjectType(
        "isa-debug-exit", parent: "device",
        summary: "Port that ends the simulation: exit code (value << 1) | 1, as QEMU's isa-debug-exit",
        properties: [
            PropertyDescriptor("iosize", .int(IntegerFormat.uint64.limited(to: 1...4)), default: .uint(4),
                               doc: "Width of the port region in bytes"),
        ],
        regions: [RegionDescriptor("io", doc: "The exit port; map it into the cluster's io space, e.g. at 0xF4")],
        instanceClass: DebugExitDevice.self)

    override public func realize() throws(ChimeraError) {
        let region = MemoryRegion(name: "io", size: uintProperty("iosize"), kind: .mmio(self, .upToWord), owner: path)
        try exportRegion("io", region)
    }

    static func exitCode(_ value: UInt64) -> Int32 { Int32(truncatingIfNeeded: (value << 1) | 1) }

    public func mmioRead(offset: UInt64, size: Int) -> UInt64 { 0 }

    /// A core's write: that core stops once the writing instruction retires.
    public func mmioWriteFromCPU(offset: UInt64, size: Int, value: UInt64) -> DeviceWriteEffect {
        .exit(code: DebugExitDevice.exitCode(value))
    }

    /// A write from elsewhere (a monitor, a debugger, DMA) ends the run
    /// through the machine.
    public func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        (root as? Machine)?.requestExit(code: DebugExitDevice.exitCode(value), reason: "\(path) written")
    }
}
