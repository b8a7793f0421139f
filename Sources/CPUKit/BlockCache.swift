import ChimeraCore

/// A translated block as a run loop enters it: its decoded instructions,
/// how many, and its table slot (whose links it uses).
public struct BlockRef<Instruction> {
    public var code: UnsafeMutablePointer<Instruction>?
    public var count: UInt32
    public var slot: UInt32

    @inlinable
    public init(code: UnsafeMutablePointer<Instruction>? = nil, count: UInt32 = 0, slot: UInt32 = 0) {
        self.code = code
        self.count = count
        self.slot = slot
    }
}

/// One slot of the direct-mapped block table.
public struct BlockEntry<Instruction> {
    /// What the block was looked up by: the host address of its first
    /// instruction byte for a core whose decoded blocks do not depend on
    /// their virtual address (x86), or the virtual PC for one whose decoded
    /// blocks bake in absolute targets (AArch64). `.max` when empty.
    public var key: UInt64
    /// The translation regime the block was decoded in (ASID, exception
    /// level, execution mode): lookups must match it too.
    public var tag: UInt64
    public var code: UnsafeMutablePointer<Instruction>?
    public var count: UInt32

    @inlinable
    public init(key: UInt64 = .max, tag: UInt64 = 0, code: UnsafeMutablePointer<Instruction>? = nil, count: UInt32 = 0) {
        self.key = key
        self.tag = tag
        self.code = code
        self.count = count
    }
}

/// A remembered successor: the block at `pc`, valid while the cache's link
/// epoch is `epoch`. Each table slot has two. Only what can change the
/// mapping from PC to translation (TLB flushes, dropped or flushed blocks)
/// moves the epoch on, so links need no lists of who points where.
public struct BlockLink<Instruction> {
    public var pc: UInt64 = 0
    public var epoch: UInt64 = 0
    public var target = BlockRef<Instruction>()

    @inlinable
    public init(pc: UInt64 = 0, epoch: UInt64 = 0, target: BlockRef<Instruction> = BlockRef<Instruction>()) {
        self.pc = pc
        self.epoch = epoch
        self.target = target
    }
}

/// A core's cache of translated blocks.
///
/// - a direct-mapped table (`table`, `slot(for:)`) the run loop reads with
///   one compare pair, and behind it a directory of every live block, so a
///   block evicted from its slot is found again without retranslation;
/// - an arena of decoded instructions in chunks that never move (a block's
///   pointer stays valid until the next `flush`), grown on demand up to a
///   limit, after which the owner flushes;
/// - two successor links per slot, validated by `epoch`;
/// - per host page, which bytes translated blocks cover, so a store next
///   to code (data, stack) keeps the page's blocks, while a store over
///   translated bytes from any core, device or loader drops them
///   (`invalidate`).
///
/// The hot pointers are `let`s of this struct; the directory lives in a
/// class the hot loop never touches. The owner calls `deallocate()` once,
/// in its `deinit`.
public struct BlockCache<Instruction> {
    // Computed, not stored: a generic type cannot hold static stored properties.
    public static var tableSize: Int { 1 << 14 }
    /// Instructions in one arena chunk.
    public static var chunkSize: Int { 1 << 14 }

    public let table: UnsafeMutablePointer<BlockEntry<Instruction>>
    /// `2 × (tableSize + 1)` links: two per slot, two for the uncached
    /// slot `tableSize`.
    public let links: UnsafeMutablePointer<BlockLink<Instruction>>
    /// Moves on whenever a link could have become wrong; starts at 1 so
    /// zeroed links never match.
    public let epochWord: UnsafeMutablePointer<UInt64>
    /// Unmanaged, so copying the struct into a hot loop's locals costs no
    /// reference counting; `deallocate()` releases it.
    private let directoryReference: Unmanaged<BlockDirectory<Instruction>>
    var directory: BlockDirectory<Instruction> { directoryReference.takeUnretainedValue() }

    /// A cache whose arena holds at most `capacity` decoded instructions.
    public init(capacity: Int, maxBlock: Int, filler: Instruction) {
        table = .allocate(capacity: Self.tableSize)
        table.initialize(repeating: BlockEntry(), count: Self.tableSize)
        links = .allocate(capacity: 2 * (Self.tableSize + 1))
        links.initialize(repeating: BlockLink(), count: 2 * (Self.tableSize + 1))
        epochWord = .allocate(capacity: 1)
        epochWord.initialize(to: 1)
        directoryReference = Unmanaged.passRetained(BlockDirectory(capacity: capacity, maxBlock: maxBlock, filler: filler))
    }

