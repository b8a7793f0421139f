import ChimeraCore

/// Small types used only by the Core tests.
final class TestDevice: SimObject {
    var realizeCount = 0
    var unrealizeCount = 0
    var failRealize = false
    static var registryEntries: [ObjectType] {
        [
            ObjectType("test-device", parent: "device", summary: "A device for tests",
                       properties: [
                           PropertyDescriptor("width", .int(.uint8), default: .uint(8), doc: "Bus width"),
                           PropertyDescriptor("mode", .enumeration(["fast", "slow", "off"]), default: "fast", doc: "Mode"),
                           PropertyDescriptor("size", .size, default: .uint(4096), doc: "Window size"),
                           PropertyDescriptor("label", .string, default: "", access: .runtime, doc: "A runtime label"),
                           PropertyDescriptor("peer", .link("test-device"), doc: "Another test device"),
                           PropertyDescriptor("fail", .bool, default: false, doc: "Fail realize on purpose"),
                       ],
                       pins: [PinDescriptor("irq", .output, doc: "Interrupt"), PinDescriptor("in", .input, count: 4, doc: "Inputs")],
                       instanceClass: TestDevice.self),
            ObjectType("test-other", parent: "device", summary: "Another device type", instanceClass: TestDevice.self),
            ObjectType("test-box", parent: "device", summary: "A device with a fixed child and an alias",
                       properties: [.alias("inner-width", child: "inner", property: "width", type: .int(.uint8), doc: "Width of the inner device")],
                       instanceClass: TestBox.self),
        ]
    }
    var inputLog: [(Int, Bool)] = []

    override func realize() throws(ChimeraError) {
        if boolProperty("fail") || failRealize { throw ChimeraError(.generic, "refusing on purpose") }
        realizeCount += 1
    }
    override func unrealize() { unrealizeCount += 1 }
    override func inputChanged(group: String, index: Int, level: Bool) { inputLog.append((index, level)) }
}

/// A composite with a fixed child created in `didCreate`.
final class TestBox: SimObject {
    override func didCreate() throws(ChimeraError) {
        try addChild("inner", type: "test-device")
    }
}

func makeRegistry() -> TypeRegistry {
    var registry = TypeRegistry.withCoreTypes()
    for t in TestDevice.registryEntries { registry.registerBuiltin(t) }
    registry.registerBuiltin(ObjectType("ram-test", parent: "device", summary: "RAM for memory tests",
                                        regions: [RegionDescriptor("mem", doc: "RAM")], instanceClass: TestRAM.self))
    return registry
}

/// RAM whose size comes from `expectedSize`, for cluster mapping tests.
final class TestRAM: SimObject {
    override func realize() throws(ChimeraError) {
        try exportRegion("mem", try MemoryRegion.ram(name: "mem", size: 0x10000, owner: path))
    }
}

/// An MMIO handler that logs every access.
final class LoggingMMIO: MMIOHandler {
    var log: [String] = []
    var registers = [UInt64](repeating: 0, count: 16)
    func mmioRead(offset: UInt64, size: Int) -> UInt64 {
        log.append("r\(size)@\(offset)")
        return registers[Int(offset / 4) % 16]
    }
    func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        log.append("w\(size)@\(offset)=\(String(value, radix: 16))")
        registers[Int(offset / 4) % 16] = value
    }
}
