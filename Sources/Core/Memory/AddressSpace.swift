/// What a bus access hit, for cores deciding between fast and slow paths.
public enum MemoryTarget {
    /// Host memory: `pointer` is the byte at the accessed address; `available`
    /// bytes follow it in the same block.
    case ram(pointer: UnsafeMutableRawPointer, available: UInt64, block: RAMBlock, offset: UInt64, writable: Bool)
    case mmio(any MMIOHandler, AccessSizes, offset: UInt64, available: UInt64)
    case unmapped
}

/// The memory map one cluster's cores (or its I/O ports) see.
///
/// A tree of regions under one root container, flattened on demand.
/// `generation` changes whenever the map does, so cores know when to flush
/// their TLBs.
public final class AddressSpace {
    public let name: String
    public let root: MemoryRegion
    private var cachedView: FlatView?
    private var cachedGeneration: UInt64 = .max
    /// Range starts of the cached view, for a search that touches no references.
    private var starts: [UInt64] = []

    /// An empty space of `size` bytes (the full 64-bit space by default).
    public init(name: String, size: UInt64 = .max, owner: String) {
        self.name = name
        self.root = MemoryRegion.container(name: name, size: size, owner: owner)
    }

    /// Changes whenever any region is added or removed below the root.
    public var generation: UInt64 { root.generation }

    /// The current flattened map.
    public var flatView: FlatView {
        refreshView()
        return cachedView!
    }

    @inline(__always)
    private func refreshView() {
        if cachedGeneration != root.generation || cachedView == nil {
            let view = FlatView(root: root)
            cachedView = view
            starts = view.ranges.map(\.start)
            cachedGeneration = root.generation
        }
    }

    /// Maps `region` at `address`. A higher `priority` covers lower ones.
    public func map(_ region: MemoryRegion, at address: UInt64, priority: Int = 0) throws(ChimeraError) {
        try root.addSubregion(region, at: address, priority: priority)
    }

    /// Removes every mapping of `region`.
    public func unmap(_ region: MemoryRegion) {
        root.removeSubregion(region)
    }

    /// Resolves one address for a core's TLB fill or slow path.
    public func target(of address: UInt64) -> MemoryTarget {
        guard let r = range(containing: address) else { return .unmapped }
        let offset = r.offsetInRegion &+ (address &- r.start)
        let available = r.last &- address &+ 1
        switch r.region.kind {
        case .ram(let block):
            return .ram(pointer: block.base + Int(offset), available: available, block: block, offset: offset, writable: true)
        case .rom(let block):
            return .ram(pointer: block.base + Int(offset), available: available, block: block, offset: offset, writable: false)
        case .mmio(let handler, let sizes):
            return .mmio(handler, sizes, offset: offset, available: available)
        case .alias, .container:
            return .unmapped  // flat views contain only leaves
        }
    }

    /// The MMIO range holding `address`, for a core's device-TLB fill: the
    /// region, the range's first and last address, and the region offset
    /// of its first address. Nil for RAM, ROM and unmapped addresses.
    public func deviceRange(containing address: UInt64) -> (region: MemoryRegion, first: UInt64, last: UInt64, offset: UInt64)? {
        guard let r = range(containing: address), r.region.isDevice else { return nil }
        return (r.region, r.start, r.last, r.offsetInRegion)
    }

    /// The flat range holding `address`: the last range starting at or
    /// before it, if it reaches that far.
    private func range(containing address: UInt64) -> FlatRange? {
        refreshView()
        var lo = 0, hi = starts.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if starts[mid] <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let r = cachedView!.ranges[lo - 1]
        return address <= r.last ? r : nil
    }

    /// Reads `size` (1–8) bytes little-endian; `nil` if any byte is unmapped.
    public func read(_ address: UInt64, size: Int) -> UInt64? {
        switch target(of: address) {
        case .ram(let p, let available, _, _, _) where available >= UInt64(size):
            var v: UInt64 = 0
            withUnsafeMutableBytes(of: &v) { $0.baseAddress!.copyMemory(from: p, byteCount: size) }
            return UInt64(littleEndian: v)
        case .mmio(let handler, let sizes, let offset, let available) where available >= UInt64(size):
            return AddressSpace.mmioRead(handler, sizes, offset: offset, size: size)
        case .unmapped:
            return nil
        default:
            // Straddles two ranges: assemble byte by byte.
            var v: UInt64 = 0
            for i in 0..<size {
                guard let b = read(address &+ UInt64(i), size: 1) else { return nil }
                v |= b << (8 * UInt64(i))
            }
            return v
        }
    }

