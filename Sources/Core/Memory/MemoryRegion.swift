/// Implemented by devices that answer memory-mapped or port I/O accesses.
///
/// Cores call these straight from their soft-TLB's device entries (no map
/// search, no cast, no reference counting on the way), so a register read
/// costs what the device's own code costs.
public protocol MMIOHandler: AnyObject {
    /// Reads `size` bytes (1, 2, 4 or 8) at `offset` in the region, little-endian.
    func mmioRead(offset: UInt64, size: Int) -> UInt64
    /// Writes the low `size` bytes of `value` at `offset` in the region.
    func mmioWrite(offset: UInt64, size: Int, value: UInt64)
    /// `mmioWrite` for a core's store, with what the device asks of that
    /// core. The default performs `mmioWrite` and asks nothing; a device
    /// that ends the run at the writing instruction (`isa-debug-exit`)
    /// implements this instead of being recognised by its type.
    func mmioWriteFromCPU(offset: UInt64, size: Int, value: UInt64) -> DeviceWriteEffect
}

extension MMIOHandler {
    public func mmioWriteFromCPU(offset: UInt64, size: Int, value: UInt64) -> DeviceWriteEffect {
        mmioWrite(offset: offset, size: size, value: value)
        return .none
    }
}

/// `MemoryRegion.device` of a region that is not MMIO: never called by
/// cores (their device TLBs hold MMIO regions only); answers like
/// nothing being there.
final class NoDevice: MMIOHandler {
    func mmioRead(offset: UInt64, size: Int) -> UInt64 { 0 }
    func mmioWrite(offset: UInt64, size: Int, value: UInt64) {}
}

/// What a device's register write asks of the core that made it.
public enum DeviceWriteEffect: Equatable, Sendable {
    /// Nothing beyond the write.
    case none
    /// End the run with this exit code once the writing instruction retires.
    case exit(code: Int32)
}

/// The access sizes an MMIO region accepts natively; other sizes are split
/// or widened by the address space, as on a real bus bridge.
public struct AccessSizes: Hashable, Sendable {
    public var minimum: Int
    public var maximum: Int
    public init(minimum: Int, maximum: Int) {
        self.minimum = minimum
        self.maximum = maximum
    }
    public static let any = AccessSizes(minimum: 1, maximum: 8)
    public static let word = AccessSizes(minimum: 4, maximum: 4)
    public static let upToWord = AccessSizes(minimum: 1, maximum: 4)
}

/// A node of a memory map: RAM, ROM, MMIO, an alias window or a container.
public final class MemoryRegion {
    /// What the region is.
    public enum Kind {
        case ram(RAMBlock)
        case rom(RAMBlock)
        case mmio(any MMIOHandler, AccessSizes)
        /// A window of `size` bytes onto `target` starting at `offset`.
        case alias(MemoryRegion, offset: UInt64)
        case container
    }

    /// A region placed in a container.
    public struct Subregion {
        public let region: MemoryRegion
        public let address: UInt64
        public let priority: Int
        /// Insertion order; breaks priority ties (later mapping wins).
        let order: Int
    }

    public let name: String
    public let size: UInt64
    public let kind: Kind
    /// The device answering an MMIO region and the access sizes it takes,
    /// kept apart from `kind` so that a core holding the region unretained
    /// reaches the device with plain loads (a non-optional `let`: calling
    /// through it needs no retain). Other kinds hold a `NoDevice`.
    public let device: any MMIOHandler
    public let deviceSizes: AccessSizes
    /// Whether this is an MMIO region.
    public let isDevice: Bool
    /// Path of the object that owns the region, for `info mtree`.
    public let owner: String
    public private(set) var subregions: [Subregion] = []
    private var nextOrder = 0
    /// Incremented on every change below this container; address spaces watch it.
    public private(set) var generation: UInt64 = 0
    private var parents: [WeakRegion] = []

    struct WeakRegion { weak var region: MemoryRegion? }

    public init(name: String, size: UInt64, kind: Kind, owner: String) {
        self.name = name
        self.size = size
        self.kind = kind
        self.owner = owner
        if case .mmio(let handler, let sizes) = kind {
            device = handler
            deviceSizes = sizes
            isDevice = true
        } else {
            device = NoDevice()
            deviceSizes = .any
            isDevice = false
        }
    }