    public func deallocate() {
        table.deallocate()
        links.deallocate()
        epochWord.deallocate()
        directory.release()
        directoryReference.release()
    }

    // MARK: Hot path

    @inlinable @inline(__always)
    public static func slot(for key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key ^ (key >> 11)) & UInt64(tableSize - 1))
    }

    /// The block at `key` in regime `tag` when its slot holds it.
    @inlinable @inline(__always)
    public func cached(_ key: UInt64, tag: UInt64) -> BlockRef<Instruction>? {
        let s = Self.slot(for: key)
        let e = table[s]
        guard _fastPath(e.key == key && e.tag == tag) else { return nil }
        return BlockRef(code: e.code, count: e.count, slot: UInt32(truncatingIfNeeded: s))
    }

    @inlinable
    public var epoch: UInt64 { epochWord.pointee }

    /// Makes every link stale.
    @inlinable
    public func bumpEpoch() { epochWord.pointee &+= 1 }

    /// The successor of the block in `slot` when it continued at `pc` before.
    @inlinable @inline(__always)
    public func linked(from slot: Int, pc: UInt64) -> BlockRef<Instruction>? {
        let epoch = epochWord.pointee
        let link = links + 2 &* slot
        if link[0].pc == pc && link[0].epoch == epoch { return link[0].target }
        if link[1].pc == pc && link[1].epoch == epoch { return link[1].target }
        return nil
    }

    /// Remembers that the block in `slot` continued at `pc` with `next`.
    @inlinable @inline(__always)
    public func link(from slot: Int, pc: UInt64, to next: BlockRef<Instruction>) {
        let epoch = epochWord.pointee
        let link = links + 2 &* slot
        link[link[0].epoch == epoch ? 1 : 0] = BlockLink(pc: pc, epoch: epoch, target: next)
    }

    // MARK: Translation

    /// Looks a block up in the directory (it may have been evicted from its
    /// slot) and puts it back in the table.
    public func recall(_ key: UInt64, tag: UInt64) -> BlockRef<Instruction>? {
        guard let e = directory.blocks[BlockKey(key: key, tag: tag)] else { return nil }
        return install(e)
    }

    /// Room for a block of up to `maxBlock` instructions; the owner decodes
    /// into it and calls `commit`. Nil when the arena is full: flush first.
    public func reserve() -> UnsafeMutablePointer<Instruction>? { directory.reserve() }

    /// Records a decoded block of `count` instructions at `code` (from
    /// `reserve`), covering `length` guest bytes starting at host address
    /// `host`, and enters it in the table.
    @discardableResult
    public func commit(key: UInt64, tag: UInt64, code: UnsafeMutablePointer<Instruction>, count: Int,
                       host: UInt, length: Int) -> BlockRef<Instruction> {
        directory.advance(count)
        let e = BlockEntry(key: key, tag: tag, code: code, count: UInt32(count))
        let k = BlockKey(key: key, tag: tag)
        directory.blocks[k] = e
        directory.markBytes(host: host, length: length, block: k)
        return install(e)
    }

    /// A block that is not entered anywhere (an instruction straddling two
    /// pages, decoded afresh each time): it lives in the uncached slot.
    public func scratch(_ instruction: Instruction) -> BlockRef<Instruction> {
        directory.scratch.pointee = instruction
        return BlockRef(code: directory.scratch, count: 1, slot: UInt32(Self.tableSize))
    }

    private func install(_ e: BlockEntry<Instruction>) -> BlockRef<Instruction> {
        let s = Self.slot(for: e.key)
        table[s] = e
        return BlockRef(code: e.code, count: e.count, slot: UInt32(s))
    }

    // MARK: Invalidation

    /// Does a store of `size` bytes at host address `host` overlap bytes
    /// translated into this cache?
    public func covers(host: UInt, size: Int) -> Bool { directory.covers(host: host, size: size) }

    /// A store hit `length` bytes at `offset` of `block` while the block was
    /// marked as holding code. Drops the blocks of every page whose
    /// translated bytes the store overlaps and returns true if there was
    /// one; pages only written next to their code keep their blocks and get
    /// `mark` again in the block's code map (the store cleared it), so
    /// later stores are still seen.
    public func invalidate(_ block: RAMBlock, offset: UInt64, length: UInt64, mark: UInt8) -> Bool {
        let start = UInt(bitPattern: block.base) &+ UInt(offset)
        let end = start &+ UInt(max(length, 1))
        var page = start & ~0xFFF
        var hit = false
        while page < end {
            if directory.pages[page] != nil {
                let lo = max(start, page), hi = min(end, page + 0x1000)
                if directory.covers(host: lo, size: Int(hi - lo)) {
                    for k in directory.dropPage(page) {
                        let s = Self.slot(for: k.key)
                        if table[s].key == k.key && table[s].tag == k.tag { table[s] = BlockEntry() }
                    }
                    hit = true
                } else {
                    block.markCode(atOffset: UInt64(page &- UInt(bitPattern: block.base)), mark: mark)
                }
            }
            page &+= 0x1000
        }
        if hit { bumpEpoch() }
        return hit
    }

    /// Drops every block (map change, arena full, a mode the decoder bakes in).
    public func flush() {
        bumpEpoch()
        table.update(repeating: BlockEntry(), count: Self.tableSize)
        directory.reset()
    }

    /// Registers `observer` (the owning core) with `block` for code-write
    /// callbacks, once.
    public func observe(_ block: RAMBlock, by observer: any CodeWriteObserver) {
        let id = ObjectIdentifier(block)
        guard !directory.observed.contains(id) else { return }
        block.addCodeObserver(observer)
        directory.observed.append(id)
    }

    /// Decoded instructions in the arena (for statistics and tests).
    public var instructionsUsed: Int { directory.used }
}

