/// One contiguous range of a flattened memory map, ending at a leaf region.
public struct FlatRange {
    /// First guest address of the range.
    public let start: UInt64
    /// Last guest address (inclusive, so the top of the 64-bit space fits).
    public let last: UInt64
    /// The RAM, ROM or MMIO region answering the range.
    public let region: MemoryRegion
    /// Offset into `region` that `start` corresponds to.
    public let offsetInRegion: UInt64
}

/// The resolved map of an address space: non-overlapping ranges sorted by address.
///
/// Built by painting subregions in order of increasing priority (ties in
/// mapping order), so higher-priority and later mappings cover lower ones.
public struct FlatView {
    public private(set) var ranges: [FlatRange] = []

    init(root: MemoryRegion) {
        var painted: [FlatRange] = []
        FlatView.paint(root, base: 0, offset: 0, window: (0, root.size == 0 ? 0 : root.size - 1), into: &painted)
        ranges = painted.sorted { $0.start < $1.start }
    }

    /// Paints `region` (placed so that region offset `offset` sits at `base`)
    /// clipped to the inclusive `window`, over whatever is already painted.
    private static func paint(_ region: MemoryRegion, base: UInt64, offset: UInt64,
                              window: (UInt64, UInt64), into out: inout [FlatRange]) {
        switch region.kind {
        case .container:
            // Work in the container's own offsets, then map back to guest addresses.
            let windowLo = window.0 &- base &+ offset
            let windowHi = window.1 &- base &+ offset
            let ordered = region.subregions.sorted { ($0.priority, $0.order) < ($1.priority, $1.order) }
            for sub in ordered where sub.region.size > 0 {
                let subLast = sub.address &+ (sub.region.size &- 1)
                let a = max(sub.address, windowLo), b = min(subLast, windowHi)
                guard a <= b else { continue }
                let guestLo = base &+ (a &- offset)
                paint(sub.region, base: guestLo, offset: a &- sub.address,
                      window: (guestLo, guestLo &+ (b &- a)), into: &out)
            }
        case .alias(let target, let aliasOffset):
            // Alias offset o is target offset `aliasOffset + o`.
            paint(target, base: base, offset: offset &+ aliasOffset, window: window, into: &out)
        case .ram, .rom, .mmio:
            cut(window.0, window.1, from: &out)
            out.append(FlatRange(start: window.0, last: window.1, region: region,
                                 offsetInRegion: offset &+ (window.0 &- base)))
        }
    }

    /// Removes `[lo, hi]` from already painted ranges, splitting where needed.
    private static func cut(_ lo: UInt64, _ hi: UInt64, from ranges: inout [FlatRange]) {
        var kept: [FlatRange] = []
        for r in ranges {
            if r.last < lo || r.start > hi { kept.append(r); continue }
            if r.start < lo {
                kept.append(FlatRange(start: r.start, last: lo - 1, region: r.region, offsetInRegion: r.offsetInRegion))
            }
            if r.last > hi {
                kept.append(FlatRange(start: hi + 1, last: r.last, region: r.region,
                                      offsetInRegion: r.offsetInRegion + (hi + 1 - r.start)))
            }
        }
        ranges = kept
    }

    /// The range containing `address`, by binary search.
    @inline(__always)
    public func range(containing address: UInt64) -> FlatRange? {
        var lo = 0, hi = ranges.count - 1
        while lo <= hi {
            let mid = (lo + hi) >> 1
            let r = ranges[mid]
            if address < r.start { hi = mid - 1 } else if address > r.last { lo = mid + 1 } else { return r }
        }
        return nil
    }
}
