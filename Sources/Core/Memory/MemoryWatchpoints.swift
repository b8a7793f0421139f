/// The data watchpoints of one machine (a debugger's `watch`, `rwatch` and
/// `awatch`), kept on physical bytes of RAM so that every path to those
/// bytes sees them: the cores of every cluster and architecture, and
/// devices writing through an address space.
///
/// How an access meets a watchpoint without a check on any fast path:
/// each watched page carries `RAMBlock.watchMark` in its `codePages` byte.
/// Stores already test that byte (it is how code pages send stores to the
/// slow path), so every store to a watched page takes a core's slow path;
/// `SoftTLB.fill` keeps watched pages out of the read TLB, so loads do
/// too. There the core asks `match`, or, for writes that go through an
/// `AddressSpace`, the address space reports them (`RAMBlock.reportWrite`).
///
/// When a watchpoint fires the accessing core stops at an instruction
/// boundary: an AArch64 core, or an x86 core on a read, stops *before*
/// the instruction (which runs without stopping again on resume); an x86
/// core that wrote stops *after* it, as hardware watchpoints of each
/// architecture do, so gdb's handling of each fits. A device's write
/// stops the machine after the event that made it.
public final class MemoryWatchpoints {
    /// Which accesses fire a watchpoint.
    public enum Kind: Sendable, Equatable {
        case write, read, access

        /// Does an access (a write when `write`) fire this kind?
        public func fires(onWrite write: Bool) -> Bool {
            switch self {
            case .write: write
            case .read: !write
            case .access: true
            }
        }
    }

    /// Watched bytes `offset ..< offset + length` of `block`, named
    /// `address` by the debugger that set it (a virtual address of its
    /// process, or physical), for `owner` (a gdb process id).
    public struct Watch {
        public let block: RAMBlock
        public let offset: UInt64
        public let length: UInt64
        public let kind: Kind
        public let address: UInt64
        public let owner: Int

        public init(block: RAMBlock, offset: UInt64, length: UInt64, kind: Kind, address: UInt64, owner: Int) {
            self.block = block
            self.offset = offset
            self.length = length
            self.kind = kind
            self.address = address
            self.owner = owner
        }

        func overlaps(_ b: RAMBlock, _ o: UInt64, _ n: UInt64) -> Bool {
            block === b && o < offset &+ length && offset < o &+ n
        }
    }

    /// A watchpoint that fired: by `cpu` (nil for a device), on an access
    /// of `length` bytes at `offset` in the watch's block.
    public struct Hit {
        public let watch: Watch
        public let write: Bool
        public let offset: UInt64
        public let cpu: CPUDevice?

        public init(watch: Watch, write: Bool, offset: UInt64, cpu: CPUDevice?) {
            self.watch = watch
            self.write = write
            self.offset = offset
            self.cpu = cpu
        }

        /// The first accessed byte inside the watch, as the debugger names it.
        public var address: UInt64 { watch.address &+ (max(offset, watch.offset) &- watch.offset) }
    }

    /// Every watchpoint, in insertion order (a hit names the first that matches).
    public private(set) var watches: [Watch] = []
    /// The first hit not yet taken by the scheduler (`takeHit`).
    public private(set) var pendingHit: Hit?
    /// The core the scheduler is running, charged with the writes that
    /// reach RAM through an address space meanwhile (an x86 core's stores,
    /// or a device it drives); nil between slices, when only devices run.
    public unowned(unsafe) var running: CPUDevice?
    /// True while a debugger holds the machine: its own reads and writes
    /// (gdb's `M`, monitor commands) fire nothing.
    public var suspended = false

    public init() {}

    public var isEmpty: Bool { watches.isEmpty }

    /// Adds a watchpoint. A page must lie inside one block (callers split
    /// ranges at page boundaries).
    public func insert(_ watch: Watch) {
        watches.append(watch)
        watch.block.watchpoints = self
        remark(watch.block, watch.offset, watch.length)
    }

    /// Removes the watchpoints of `owner` for which `matching` holds; returns how many.
    @discardableResult
    public func remove(owner: Int, where matching: (Watch) -> Bool = { _ in true }) -> Int {
        var removed: [Watch] = []
        watches.removeAll { w in
            guard w.owner == owner && matching(w) else { return false }
            removed.append(w)
            return true
        }
        for w in removed { remark(w.block, w.offset, w.length) }
        return removed.count
    }

    /// The first watchpoint an access of `length` bytes at `offset` in
    /// `block` fires (a write when `write`).
    public func match(_ block: RAMBlock, offset: UInt64, length: UInt64, write: Bool) -> Watch? {
        watches.first { $0.kind.fires(onWrite: write) && $0.overlaps(block, offset, length) }
    }

    /// Records a hit unless one is pending or a debugger holds the machine.
    public func record(_ hit: Hit) {
        guard !suspended, pendingHit == nil else { return }
        pendingHit = hit
    }

    /// A write that reached RAM through an address space (the data is
    /// already there): charged to the running core, which stops after the
    /// instruction, or to a device.
    func written(_ block: RAMBlock, offset: UInt64, length: UInt64) {
        guard !suspended, pendingHit == nil,
              let w = match(block, offset: offset, length: length, write: true) else { return }
        if let cpu = running, !cpu.watchpointTriggered() { return }
        pendingHit = Hit(watch: w, write: true, offset: offset, cpu: running)
    }

    /// Hands the pending hit to the scheduler.
    public func takeHit() -> Hit? {
        defer { pendingHit = nil }
        return pendingHit
    }

    /// Sets or clears `watchMark` on the pages of a range, as the remaining watchpoints need.
    private func remark(_ block: RAMBlock, _ offset: UInt64, _ length: UInt64) {
        let shift = RAMBlock.pageShift
        let first = offset >> shift, last = (offset &+ max(length, 1) &- 1) >> shift
        for page in first...last {
            let start = page << shift
            let watched = watches.contains { $0.overlaps(block, start, 1 << shift) }
            block.setWatchMark(page: Int(page), watched)
        }
    }
}
