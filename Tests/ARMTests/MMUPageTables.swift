/// The random translation setup of `MMULockstepTests`: a TCR_EL1 layout,
/// page tables for TTBR1 and for several TTBR0 contexts (one ASID each),
/// and the regions (leaf or invalid entries) the instruction streams point at.
///
/// The tables are built in a host-side image (`image`, physical address →
/// descriptor) that both engines' RAM receives. Later changes are made by the
/// guest itself (stores to the table window, then TLBI), and `setLeaf`
/// keeps the image in step with what those stores write.
struct MMUPageTables {
    /// Physical layout shared by both engines (RAM at `ramBase`).
    static let ramBase: UInt64 = 0x4000_0000
    static let ramSize: UInt64 = 16 << 20
    /// Code, vectors and Unicorn's scratch page, 64 KiB each.
    static let codePA: UInt64 = 0x4000_0000
    static let codeBytes: UInt64 = 0x30000
    /// Where data mappings point (2 MiB aligned, so a 2 MiB block maps exactly it).
    static let poolPA: UInt64 = 0x4020_0000
    static let poolSize: UInt64 = 0x20_0000
    /// Page tables, then the window through which the guest edits them.
    static let tablePA: UInt64 = 0x4080_0000
    static let tableBytes: UInt64 = 0x80_0000
    /// Virtual addresses of the fixed TTBR1 mappings (inside every 39–48-bit TTBR1 range).
    static let codeVA: UInt64 = 0xFFFF_FFFF_F000_0000
    static let tableVA: UInt64 = 0xFFFF_FFFF_E000_0000
    /// Accessible windows are at most this big (Unicorn maps an alias there; see the test's header).
    static let windowLimit: UInt64 = 0x10000

    /// One half (TTBR0 or TTBR1) of the EL1&0 regime.
    struct Half {
        var granuleShift: UInt64
        var inputBits: UInt64
        var stride: UInt64 { granuleShift - 3 }
        var startLevel: Int { 4 - Int((inputBits - granuleShift + stride - 1) / stride) }
        func shift(_ level: Int) -> UInt64 { granuleShift + stride * UInt64(3 - level) }
        func indexBits(_ level: Int) -> UInt64 { level == startLevel ? inputBits - shift(level) : stride }
        var mask: UInt64 { inputBits == 64 ? ~0 : (1 << inputBits) - 1 }
        /// Levels at which a block descriptor is valid (ARMv8.0, no LPA2/LPA).
        var blockLevels: [Int] { granuleShift == 12 ? [1, 2] : [2] }
    }

    enum Kind: Equatable { case page, block, invalid, hole }

    /// A leaf (page or block), an invalid entry at some level, or an
    /// address outside the half's range; `window` is the part accessed.
    struct Region {
        var upper: Bool
        var kind: Kind
        var va: UInt64
        var level: Int
        var shift: UInt64
        var window: UInt64
        var windowSize: UInt64
        var global: Bool
        /// Physical address of the entry in each context's tables (one for TTBR1).
        var entryPA: [UInt64]
        /// APTable/UXNTable/PXNTable accumulated along the path.
        var tableNoEL0 = false, tableReadOnly = false, tableUXN = false, tablePXN = false
        /// Fixed regions (code, tables) are never edited or used as random pointers.
        var fixed = false
        /// The region whose window starts where this one's ends (page crossings).
        var next: Int?
    }

    struct EntryKey: Hashable { var upper: Bool; var level: Int; var prefix: UInt64 }

    var half0: Half
    var half1: Half
    var tcr: UInt64
    var mair: UInt64
    var sctlr: UInt64
    var contexts: Int
    var asids: [UInt64]
    var rootPA: [UInt64] = []    // TTBR0 roots per context
    var root1PA: UInt64 = 0
    var image: [UInt64: UInt64] = [:]
    var regions: [Region] = []
    /// Occupied entries: true for a table descriptor, false for a leaf or invalid entry.
    var occupied: [EntryKey: Bool] = [:]
    var tableBits: [EntryKey: UInt64] = [:]
    var childTables: [EntryKey: [UInt64]] = [:]
    var nextTable: UInt64 = MMUPageTables.tablePA

    var asidBits16: Bool { tcr & (1 << 36) != 0 }
    var asidInTTBR1: Bool { tcr & (1 << 22) != 0 }

    func half(_ upper: Bool) -> Half { upper ? half1 : half0 }

