#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Told when a store hits a page that holds translated guest code, so a
/// core can drop its cached blocks for that page.
public protocol CodeWriteObserver: AnyObject {
    /// `offset` and `length` are relative to the start of `block`.
    func codeWritten(in block: RAMBlock, offset: UInt64, length: UInt64)
}

/// Host memory backing a RAM or ROM region.
///
/// Reserved with `mmap(MAP_NORESERVE)`, so the host only commits pages the
/// guest touches: a 64 GiB guest RAM costs nothing until used.
public final class RAMBlock {
    /// First byte of the host mapping.
    public let base: UnsafeMutableRawPointer
    public let size: UInt64
    /// One byte per 4 KiB page: non-zero when some core has translated
    /// code there or a debugger watches bytes there (`watchMark`). Either
    /// sends stores to the page to the cores' slow paths.
    public let codePages: UnsafeMutablePointer<UInt8>
    private let codePagesBytes: Int
    private var observers: [WeakObserver] = []
    /// The machine's watchpoints, once a debugger watched bytes here
    /// (MemoryWatchpoints.swift). Weak: the machine owns both.
    public internal(set) weak var watchpoints: MemoryWatchpoints?

    /// Guest page size used for code tracking.
    public static let pageShift: UInt64 = 12

    struct WeakObserver { weak var observer: (any CodeWriteObserver)? }

    /// Reserves `size` bytes of zeroed host memory.
    public init(size: UInt64) throws(ChimeraError) {
        guard size > 0, size <= 1 << 46 else {
            throw ChimeraError(.generic, "RAM size \(size) must be between 1 byte and 64 TiB")
        }
        self.size = size
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
        guard let p = mmap(nil, Int(size), PROT_READ | PROT_WRITE, flags, -1, 0), p != MAP_FAILED else {
            throw ChimeraError(.generic, "cannot reserve \(size) bytes of host memory for guest RAM")
        }
        let pages = Int((size + (1 << RAMBlock.pageShift) - 1) >> RAMBlock.pageShift)
        guard let c = mmap(nil, pages, PROT_READ | PROT_WRITE, flags, -1, 0), c != MAP_FAILED else {
            munmap(p, Int(size))
            throw ChimeraError(.generic, "cannot reserve the code-page map for \(size) bytes of guest RAM")
        }
        base = p
        codePagesBytes = pages
        codePages = c.bindMemory(to: UInt8.self, capacity: pages)
    }

    deinit {
        munmap(base, Int(size))
        munmap(codePages, codePagesBytes)
    }

    /// Registers a core's translation cache for invalidation callbacks.
    public func addCodeObserver(_ observer: any CodeWriteObserver) {
        observers.removeAll { $0.observer == nil }
        if !observers.contains(where: { $0.observer === observer }) {
            observers.append(WeakObserver(observer: observer))
        }
    }

    /// The mark `markCode` sets by default. A core that needs to tell its
    /// own code from other cores' code on a page (the x86 core lets data
    /// stores next to its own code bypass invalidation) marks with a bit of
    /// its own; any non-zero byte means "some core translated code here".
    public static let genericCodeMark: UInt8 = 1

    /// The `codePages` bit of a page holding bytes a debugger watches. It
    /// survives code invalidation; cores keep such pages out of their read
    /// TLBs.
    public static let watchMark: UInt8 = 0x80

    func setWatchMark(page: Int, _ on: Bool) {
        if on { codePages[page] |= RAMBlock.watchMark } else { codePages[page] &= ~RAMBlock.watchMark }
    }

    /// Does a debugger watch bytes on the page holding `offset`?
    @inline(__always)
    public func isWatched(page offset: UInt64) -> Bool {
        codePages[Int(offset >> RAMBlock.pageShift)] & RAMBlock.watchMark != 0
    }

    /// A write reached these bytes through an address space, after the
    /// fact: tells the watchpoints if any of its pages is watched.
    @inline(__always)
    public func reportWrite(offset: UInt64, length: UInt64) {
        var page = offset >> RAMBlock.pageShift
        let last = (offset &+ max(length, 1) &- 1) >> RAMBlock.pageShift
        while page <= last {
            if codePages[Int(page)] & RAMBlock.watchMark != 0 {
                watchpoints?.written(self, offset: offset, length: length)
                return
            }
            page += 1
        }
    }

    /// Marks the page holding `offset` as containing translated code.
    @inline(__always)
    public func markCode(atOffset offset: UInt64, mark: UInt8 = RAMBlock.genericCodeMark) {
        codePages[Int(offset >> RAMBlock.pageShift)] |= mark
    }

    /// Is any page in the range marked as code? Cheap check for store paths.
    @inline(__always)
    public func touchesCode(offset: UInt64, length: UInt64) -> Bool {
        let first = offset >> RAMBlock.pageShift
        let last = (offset + max(length, 1) - 1) >> RAMBlock.pageShift
        var page = first
        while page <= last {
            if codePages[Int(page)] & ~RAMBlock.watchMark != 0 { return true }
            page += 1
        }
        return false
    }

    /// Reports a write over code pages to every observer and clears the code
    /// marks (observers re-mark pages when they translate again; a watch
    /// mark stays).
    public func codeWritten(offset: UInt64, length: UInt64) {
        guard touchesCode(offset: offset, length: length) else { return }
        let first = offset >> RAMBlock.pageShift
        let last = (offset + max(length, 1) - 1) >> RAMBlock.pageShift
        for page in first...last { codePages[Int(page)] &= RAMBlock.watchMark }
        for o in observers { o.observer?.codeWritten(in: self, offset: offset, length: length) }
    }

    /// Host bytes the kernel has actually committed (for tests of laziness).
    public static func residentBytes() -> UInt64 {
        #if os(Linux)
        guard let f = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(f) }
        var size: UInt = 0, resident: UInt = 0
        guard withUnsafeMutablePointer(to: &size, { sp in
            withUnsafeMutablePointer(to: &resident) { rp in
                withVaList([sp, rp]) { vfscanf(f, "%lu %lu", $0) }
            }
        }) == 2 else { return 0 }
        return UInt64(resident) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
        #else
        return 0
        #endif
    }
}
