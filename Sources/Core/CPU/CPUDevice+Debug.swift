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
}