    init(rng: inout LockstepTests.SplitMix) {
        let granules: [UInt64] = [12, 14, 16]
        let g0 = granules[Int(rng.next() % 3)], g1 = granules[Int(rng.next() % 3)]
        let t0 = 16 + rng.next() % 10, t1 = 16 + rng.next() % 10
        half0 = Half(granuleShift: g0, inputBits: 64 - t0)
        half1 = Half(granuleShift: g1, inputBits: 64 - t1)
        let tg0: UInt64 = g0 == 12 ? 0 : g0 == 16 ? 1 : 2
        let tg1: UInt64 = g1 == 12 ? 2 : g1 == 14 ? 1 : 3
        // IRGN/ORGN/SH are random (no effect on either engine); IPS 32–48 bits all cover the RAM.
        tcr = t0 | (rng.next() & 0x3F) << 8 | tg0 << 14 | t1 << 16 | (rng.next() & 0x3F) << 24 | tg1 << 30
            | (rng.next() % 6) << 32
        if rng.next() % 2 == 0 { tcr |= 1 << 22 }   // A1: the ASID comes from TTBR1
        if rng.next() % 2 == 0 { tcr |= 1 << 36 }   // AS: 16-bit ASIDs
        var attrs: [UInt64] = [0xFF, 0x44, 0xBB, 0xEE, 0x4F, 0xF4, 0xAA, 0x77]
        attrs.shuffle(using: &rng)
        mair = attrs.enumerated().reduce(0) { $0 | $1.element << (8 * UInt64($1.offset)) }
        // M, C, I; SA/SA0/A clear; nTWI/nTWE and SPAN set (no PAN on exception entry); WXN sometimes.
        sctlr = 1 | 1 << 2 | 1 << 12 | 1 << 16 | 1 << 18 | 1 << 23 | 1 << 11 | 1 << 20 | 1 << 22 | 1 << 28 | 1 << 29
        if rng.next() % 4 == 0 { sctlr |= 1 << 19 }
        contexts = 3
        var chosen: [UInt64] = []
        while chosen.count < contexts {
            let a = rng.next() & 0xFFFF
            if !chosen.contains(where: { $0 & 0xFF == a & 0xFF }) { chosen.append(a) }
        }
        asids = chosen
        for _ in 0..<contexts { rootPA.append(allocateTable(half0)) }
        root1PA = allocateTable(half1)
        buildFixedMappings(&rng)
        for upper in [false, true] { buildRandomRegions(upper: upper, count: 11, &rng) }
        for upper in [false, true] {
            // An address beyond the half's input range: a level 0 translation fault.
            let h = half(upper)
            let va = upper ? (~h.mask) &- Self.windowLimit &- (rng.next() % 16) * Self.windowLimit : (1 << h.inputBits) + (rng.next() % 16) * Self.windowLimit
            if !overlapsWindow(va, Self.windowLimit) {
                regions.append(Region(upper: upper, kind: .hole, va: va, level: 0, shift: 16, window: va, windowSize: Self.windowLimit,
                                      global: true, entryPA: []))
            }
        }
    }

    mutating func allocateTable(_ h: Half) -> UInt64 {
        let size: UInt64 = 1 << h.granuleShift
        nextTable = (nextTable + size - 1) & ~(size - 1)
        let pa = nextTable
        nextTable += size
        precondition(nextTable <= Self.tablePA + Self.tableBytes, "page-table area exhausted")
        return pa
    }

    func key(_ upper: Bool, _ level: Int, _ va: UInt64) -> EntryKey {
        let h = half(upper)
        return EntryKey(upper: upper, level: level, prefix: (va & h.mask) >> h.shift(level))
    }

    /// Creates the tables down to `level` for `va` (one copy per context for TTBR0) and returns the
    /// entry addresses, or nil when the path runs into an existing leaf or the entry is taken.
    mutating func makePath(upper: Bool, va: UInt64, level: Int, _ rng: inout LockstepTests.SplitMix) -> (entries: [UInt64], bits: UInt64)? {
        let h = half(upper)
        var tables = upper ? [root1PA] : rootPA
        var accumulated: UInt64 = 0
        for l in h.startLevel..<level {
            let k = key(upper, l, va)
            if occupied[k] == false { return nil }
            if occupied[k] == nil {
                // Probe the rest of the path first so a conflict leaves nothing behind.
                let leafKey = key(upper, level, va)
                if occupied[leafKey] != nil { return nil }
                var children: [UInt64] = []
                for _ in tables { children.append(allocateTable(h)) }
                var bits: UInt64 = 0
                if rng.next() % 10 == 0 { bits |= 1 << 61 }   // APTable[0]: no EL0 access
                if rng.next() % 10 == 0 { bits |= 1 << 62 }   // APTable[1]: read-only
                if rng.next() % 10 == 0 { bits |= 1 << 60 }   // UXNTable
                if rng.next() % 10 == 0 { bits |= 1 << 59 }   // PXNTable
                let index = (va >> h.shift(l)) & ((1 << h.indexBits(l)) - 1)
                for (t, child) in zip(tables, children) { image[t + index * 8] = child | bits | 3 }
                occupied[k] = true
                tableBits[k] = bits
                childTables[k] = children
            }
            accumulated |= tableBits[k] ?? 0
            tables = childTables[k]!
        }
        let leafKey = key(upper, level, va)
        guard occupied[leafKey] == nil else { return nil }
        occupied[leafKey] = false
        let index = (va >> h.shift(level)) & ((1 << h.indexBits(level)) - 1)
        return (tables.map { $0 + index * 8 }, accumulated)
    }