/// A block's identity in the directory.
struct BlockKey: Hashable {
    var key: UInt64
    var tag: UInt64
}

/// The cold side of a `BlockCache`: every live block, which host pages
/// they cover (a 4096-bit map per page and the blocks on it, in
/// translation order), and the arena's chunks.
final class BlockDirectory<Instruction> {
    var blocks: [BlockKey: BlockEntry<Instruction>] = [:]
    /// RAM blocks this cache is registered with as a code-write observer.
    var observed: [ObjectIdentifier] = []
    var pages: [UInt: Page] = [:]
    private var chunks: [UnsafeMutablePointer<Instruction>] = []
    private var chunk = 0
    private var chunkUsed = 0
    var used = 0
    let capacity: Int
    let maxBlock: Int
    let filler: Instruction
    let scratch: UnsafeMutablePointer<Instruction>

    struct Page {
        var bytes = [UInt64](repeating: 0, count: 64)
        var blocks: [BlockKey] = []
    }

    init(capacity: Int, maxBlock: Int, filler: Instruction) {
        self.capacity = capacity
        self.maxBlock = maxBlock
        self.filler = filler
        scratch = .allocate(capacity: 1)
        scratch.initialize(to: filler)
    }

    func release() {
        for c in chunks { c.deallocate() }
        chunks = []
        scratch.deallocate()
    }

    private var chunkSize: Int { max(BlockCache<Instruction>.chunkSize, maxBlock) }

    func reserve() -> UnsafeMutablePointer<Instruction>? {
        if chunk < chunks.count && chunkUsed + maxBlock <= chunkSize { return chunks[chunk] + chunkUsed }
        guard used + maxBlock <= capacity else { return nil }
        // The current chunk is full: move to the next, allocating it once.
        if chunk < chunks.count { chunk += 1 }
        if chunk == chunks.count {
            let c = UnsafeMutablePointer<Instruction>.allocate(capacity: chunkSize)
            c.initialize(repeating: filler, count: chunkSize)
            chunks.append(c)
        }
        chunkUsed = 0
        return chunks[chunk]
    }

    func advance(_ count: Int) {
        chunkUsed += count
        used += count
    }

    func markBytes(host: UInt, length: Int, block: BlockKey) {
        var at = host
        var left = max(length, 1)
        while left > 0 {
            let page = at & ~0xFFF
            let lo = Int(at & 0xFFF), n = min(left, 4096 - lo)
            var p = pages[page] ?? Page()
            for b in lo..<(lo + n) { p.bytes[b >> 6] |= 1 << UInt64(b & 63) }
            if p.blocks.last != block { p.blocks.append(block) }
            pages[page] = p
            at &+= UInt(n)
            left -= n
        }
    }

    func covers(host: UInt, size: Int) -> Bool {
        let page = host & ~0xFFF
        guard let p = pages[page] else { return false }
        let lo = Int(host & 0xFFF), hi = min(lo + size, 4096)
        for b in lo..<hi where p.bytes[b >> 6] & (1 << UInt64(b & 63)) != 0 { return true }
        return false
    }

    /// Forgets the page and every block on it; returns those blocks.
    func dropPage(_ page: UInt) -> [BlockKey] {
        guard let p = pages.removeValue(forKey: page) else { return [] }
        for k in p.blocks { blocks[k] = nil }
        return p.blocks
    }

    func reset() {
        blocks.removeAll(keepingCapacity: true)
        pages.removeAll(keepingCapacity: true)
        chunk = 0
        chunkUsed = 0
        used = 0
    }
}
