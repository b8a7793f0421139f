import ChimeraCore

/// How memory is being accessed: selects the TLB array, the permission an
/// MMU checks and the fault it reports.
public enum MemoryAccess: UInt8, Sendable {
    case read = 0, write = 1, fetch = 2
}

/// One direct-mapped software-TLB entry: a 4 KiB virtual page and the host
/// memory behind it. 32 bytes, so an index is a shift.
public struct TLBEntry {
    /// Virtual page address; 1 (never a page address) when empty.
    public var tag: UInt64
    /// Host address minus guest virtual address.
    public var addend: UInt64
    /// The page's byte in its RAM block's `codePages`, set in every filled
    /// entry: stores test it, so a page some core starts translating after
    /// the entry was filled still sends stores to the slow path.
    public var codeByte: UnsafePointer<UInt8>?
    /// The translation regime's tag (an ASID), for `flush(space:)`.
    public var space: UInt32
    /// `TranslatedPage.global`: kept by `flush(space:)`.
    public var global: Bool

    @inlinable
    public init(tag: UInt64 = 1, addend: UInt64 = 0, codeByte: UnsafePointer<UInt8>? = nil,
                space: UInt32 = 0, global: Bool = false) {
        self.tag = tag
        self.addend = addend
        self.codeByte = codeByte
        self.space = space
        self.global = global
    }
}

/// What an architecture's MMU says about one virtual address: the
/// translation hook's answer (`AddressTranslator`).
public struct TranslatedPage: Sendable {
    /// Physical address of the translated virtual address (not its page).
    public var physical: UInt64
    /// May the TLB keep this translation? False for pages that must always
    /// take the slow path (an x86 core's local APIC page).
    public var cacheable: Bool
    /// Regime tag (ASID) the entry belongs to.
    public var space: UInt32
    /// Valid in every regime (not removed by `flush(space:)`).
    public var global: Bool

    @inlinable
    public init(physical: UInt64, cacheable: Bool = true, space: UInt32 = 0, global: Bool = true) {
        self.physical = physical
        self.cacheable = cacheable
        self.space = space
        self.global = global
    }
}

/// An architecture's address translation: the function the soft-TLB's miss
/// path calls. It walks the page tables (or returns the address unchanged
/// with the MMU off), checks the permission `access` needs at the current
/// privilege, and throws the architecture's fault when either fails. The
/// fast path never calls it, so an MMU costs nothing on a hit.
public protocol AddressTranslator: AnyObject {
    func translate(_ va: UInt64, for access: MemoryAccess) throws(GuestTrap) -> TranslatedPage
}

/// The out-of-line continuation of the soft-TLB's inlined fast paths.
/// `context` is whatever the core needs to report a fault precisely (the
/// AArch64 core passes the instruction's PC; the x86 core passes 0 and
/// keeps its position in `cursor`).
public protocol SoftTLBMissHandler: AnyObject {
    func readMiss(_ va: UInt64, size: Int, context: UInt64) throws(GuestTrap) -> UInt64
    func writeMiss(_ va: UInt64, size: Int, value: UInt64, context: UInt64) throws(GuestTrap)
}

/// A core's software TLB: direct-mapped read, write and fetch arrays, plus
/// `codeWrite`, the write entries of pages that hold translated code
/// (stores to those take the slow path, which may use them to store next
/// to code without invalidating it).
///
/// One compare checks both the tag and that the access stays on its page:
/// the entry at `va`'s index can only hold `va`'s page, so the page of the
/// access's last byte matches only when the access does not cross.
///
/// The arrays are unsafe buffers owned by the core (`deallocate()` in its
/// `deinit`); the struct is a handful of pointers the hot loop copies into
/// registers.
public struct SoftTLB {
    public static let entries = 256
    public static let pageMask: UInt64 = 0xFFF

    public let read: UnsafeMutablePointer<TLBEntry>
    public let write: UnsafeMutablePointer<TLBEntry>
    public let fetch: UnsafeMutablePointer<TLBEntry>
    public let codeWrite: UnsafeMutablePointer<TLBEntry>
    /// Device pages: the miss path's first stop (`DeviceTLB`).
    public let devices: DeviceTLB

    public init() {
        func array() -> UnsafeMutablePointer<TLBEntry> {
            let p = UnsafeMutablePointer<TLBEntry>.allocate(capacity: SoftTLB.entries)
            p.initialize(repeating: TLBEntry(), count: SoftTLB.entries)
            return p
        }
        read = array()
        write = array()
        fetch = array()
        codeWrite = array()
        devices = DeviceTLB(shift: 12)
    }

    public func deallocate() {
        read.deallocate(); write.deallocate(); fetch.deallocate(); codeWrite.deallocate()
        devices.deallocate()
    }

