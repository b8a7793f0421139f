/// A rolling 64-bit FNV-1a hash: cheap, stable across processes and
/// platforms (unlike `Hasher`, which is seeded per process).
public struct TraceHash: Hashable, Sendable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    public mutating func combine(_ word: UInt64) {
        var w = word
        for _ in 0..<8 {
            combine(UInt8(truncatingIfNeeded: w))
            w >>= 8
        }
    }

    public mutating func combine(_ text: String) {
        for b in text.utf8 { combine(b) }
        combine(UInt8(0))
    }

    /// Sixteen hex digits.
    public var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