    /// Reads an MMIO region's register at `offset` with the device's native
    /// sizes (see `AddressSpace.mmioRead`). Only for `.mmio` regions.
    @inlinable @inline(__always)
    public func deviceRead(offset: UInt64, size: Int) -> UInt64 {
        if _fastPath(size >= deviceSizes.minimum && size <= deviceSizes.maximum) {
            return device.mmioRead(offset: offset, size: size)
        }
        return AddressSpace.mmioRead(device, deviceSizes, offset: offset, size: size)
    }

    /// A core's write to an MMIO region's register; returns what the device
    /// asks of the core. Only for `.mmio` regions.
    @inlinable @inline(__always)
    public func deviceWrite(offset: UInt64, size: Int, value: UInt64) -> DeviceWriteEffect {
        if _fastPath(size >= deviceSizes.minimum && size <= deviceSizes.maximum) {
            return device.mmioWriteFromCPU(offset: offset, size: size, value: value)
        }
        AddressSpace.mmioWrite(device, deviceSizes, offset: offset, size: size, value: value)
        return .none
    }

    /// Allocates lazily backed RAM.
    public static func ram(name: String, size: UInt64, owner: String) throws(ChimeraError) -> MemoryRegion {
        MemoryRegion(name: name, size: size, kind: .ram(try RAMBlock(size: size)), owner: owner)
    }

    /// Allocates ROM (writable only by loaders).
    public static func rom(name: String, size: UInt64, owner: String) throws(ChimeraError) -> MemoryRegion {
        MemoryRegion(name: name, size: size, kind: .rom(try RAMBlock(size: size)), owner: owner)
    }

    /// An empty container spanning `size` bytes.
    public static func container(name: String, size: UInt64 = .max, owner: String) -> MemoryRegion {
        MemoryRegion(name: name, size: size, kind: .container, owner: owner)
    }

    /// Places `region` at `address` inside this container.
    public func addSubregion(_ region: MemoryRegion, at address: UInt64, priority: Int = 0) throws(ChimeraError) {
        guard case .container = kind else {
            throw ChimeraError(.generic, "region '\(name)' is not a container")
        }
        guard region !== self else { throw ChimeraError(.generic, "region '\(name)' cannot contain itself") }
        let (end, overflow) = address.addingReportingOverflow(region.size == 0 ? 0 : region.size - 1)
        guard !overflow, end <= (size == .max ? .max : size - 1) else {
            throw ChimeraError(.generic,
                "region '\(region.name)' (\(hex(region.size)) bytes) at \(hex(address)) does not fit in '\(name)'")
        }
        if case .container = region.kind { region.parents.append(WeakRegion(region: self)) }
        subregions.append(Subregion(region: region, address: address, priority: priority, order: nextOrder))
        nextOrder += 1
        changed()
    }

    /// Removes every placement of `region` from this container.
    public func removeSubregion(_ region: MemoryRegion) {
        subregions.removeAll { $0.region === region }
        changed()
    }

    private func changed() {
        generation &+= 1
        for p in parents { p.region?.changed() }
    }

    /// A short kind name as in QEMU's `info mtree`.
    var kindName: String {
        switch kind {
        case .ram: return "ram"
        case .rom: return "rom"
        case .mmio: return "i/o"
        case .alias: return "alias"
        case .container: return "container"
        }
    }
}

/// `0x…` with at least 16 digits, for memory maps.
public func hex(_ value: UInt64, digits: Int = 16) -> String {
    let s = String(value, radix: 16)
    return String(repeating: "0", count: max(0, digits - s.count)) + s
}

extension MemoryRegion {
    /// A window of `size` bytes onto `target` from `offset`: how one RAM is
    /// seen at different addresses by different clusters.
    public static func alias(name: String, of target: MemoryRegion, offset: UInt64, size: UInt64,
                             owner: String) throws(ChimeraError) -> MemoryRegion {
        let (end, overflow) = offset.addingReportingOverflow(size)
        guard size > 0, !overflow, end <= target.size else {
            throw ChimeraError(.generic,
                "alias '\(name)' (offset \(hex(offset)), size \(hex(size))) does not fit in '\(target.name)' of size \(hex(target.size))")
        }
        return MemoryRegion(name: name, size: size, kind: .alias(target, offset: offset), owner: owner)
    }
}