    func overlapsWindow(_ start: UInt64, _ size: UInt64) -> Bool {
        if start &+ size < start { return true }
        let fixed: [(UInt64, UInt64)] = [(Self.ramBase, Self.ramSize), (Self.codeVA, Self.codeBytes), (Self.tableVA, Self.tableBytes)]
        for (s, n) in fixed where start < s + n && s < start + size { return true }
        for r in regions where start < r.window + r.windowSize && r.window < start + size { return true }
        return false
    }

    /// A random leaf descriptor for `region` (the output inside the pool).
    func randomLeaf(_ r: Region, _ rng: inout LockstepTests.SplitMix) -> UInt64 {
        let size: UInt64 = 1 << r.shift
        let pa: UInt64
        if r.kind == .page {
            pa = Self.poolPA + (rng.next() % (Self.poolSize / size)) * size
        } else {
            pa = Self.poolPA & ~(size - 1)
        }
        var d = pa | (rng.next() % 8) << 2 | (rng.next() % 4) << 6 | (rng.next() % 4) << 8 | (rng.next() & 0xF) << 55
        d |= r.kind == .page ? 3 : 1
        if rng.next() % 8 != 0 { d |= 1 << 10 }       // AF
        if !r.global { d |= 1 << 11 }                  // nG
        if rng.next() % 4 == 0 { d |= 1 << 53 }       // PXN
        if rng.next() % 4 == 0 { d |= 1 << 54 }       // UXN
        if rng.next() % 10 == 0 { d &= ~1 }           // invalid (the rest is ignored)
        return d
    }

    mutating func buildFixedMappings(_ rng: inout LockstepTests.SplitMix) {
        let h = half1
        // Code, vectors and scratch: EL1 read-only, executable at EL1 only, global.
        let page: UInt64 = 1 << h.granuleShift
        var offset: UInt64 = 0
        while offset < Self.codeBytes {
            let va = Self.codeVA + offset
            guard let path = makePath(upper: true, va: va, level: 3, &rng) else { preconditionFailure("code mapping") }
            image[path.entries[0]] = (Self.codePA + offset) | 3 | 1 << 10 | 2 << 6 | 3 << 8 | 1 << 54
            offset += page
        }
        // The table window: EL1 read/write, never executable (2 MiB blocks with 4 KiB pages).
        let level = h.granuleShift == 12 ? 2 : 3
        let step: UInt64 = 1 << h.shift(level)
        offset = 0
        while offset < Self.tableBytes {
            guard let path = makePath(upper: true, va: Self.tableVA + offset, level: level, &rng) else { preconditionFailure("table window") }
            image[path.entries[0]] = (Self.tablePA + offset) | (level == 3 ? 3 : 1) | 1 << 10 | 3 << 8 | 1 << 53 | 1 << 54
            offset += step
        }
        // Table descriptors on these paths must not restrict them: clear any random bits.
        clearTableRestrictions(upper: true, va: Self.codeVA)
        var o: UInt64 = 0
        while o < Self.tableBytes { clearTableRestrictions(upper: true, va: Self.tableVA + o); o += step }
        regions.append(Region(upper: true, kind: .page, va: Self.codeVA, level: 3, shift: h.granuleShift, window: Self.codeVA,
                              windowSize: Self.codeBytes, global: true, entryPA: [], fixed: true))
        regions.append(Region(upper: true, kind: .page, va: Self.tableVA, level: level, shift: h.shift(level), window: Self.tableVA,
                              windowSize: Self.tableBytes, global: true, entryPA: [], fixed: true))
    }

    /// Removes APTable/XNTable bits from the table descriptors leading to `va` in TTBR1.
    mutating func clearTableRestrictions(upper: Bool, va: UInt64) {
        let h = half(upper)
        var table = root1PA
        for l in h.startLevel..<3 {
            let k = key(upper, l, va)
            guard occupied[k] == true, let child = childTables[k]?.first else { return }
            let index = (va >> h.shift(l)) & ((1 << h.indexBits(l)) - 1)
            image[table + index * 8] = child | 3
            tableBits[k] = 0
            table = child
        }
    }

