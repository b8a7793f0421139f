extension AddressSpace {
    /// The region tree and flattened view as text, in the spirit of QEMU's
    /// `info mtree`: one line per region with range, priority and kind.
    public func mtreeText() -> String {
        var out = "address-space: \(name)\n"
        AddressSpace.describe(root, at: 0, priority: 0, depth: 1, into: &out)
        out += "\nFlatView (\(name)):\n"
        for r in flatView.ranges {
            out += "  \(hex(r.start))-\(hex(r.last)) (\(r.region.kindName)) \(r.region.owner):\(r.region.name)"
            if r.offsetInRegion != 0 { out += " @\(hex(r.offsetInRegion))" }
            out += "\n"
        }
        return out
    }

    private static func describe(_ region: MemoryRegion, at address: UInt64, priority: Int, depth: Int, into out: inout String) {
        let last = region.size == 0 ? address : address &+ (region.size &- 1)
        out += String(repeating: "  ", count: depth)
        out += "\(hex(address))-\(hex(last)) (prio \(priority), \(region.kindName)): "
        if depth == 1 { out += region.name } else { out += "\(region.owner):\(region.name)" }
        if case .alias(let target, let offset) = region.kind {
            out += " @\(target.owner):\(target.name) \(hex(offset))-\(hex(offset &+ region.size &- 1))"
        }
        out += "\n"
        let ordered = region.subregions.sorted { ($0.address, -$0.priority, $0.order) < ($1.address, -$1.priority, $1.order) }
        for sub in ordered {
            describe(sub.region, at: address &+ sub.address, priority: sub.priority, depth: depth + 1, into: &out)
        }
    }
}
