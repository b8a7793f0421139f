/// A point or span of simulated time, in integer picoseconds.
///
/// Virtual time is the only clock in a simulation: nothing reads host time.
/// `UInt64` picoseconds cover about 213 days of guest time.
public struct VirtualTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var picoseconds: UInt64

    public init(picoseconds: UInt64) { self.picoseconds = picoseconds }

    public static let zero = VirtualTime(picoseconds: 0)
    /// The latest representable time; "never".
    public static let never = VirtualTime(picoseconds: .max)

    public static func nanoseconds(_ n: UInt64) -> VirtualTime { VirtualTime(picoseconds: n &* 1_000) }
    public static func microseconds(_ n: UInt64) -> VirtualTime { VirtualTime(picoseconds: n &* 1_000_000) }
    public static func milliseconds(_ n: UInt64) -> VirtualTime { VirtualTime(picoseconds: n &* 1_000_000_000) }
    public static func seconds(_ n: UInt64) -> VirtualTime { VirtualTime(picoseconds: n &* 1_000_000_000_000) }

    public static func < (a: VirtualTime, b: VirtualTime) -> Bool { a.picoseconds < b.picoseconds }

    /// Saturating addition: adding to `never` stays `never`.
    public static func + (a: VirtualTime, b: VirtualTime) -> VirtualTime {
        let (sum, overflow) = a.picoseconds.addingReportingOverflow(b.picoseconds)
        return VirtualTime(picoseconds: overflow ? .max : sum)
    }

    /// Saturating subtraction: never below zero.
    public static func - (a: VirtualTime, b: VirtualTime) -> VirtualTime {
        VirtualTime(picoseconds: a.picoseconds > b.picoseconds ? a.picoseconds - b.picoseconds : 0)
    }

    /// The shortest exact rendering: `10us`, `1500ns`, `3s`.
    public var description: String {
        if self == .never { return "never" }
        let units: [(UInt64, String)] = [
            (1_000_000_000_000, "s"), (1_000_000_000, "ms"), (1_000_000, "us"), (1_000, "ns"),
        ]
        for (scale, name) in units where picoseconds >= scale && picoseconds % scale == 0 {
            return "\(picoseconds / scale)\(name)"
        }
        return "\(picoseconds)ps"
    }

    /// Parses `10us`, `1ms`, `250ns`, `2s`, `100ps` (units required, except for 0).
    public init(parsing text: String) throws(ChimeraError) {
        let trimmed = text.trimmingSpaces
        let units: [(String, UInt64)] = [
            ("ps", 1), ("ns", 1_000), ("us", 1_000_000), ("µs", 1_000_000), ("ms", 1_000_000_000),
            ("s", 1_000_000_000_000),
        ]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            let digits = String(trimmed.dropLast(suffix.count))
            guard let n = UInt64(digits) else {
                throw ChimeraError(.generic, "invalid time '\(text)': expected a whole number followed by ps, ns, us, ms or s")
            }
            let (p, overflow) = n.multipliedReportingOverflow(by: scale)
            if overflow { throw ChimeraError(.generic, "time '\(text)' is too large (the limit is about 213 days)") }
            self.init(picoseconds: p)
            return
        }
        if trimmed == "0" { self.init(picoseconds: 0); return }
        throw ChimeraError(.generic, "invalid time '\(text)': expected a unit, e.g. 10us, 1ms, 250ns, 2s")
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (no Foundation needed).
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