    mutating func buildRandomRegions(upper: Bool, count: Int, _ rng: inout LockstepTests.SplitMix) {
        let h = half(upper)
        var made = 0
        var attempts = 0
        while made < count && attempts < 200 {
            attempts += 1
            var kind: Kind
            var level: Int
            switch rng.next() % 20 {
            case 0..<11: kind = .page; level = 3
            case 11..<16: kind = .block; level = h.blockLevels[Int(rng.next() % UInt64(h.blockLevels.count))]
            default: kind = .invalid; level = h.startLevel + Int(rng.next() % UInt64(4 - h.startLevel))
            }
            let shift = h.shift(level)
            let size: UInt64 = 1 << shift
            var va: UInt64
            var previous: Int?
            if kind == .page, rng.next() % 3 == 0,
               let p = regions.indices.last(where: { regions[$0].upper == upper && regions[$0].kind == .page && !regions[$0].fixed && regions[$0].next == nil }) {
                // Right after an earlier page, so accesses can cross from one into the other.
                va = regions[p].va &+ size
                previous = p
                if (va & h.mask) == 0 { continue }
            } else {
                va = rng.next() & h.mask & ~(size - 1)
                if upper { va |= ~h.mask }
            }
            // The window: the page itself, or 64 KiB of a block or invalid range that lands in the pool.
            var window = va, windowSize = min(size, Self.windowLimit)
            if kind == .block {
                let blockPA = Self.poolPA & ~(size - 1)
                window = va + (Self.poolPA - blockPA) + (rng.next() % (Self.poolSize / Self.windowLimit)) * Self.windowLimit
                windowSize = Self.windowLimit
            } else if kind == .invalid, size > Self.windowLimit {
                window = va + (rng.next() % (size / Self.windowLimit)) * Self.windowLimit
            }
            if overlapsWindow(window, windowSize) { continue }
            let before = (occupied, tableBits, childTables, image, nextTable)
            guard let path = makePath(upper: upper, va: va, level: level, &rng) else {
                (occupied, tableBits, childTables, image, nextTable) = before
                continue
            }
            let global = upper ? rng.next() % 2 == 0 : rng.next() % 5 < 2
            var r = Region(upper: upper, kind: kind, va: va, level: level, shift: shift, window: window, windowSize: windowSize,
                           global: global, entryPA: path.entries)
            r.tableNoEL0 = path.bits & (1 << 61) != 0
            r.tableReadOnly = path.bits & (1 << 62) != 0
            r.tableUXN = path.bits & (1 << 60) != 0
            r.tablePXN = path.bits & (1 << 59) != 0
            if kind == .invalid {
                // Zero or garbage with bit 0 clear: both are invalid whatever the other bits say.
                let garbage = rng.next() & ~1
                for e in path.entries { image[e] = rng.next() % 2 == 0 ? 0 : garbage }
            } else {
                let first = randomLeaf(r, &rng)
                for (i, e) in path.entries.enumerated() { image[e] = (i == 0 || global) ? first : randomLeaf(r, &rng) }
            }
            regions.append(r)
            if let previous { regions[previous].next = regions.count - 1 }
            made += 1
        }
    }

    /// TTBR0_EL1 / TTBR1_EL1 values for context `c` (random CnP; ASID per TCR_EL1.A1).
    func ttbrs(context c: Int, _ rng: inout LockstepTests.SplitMix) -> (UInt64, UInt64) {
        let asid = asids[c] << 48
        let junk = (rng.next() & 0xFFFF) << 48
        let t0 = rootPA[c] | (asidInTTBR1 ? junk : asid) | (rng.next() & 1)
        let t1 = root1PA | (asidInTTBR1 ? asid : junk) | (rng.next() & 1)
        return (t0, t1)
    }

    /// The descriptor of `region` in context `c` as the image holds it.
    func descriptor(_ r: Region, context c: Int) -> UInt64 {
        guard !r.entryPA.isEmpty else { return 0 }
        return image[r.entryPA[r.upper ? 0 : c]] ?? 0
    }

    /// Would an EL1 instruction fetch from `r` in context `c` fault? And at which level is the leaf?
    func fetchFaultsAtEL1(_ r: Region, context c: Int) -> Bool {
        if r.kind == .hole || r.kind == .invalid { return true }
        let d = descriptor(r, context: c)
        if d & 1 == 0 || d & (1 << 10) == 0 { return true }
        let ap = (d >> 6) & 3
        let el0 = ap & 1 != 0 && !r.tableNoEL0
        let writable = ap & 2 == 0 && !r.tableReadOnly
        if d & (1 << 53) != 0 || r.tablePXN || (el0 && writable) { return true }
        return sctlr & (1 << 19) != 0 && writable
    }
}
