import ChimeraCore

/// QEMU's `isa-debug-exit`: a write of `value` to the port ends the
/// simulation with exit code `(value << 1) | 1`. Map its `io` region into
/// a cluster's I/O space (port 0xF4 by convention).
public final class DebugExitDevice: SimObject, MMIOHandler {
    private var pendingExit: Int32?

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

    public func mmioRead(offset: UInt64, size: Int) -> UInt64 { 0 }

    public func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        pendingExit = Int32(truncatingIfNeeded: (value << 1) | 1)
    }

    /// The exit code requested since the last call, if any.
    public func takeExitCode() -> Int32? {
        defer { pendingExit = nil }
        return pendingExit
    }
}