    /// Writes `size` (1–8) bytes little-endian. Returns `false` if any byte
    /// is unmapped or read-only (ROM ignores bus writes, as hardware does).
    @discardableResult
    public func write(_ address: UInt64, size: Int, value: UInt64) -> Bool {
        switch target(of: address) {
        case .ram(let p, let available, let block, let offset, let writable) where available >= UInt64(size):
            guard writable else { return false }
            var v = value.littleEndian
            withUnsafeBytes(of: &v) { p.copyMemory(from: $0.baseAddress!, byteCount: size) }
            block.codeWritten(offset: offset, length: UInt64(size))
            block.reportWrite(offset: offset, length: UInt64(size))
            return true
        case .mmio(let handler, let sizes, let offset, let available) where available >= UInt64(size):
            AddressSpace.mmioWrite(handler, sizes, offset: offset, size: size, value: value)
            return true
        case .unmapped:
            return false
        default:
            var ok = true
            for i in 0..<size {
                ok = write(address &+ UInt64(i), size: 1, value: (value >> (8 * UInt64(i))) & 0xFF) && ok
            }
            return ok
        }
    }

    /// Copies bytes out of the map; `nil` if any byte is unmapped.
    public func readBytes(_ address: UInt64, count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let a = address &+ UInt64(done)
            switch target(of: a) {
            case .ram(let p, let available, _, _, _):
                let n = Int(min(available, UInt64(count - done)))
                out.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: done).copyMemory(from: p, byteCount: n) }
                done += n
            default:
                guard let b = read(a, size: 1) else { return nil }
                out[done] = UInt8(b)
                done += 1
            }
        }
        return out
    }

    /// Copies bytes into the map. Loaders pass `allowROM` to fill ROM.
    /// Returns the first address that could not be written, if any.
    @discardableResult
    public func writeBytes(_ address: UInt64, _ bytes: [UInt8], allowROM: Bool = false) -> UInt64? {
        var done = 0
        while done < bytes.count {
            let a = address &+ UInt64(done)
            switch target(of: a) {
            case .ram(let p, let available, let block, let offset, let writable):
                guard writable || allowROM else { return a }
                let n = Int(min(available, UInt64(bytes.count - done)))
                bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!.advanced(by: done), byteCount: n) }
                block.codeWritten(offset: offset, length: UInt64(n))
                block.reportWrite(offset: offset, length: UInt64(n))
                done += n
            default:
                guard write(a, size: 1, value: UInt64(bytes[done])) else { return a }
                done += 1
            }
        }
        return nil
    }

    /// Performs a read with the device's native sizes: splits wide accesses
    /// and widens narrow ones, little-endian.
    @usableFromInline
    static func mmioRead(_ h: any MMIOHandler, _ sizes: AccessSizes, offset: UInt64, size: Int) -> UInt64 {
        if size >= sizes.minimum && size <= sizes.maximum { return h.mmioRead(offset: offset, size: size) }
        if size > sizes.maximum {
            var v: UInt64 = 0
            var done = 0
            while done < size {
                let part = h.mmioRead(offset: offset + UInt64(done), size: sizes.maximum)
                v |= part << (8 * UInt64(done))
                done += sizes.maximum
            }
            return size == 8 ? v : v & ((1 << (8 * UInt64(size))) - 1)
        }
        let width = UInt64(sizes.minimum)
        let aligned = offset & ~(width - 1)
        let shift = 8 * (offset - aligned)
        let v = h.mmioRead(offset: aligned, size: sizes.minimum) >> shift
        return v & ((1 << (8 * UInt64(size))) - 1)
    }

    /// Performs a write with the device's native sizes (read-modify-write
    /// when narrower than the device accepts).
    @usableFromInline
    static func mmioWrite(_ h: any MMIOHandler, _ sizes: AccessSizes, offset: UInt64, size: Int, value: UInt64) {
        if size >= sizes.minimum && size <= sizes.maximum { h.mmioWrite(offset: offset, size: size, value: value); return }
        if size > sizes.maximum {
            var done = 0
            while done < size {
                let part = value >> (8 * UInt64(done))
                let mask: UInt64 = sizes.maximum == 8 ? .max : (1 << (8 * UInt64(sizes.maximum))) - 1
                h.mmioWrite(offset: offset + UInt64(done), size: sizes.maximum, value: part & mask)
                done += sizes.maximum
            }
            return
        }
        let width = UInt64(sizes.minimum)
        let aligned = offset & ~(width - 1)
        let shift = 8 * (offset - aligned)
        let mask: UInt64 = ((1 << (8 * UInt64(size))) - 1) << shift
        let old = h.mmioRead(offset: aligned, size: sizes.minimum)
        h.mmioWrite(offset: aligned, size: sizes.minimum, value: (old & ~mask) | ((value << shift) & mask))
    }
}