    @inlinable @inline(__always)
    public static func index(_ va: UInt64) -> Int {
        Int(truncatingIfNeeded: (va >> 12) & UInt64(SoftTLB.entries - 1))
    }

    // MARK: Fast paths

    /// Loads a `T` at `va`: a hit reads host memory, a miss (or a page
    /// crossing) calls `handler.readMiss`. The result is zero-extended.
    @inlinable @inline(__always)
    public func load<T: FixedWidthInteger & UnsignedInteger, H: SoftTLBMissHandler>(
        _: T.Type, _ va: UInt64, context: UInt64, _ handler: H) throws(GuestTrap) -> UInt64 {
        let e = read[SoftTLB.index(va)]
        if _fastPath(e.tag == (va &+ UInt64(MemoryLayout<T>.size &- 1)) & ~SoftTLB.pageMask) {
            return UInt64(UnsafeRawPointer(bitPattern: UInt(truncatingIfNeeded: e.addend &+ va)).unsafelyUnwrapped
                .loadUnaligned(as: T.self))
        }
        return try handler.readMiss(va, size: MemoryLayout<T>.size, context: context)
    }

    /// Stores the low bytes of `value` as a `T` at `va`; pages holding
    /// translated code, misses and crossings go to `handler.writeMiss`.
    @inlinable @inline(__always)
    public func store<T: FixedWidthInteger & UnsignedInteger, H: SoftTLBMissHandler>(
        _: T.Type, _ va: UInt64, _ value: UInt64, context: UInt64, _ handler: H) throws(GuestTrap) {
        let e = write[SoftTLB.index(va)]
        if _fastPath(e.tag == (va &+ UInt64(MemoryLayout<T>.size &- 1)) & ~SoftTLB.pageMask
                     && e.codeByte.unsafelyUnwrapped.pointee == 0) {
            UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: e.addend &+ va)).unsafelyUnwrapped
                .storeBytes(of: T(truncatingIfNeeded: value), as: T.self)
            return
        }
        try handler.writeMiss(va, size: MemoryLayout<T>.size, value: value, context: context)
    }

    /// `load` with the size known only at run time (1, 2, 4 or 8): one
    /// compare first, then the width.
    @inlinable @inline(__always)
    public func load<H: SoftTLBMissHandler>(_ va: UInt64, size: Int, context: UInt64, _ handler: H) throws(GuestTrap) -> UInt64 {
        let e = read[SoftTLB.index(va)]
        if _fastPath(e.tag == (va &+ UInt64(size &- 1)) & ~SoftTLB.pageMask) {
            let p = UnsafeRawPointer(bitPattern: UInt(truncatingIfNeeded: e.addend &+ va)).unsafelyUnwrapped
            switch size {
            case 1: return UInt64(p.load(as: UInt8.self))
            case 2: return UInt64(p.loadUnaligned(as: UInt16.self))
            case 4: return UInt64(p.loadUnaligned(as: UInt32.self))
            default: return p.loadUnaligned(as: UInt64.self)
            }
        }
        return try handler.readMiss(va, size: size, context: context)
    }

    /// `store` with the size known only at run time.
    @inlinable @inline(__always)
    public func store<H: SoftTLBMissHandler>(_ va: UInt64, size: Int, _ value: UInt64, context: UInt64, _ handler: H) throws(GuestTrap) {
        let e = write[SoftTLB.index(va)]
        if _fastPath(e.tag == (va &+ UInt64(size &- 1)) & ~SoftTLB.pageMask && e.codeByte.unsafelyUnwrapped.pointee == 0) {
            let p = UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: e.addend &+ va)).unsafelyUnwrapped
            switch size {
            case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
            case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value), toByteOffset: 0, as: UInt16.self)
            case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: value), toByteOffset: 0, as: UInt32.self)
            default: p.storeBytes(of: value, toByteOffset: 0, as: UInt64.self)
            }
            return
        }
        try handler.writeMiss(va, size: size, value: value, context: context)
    }

    /// Host address of `size` bytes at `va` when the write TLB maps them
    /// to plain RAM (a 16-byte store's single check), else nil.
    @inlinable @inline(__always)
    public func writableHost(_ va: UInt64, size: Int) -> UnsafeMutableRawPointer? {
        let e = write[SoftTLB.index(va)]
        guard e.tag == (va &+ UInt64(size &- 1)) & ~SoftTLB.pageMask && e.codeByte.unsafelyUnwrapped.pointee == 0 else { return nil }
        return UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: e.addend &+ va))
    }

    /// The fetch entry of `va`'s page when it holds that page.
    @inlinable @inline(__always)
    public func fetchEntry(_ va: UInt64) -> TLBEntry? {
        let e = fetch[SoftTLB.index(va)]
        return e.tag == va & ~SoftTLB.pageMask ? e : nil
    }

    // MARK: Fill

    /// Installs `va`'s page for `access` after the translator's answer,
    /// when the physical page is a whole page of one RAM or ROM block (ROM
    /// only for reads and fetches). A writable page holding translated code
    /// goes to `codeWrite` instead of `write`; a watched page never goes to `read`. Returns where the physical
    /// address lies, for the slow path to complete the access.
    /// An MMIO page's range goes into `devices` (reads and writes alike).
    @discardableResult
    public func fill(_ va: UInt64, _ access: MemoryAccess, _ page: TranslatedPage, memory: AddressSpace) -> MemoryTarget {
        let target = memory.target(of: page.physical)
        guard page.cacheable else { return target }
        if case .mmio = target, access != .fetch {
            devices.fill(va, physical: page.physical, clip: true, memory: memory, regime: page.space, global: page.global)
            return target
        }
        guard case .ram = target else { return target }
        // Only whole pages backed by one block go into the TLB.
        let inPage = page.physical & SoftTLB.pageMask
        let whole = inPage == 0 ? target : memory.target(of: page.physical & ~SoftTLB.pageMask)
        guard case .ram(let p, let available, let block, let offset, let writable) = whole, available >= 0x1000 else {
            return target
        }
        let entry = TLBEntry(tag: va & ~SoftTLB.pageMask,
                             addend: UInt64(UInt(bitPattern: p)) &- (va & ~SoftTLB.pageMask),
                             codeByte: UnsafePointer(block.codePages + Int(offset >> RAMBlock.pageShift)),
                             space: page.space, global: page.global)
        let i = SoftTLB.index(va)
        switch access {
        case .read:
            // Loads from watched bytes must reach the slow path (MemoryWatchpoints).
            if entry.codeByte.unsafelyUnwrapped.pointee & RAMBlock.watchMark == 0 { read[i] = entry }
        case .fetch: fetch[i] = entry
        case .write:
            guard writable else { break }
            if entry.codeByte.unsafelyUnwrapped.pointee != 0 { codeWrite[i] = entry } else { write[i] = entry }
        }
        return target
    }

    /// The miss path's common step: asks `translator` for `va`'s page (it
    /// throws the architecture's fault), installs the entry when `fill`
    /// allows, and returns the translation and where its address lies.
    public func refill<T: AddressTranslator>(_ va: UInt64, _ access: MemoryAccess, translator: T,
                                             memory: AddressSpace) throws(GuestTrap) -> (page: TranslatedPage, target: MemoryTarget) {
        let page = try translator.translate(va, for: access)
        return (page, fill(va, access, page, memory: memory))
    }

    /// Moves write entries of the host page `hostPage` (which now holds
    /// code) to `codeWrite`, so stores to it take the slow path.
    public func demoteWrites(hostPage: UInt) {
        for k in 0..<SoftTLB.entries {
            let e = write[k]
            if e.tag != 1 && UInt(truncatingIfNeeded: e.addend &+ e.tag) == hostPage {
                write[k] = TLBEntry()
                codeWrite[k] = e
            }
        }
    }

    // MARK: Flush

    /// Empties every array (map changes, MMU switched, CR3 without PCID).
    public func flushAll() {
        read.update(repeating: TLBEntry(), count: SoftTLB.entries)
        write.update(repeating: TLBEntry(), count: SoftTLB.entries)
        fetch.update(repeating: TLBEntry(), count: SoftTLB.entries)
        codeWrite.update(repeating: TLBEntry(), count: SoftTLB.entries)
        devices.flushAll()
    }

    /// Drops the entries of the page holding `va` in every array (TLBI VA,
    /// INVLPG of a 4 KiB page).
    public func flush(page va: UInt64) {
        let i = SoftTLB.index(va), tag = va & ~SoftTLB.pageMask
        if read[i].tag == tag { read[i] = TLBEntry() }
        if write[i].tag == tag { write[i] = TLBEntry() }
        if fetch[i].tag == tag { fetch[i] = TLBEntry() }
        if codeWrite[i].tag == tag { codeWrite[i] = TLBEntry() }
        devices.flush(page: va)
    }

    /// Drops the non-global entries of regime `space` (TLBI ASID).
    public func flush(space: UInt32) {
        for k in 0..<SoftTLB.entries {
            if read[k].matches(space: space) { read[k] = TLBEntry() }
            if write[k].matches(space: space) { write[k] = TLBEntry() }
            if fetch[k].matches(space: space) { fetch[k] = TLBEntry() }
            if codeWrite[k].matches(space: space) { codeWrite[k] = TLBEntry() }
        }
        devices.flush(space: space)
    }
}

extension TLBEntry {
    /// A filled, non-global entry of regime `space`.
    func matches(space s: UInt32) -> Bool { tag != 1 && !global && space == s }
}
