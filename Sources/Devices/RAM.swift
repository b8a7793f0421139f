import ChimeraCore

/// Guest RAM or ROM: lazily backed host memory exported as region `mem`.
public final class RAMDevice: SimObject {
    /// The backing region once realized.
    public private(set) var region: MemoryRegion?

    static let type = ObjectType(
        "ram", parent: "device",
        summary: "Guest RAM (or ROM), backed lazily: untouched pages cost no host memory",
        properties: [
            PropertyDescriptor("size", .size, default: .uint(128 << 20), doc: "Size in bytes (e.g. 512M, 4G)"),
            PropertyDescriptor("read-only", .bool, default: false,
                               doc: "ROM: guest writes are ignored; only loaders may fill it"),
        ],
        regions: [RegionDescriptor("mem", doc: "The whole RAM, from offset 0")],
        instanceClass: RAMDevice.self)

    override public func realize() throws(ChimeraError) {
        let size = uintProperty("size")
        guard size > 0 else { throw ChimeraError.object(path, "size must be greater than zero") }
        let r = boolProperty("read-only")
            ? try MemoryRegion.rom(name: "mem", size: size, owner: path)
            : try MemoryRegion.ram(name: "mem", size: size, owner: path)
        do { try exportRegion("mem", r) } catch { throw error }
        region = r
    }

    override public func unrealize() { region = nil }
}
