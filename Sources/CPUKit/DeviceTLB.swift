import ChimeraCore

/// One device entry of a soft-TLB: a range of guest addresses that a single
/// MMIO region answers, resolved when the entry was filled.
///
/// The region is held unretained. That is safe because every core flushes
/// its TLBs when its address space's generation changes (a region leaves
/// the map only through such a change) before it makes another access.
public struct DeviceEntry {
    /// First address covered.
    public var first: UInt64
    /// Last address covered minus `first`.
    public var span: UInt64
    /// The region offset `first` corresponds to.
    public var base: UInt64
    /// The MMIO region; nil when the entry is empty.
    public var region: Unmanaged<MemoryRegion>?
    /// Regime tag and global bit, as in `TLBEntry`.
    public var space: UInt32
    public var global: Bool

    @inlinable
    public init(first: UInt64 = 0, span: UInt64 = 0, base: UInt64 = 0, region: Unmanaged<MemoryRegion>? = nil,
                space: UInt32 = 0, global: Bool = false) {
        self.first = first
        self.span = span
        self.base = base
        self.region = region
        self.space = space
        self.global = global
    }
}

/// The device half of a soft-TLB: direct-mapped entries that take a core's
/// MMIO (or port) access straight to the device's `mmioRead`/`mmioWrite`.
///
/// The RAM arrays never hold device pages, so a device access misses there
/// (one compare), and the core's out-of-line miss path asks this table
/// before anything else: a hit is a range check and one call through the
/// region's device, with nothing searched, cast, allocated or retained.
///
/// Entries are indexed by `address >> shift`: 12 for memory (an entry then
/// never leaves its page, which a page-table translation needs), 3 for an
/// x86 I/O space, where neighbouring devices share a page but not 8 ports.
public struct DeviceTLB {
    public static let entries = 64

    public let table: UnsafeMutablePointer<DeviceEntry>
    public let shift: UInt64

    public init(shift: UInt64) {
        self.shift = shift
        table = .allocate(capacity: DeviceTLB.entries)
        table.initialize(repeating: DeviceEntry(), count: DeviceTLB.entries)
    }

    public func deallocate() { table.deallocate() }

    @inlinable @inline(__always)
    func index(_ address: UInt64) -> Int {
        Int(truncatingIfNeeded: (address >> shift) & UInt64(DeviceTLB.entries - 1))
    }

    /// The region and its offset for `size` bytes at `address`, when one
    /// entry covers all of them.
    @inlinable @inline(__always)
    public func lookup(_ address: UInt64, size: Int) -> (region: Unmanaged<MemoryRegion>, offset: UInt64)? {
        let e = table[index(address)]
        let delta = address &- e.first
        // Both the first and the last byte inside the range; an address
        // below `first` wraps to a huge delta and fails the second test.
        guard let region = e.region, delta &+ UInt64(size &- 1) <= e.span, delta <= e.span else { return nil }
        return (region, e.base &+ delta)
    }

    /// Reads through a hit; nil on a miss.
    @inlinable @inline(__always)
    public func read(_ address: UInt64, size: Int) -> UInt64? {
        guard let (region, offset) = lookup(address, size: size) else { return nil }
        return region._withUnsafeGuaranteedRef { $0.deviceRead(offset: offset, size: size) }
    }

    /// Writes through a hit; nil on a miss, else what the device asks.
    @inlinable @inline(__always)
    public func write(_ address: UInt64, size: Int, value: UInt64) -> DeviceWriteEffect? {
        guard let (region, offset) = lookup(address, size: size) else { return nil }
        return region._withUnsafeGuaranteedRef { $0.deviceWrite(offset: offset, size: size, value: value) }
    }

    /// Installs the MMIO range of `memory` holding physical address `pa`,
    /// seen at guest address `address`, clipped to the `1 << shift`-byte
    /// granule when `clip` (a translated page: outside it the mapping is
    /// not known). Returns false when `pa` is not device memory.
    @discardableResult
    public func fill(_ address: UInt64, physical pa: UInt64, clip: Bool, memory: AddressSpace,
                     regime: UInt32 = 0, global: Bool = true) -> Bool {
        guard let r = memory.deviceRange(containing: pa) else { return false }
        var firstPA = r.first, lastPA = r.last
        if clip {
            let granule = (UInt64(1) << shift) &- 1
            firstPA = max(firstPA, pa & ~granule)
            lastPA = min(lastPA, pa | granule)
        }
        table[index(address)] = DeviceEntry(first: address &- (pa &- firstPA), span: lastPA &- firstPA,
                                            base: r.offset &+ (firstPA &- r.first),
                                            region: Unmanaged.passUnretained(r.region), space: regime, global: global)
        return true
    }

    // MARK: Flush

    public func flushAll() {
        table.update(repeating: DeviceEntry(), count: DeviceTLB.entries)
    }

    /// Drops entries covering any byte of the page at `va` (4 KiB).
    public func flush(page va: UInt64) {
        let page = va & ~0xFFF
        for k in 0..<DeviceTLB.entries {
            let e = table[k]
            guard e.region != nil else { continue }
            let last = e.first &+ e.span
            if e.first <= page &+ 0xFFF && last >= page { table[k] = DeviceEntry() }
        }
    }

    /// Drops the non-global entries of regime `space`.
    public func flush(space: UInt32) {
        for k in 0..<DeviceTLB.entries where table[k].region != nil && !table[k].global && table[k].space == space {
            table[k] = DeviceEntry()
        }
    }
}
