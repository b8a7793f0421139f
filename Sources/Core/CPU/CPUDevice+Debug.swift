/// Breakpoints as every core sees them. A core honours them without a
/// check in its hot loop: it keeps pages holding a breakpoint out of its
/// fetch TLB, so every block starting there goes through its slow lookup,
/// which asks `breakpointStops(at:)`; blocks end before a breakpoint
/// (`nextBreakpoint(after:)`). Changing the list calls `breakpointsChanged`,
/// where the core empties its TLB and translations.
extension CPUDevice {
    /// Adds a breakpoint; false if one is already there.
    @discardableResult
    public func insertBreakpoint(at address: UInt64) -> Bool {
        let i = breakpointIndex(address)
        guard i == breakpoints.count || breakpoints[i] != address else { return false }
        breakpoints.insert(address, at: i)
        breakpointsChanged()
        return true
    }

    /// Removes a breakpoint; false if there was none.
    @discardableResult
    public func removeBreakpoint(at address: UInt64) -> Bool {
        let i = breakpointIndex(address)
        guard i < breakpoints.count, breakpoints[i] == address else { return false }
        breakpoints.remove(at: i)
        breakpointsChanged()
        return true
    }

    /// Removes every breakpoint.
    public func removeAllBreakpoints() {
        guard !breakpoints.isEmpty else { return }
        breakpoints.removeAll()
        breakpointSkip = nil
        breakpointsChanged()
    }

    /// Does the page of `pageSize` bytes holding `address` hold a breakpoint?
    public func hasBreakpoint(onPageOf address: UInt64, pageSize: UInt64 = 0x1000) -> Bool {
        guard !breakpoints.isEmpty else { return false }
        let start = address & ~(pageSize - 1)
        let i = breakpointIndex(start)
        return i < breakpoints.count && breakpoints[i] &- start < pageSize
    }

    /// The first breakpoint after `address` (not at it), for ending a block before it.
    public func nextBreakpoint(after address: UInt64) -> UInt64? {
        let i = breakpointIndex(address &+ 1)
        return i < breakpoints.count ? breakpoints[i] : nil
    }

    /// Must the core stop before the instruction at `address`? Consumes
    /// `breakpointSkip` when it lets the instruction through.
    public func breakpointStops(at address: UInt64) -> Bool {
        let i = breakpointIndex(address)
        guard i < breakpoints.count, breakpoints[i] == address else { return false }
        if breakpointSkip == address {
            breakpointSkip = nil
            return false
        }
        return true
    }

    /// Index of the first breakpoint at or after `address`.
    private func breakpointIndex(_ address: UInt64) -> Int {
        var low = 0, high = breakpoints.count
        while low < high {
            let mid = (low + high) / 2
            if breakpoints[mid] < address { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Must an access by the instruction at `pc`, the one that retires as
    /// number `retired + 1`, stop before it for a watchpoint? No when that
    /// instruction stopped for one already and is now resumed: every access
    /// it makes then goes through.
    public func watchpointStops(pc: UInt64, retired: UInt64) -> Bool {
        if let r = watchpointResume, r.pc == pc, r.retired == retired { return false }
        watchpointResume = (pc, retired)
        return true
    }
}

/// Data watchpoints (MemoryWatchpoints.swift): set on virtual addresses a
/// debugger names, kept on the physical RAM bytes they map to.
extension Machine {
    /// The longest range one call may watch.
    public static let maximumWatchLength: UInt64 = 1 << 20

    /// Watches `length` bytes at `address` for `owner`, each page mapped
    /// by `translate` (nil: not mapped) to physical memory of `memory`.
    /// False, with nothing watched, when a byte is not RAM or the range is
    /// empty or too long.
    public func insertWatchpoint(at address: UInt64, length: UInt64, kind: MemoryWatchpoints.Kind, owner: Int,
                                 memory: AddressSpace, translate: (UInt64) -> UInt64?) -> Bool {
        guard length > 0, length <= Machine.maximumWatchLength, address <= UInt64.max - length else { return false }
        var pieces: [MemoryWatchpoints.Watch] = []
        var a = address
        while a < address + length {
            let n = min(address + length - a, 0x1000 - (a & 0xFFF))
            guard let pa = translate(a), case .ram(_, let available, let block, let offset, _) = memory.target(of: pa),
                  available >= n else { return false }
            pieces.append(MemoryWatchpoints.Watch(block: block, offset: offset, length: n, kind: kind, address: a, owner: owner))
            a += n
        }
        for piece in pieces { watchpoints.insert(piece) }
        watchpointsChanged()
        return true
    }

    /// Removes what `insertWatchpoint` set for the same range and kind; false if nothing was there.
    @discardableResult
    public func removeWatchpoint(at address: UInt64, length: UInt64, kind: MemoryWatchpoints.Kind, owner: Int) -> Bool {
        let removed = watchpoints.remove(owner: owner) {
            $0.kind == kind && $0.address >= address && $0.address &- address < length
        }
        if removed > 0 { watchpointsChanged() }
        return removed > 0
    }

    /// Removes every watchpoint of `owner` (a debugger detaching).
    public func removeWatchpoints(owner: Int) {
        if watchpoints.remove(owner: owner) > 0 { watchpointsChanged() }
    }

    private func watchpointsChanged() {
        let armed = !watchpoints.isEmpty
        for cpu in cpus {
            cpu.watchpointsArmed = armed
            cpu.watchpointsChanged()
        }
    }
}
