/// One mapping of a device region into a cluster's address space.
public struct RegionMapping: Hashable, Sendable {
    /// Which space: `memory` or `io` (x86 ports).
    public var space: String
    /// Path of the object that exports the region.
    public var objectPath: String
    /// The region's name on that object (`mmio`, `mem`).
    public var region: String
    public var address: UInt64
    public var priority: Int
    /// For windows onto part of a region: start offset inside it.
    public var offset: UInt64?
    /// For windows: size of the window.
    public var size: UInt64?

    public init(space: String = "memory", objectPath: String, region: String, address: UInt64,
                priority: Int = 0, offset: UInt64? = nil, size: UInt64? = nil) {
        self.space = space
        self.objectPath = objectPath
        self.region = region
        self.address = address
        self.priority = priority
        self.offset = offset
        self.size = size
    }
}

/// A group of cores that share one memory map (and, for x86, one I/O-port
/// space). Different clusters may see the same RAM at different addresses.
public final class Cluster: SimObject {
    /// What the cluster's cores see in memory.
    public private(set) var memory: AddressSpace
    /// The 64 KiB x86 I/O-port space (empty on other architectures).
    public private(set) var io: AddressSpace
    /// Mappings in the order they were made.
    public private(set) var mappings: [RegionMapping] = []

    public required init(_ creation: ObjectCreation) {
        let owner = (creation.parent?.path ?? "") + "/" + creation.name
        memory = AddressSpace(name: "memory", owner: owner)
        io = AddressSpace(name: "io", size: 0x1_0000, owner: owner)
        super.init(creation)
    }

    static let type = ObjectType(
        "cluster", parent: "object",
        summary: "Cores sharing one address space (and I/O-port space); devices are mapped into it",
        instanceClass: Cluster.self)

    /// The cores of this cluster in tree order.
    public var cpus: [CPUDevice] { subtree.compactMap { $0 as? CPUDevice } }

    /// Records a mapping; applied now if both sides are realized, else at realize.
    public func map(_ mapping: RegionMapping) throws(ChimeraError) {
        guard mapping.space == "memory" || mapping.space == "io" else {
            throw ChimeraError.object(path, "unknown address space '\(mapping.space)'; use memory or io")
        }
        let object = try resolve(mapping.objectPath)
        var normalized = mapping
        normalized.objectPath = object.path
        if state == .realized {
            guard object.state == .realized else {
                throw ChimeraError.object(path, "cannot map \(object.path).\(mapping.region): the object is not realized")
            }
            try apply(normalized, object: object)
        }
        mappings.append(normalized)
    }

    override public var realizeDependencies: [SimObject] {
        mappings.compactMap { try? resolve($0.objectPath) }
    }

    override public func realize() throws(ChimeraError) {
        try checkUniqueInterruptIDs()
        for m in mappings {
            try apply(m, object: try resolve(m.objectPath))
        }
    }

    /// Two x86 cores of one cluster with one local APIC ID would both take
    /// every interrupt sent to it; the default ID is the core's position.
    private func checkUniqueInterruptIDs() throws(ChimeraError) {
        let cores = cpus.filter { core in core.propertyDescriptors.contains { $0.name == "apic-id" } }
        var owners: [(id: UInt64, path: String)] = []
        for (index, core) in cores.enumerated() {
            let configured = core.uintProperty("apic-id")
            let id = configured == 0xFFFF_FFFF ? UInt64(index) : configured
            if let other = owners.first(where: { $0.id == id }) {
                throw ChimeraError.object(core.path, "apic-id \(id) is already the local APIC ID of \(other.path); "
                                          + "every core of \(path) needs its own")
            }
            owners.append((id, core.path))
        }
    }

    override public func unrealize() {
        memory = AddressSpace(name: "memory", owner: path)
        io = AddressSpace(name: "io", size: 0x1_0000, owner: path)
    }

    private func apply(_ m: RegionMapping, object: SimObject) throws(ChimeraError) {
        guard let region = object.exportedRegions[m.region] else {
            let names = object.exportedRegions.keys.sorted()
            throw ChimeraError.object(path,
                "\(object.path) has no region '\(m.region)'" + (names.isEmpty ? "" : "; regions are: " + names.joined(separator: ", ")))
        }
        var placed = region
        if m.offset != nil || m.size != nil {
            let offset = m.offset ?? 0
            let size = m.size ?? (region.size > offset ? region.size - offset : 0)
            placed = try MemoryRegion.alias(name: "\(object.name).\(m.region)@\(hex(m.address, digits: 1))",
                                            of: region, offset: offset, size: size, owner: path)
        }
        let space = m.space == "io" ? io : memory
        // Named after the mapped object, so a board error points at its declaration.
        do { try space.map(placed, at: m.address, priority: m.priority) } catch {
            throw error.at(objectPath: object.path)
        }
    }
}
