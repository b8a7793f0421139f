/// Hexadecimal text as the GDB Remote Serial Protocol uses it.
///
/// Memory and register contents travel as pairs of hex digits per byte, in
/// target byte order (little-endian for both Chimera architectures: GDB
/// manual, "Packets", `g`/`p`); numbers (addresses, lengths, register and
/// thread numbers) travel as big-endian hex digit strings without a prefix.
/// `qRcmd` text and `O` console output are hex-encoded byte strings.
///
/// Every decoder returns `nil` on bad input — odd length, a non-hex digit,
/// a number wider than 64 bits — and never traps: the bytes come from a
/// debugger over a socket.
public enum GDBHex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The value of one ASCII hex digit (either case), or `nil`.
    public static func digitValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Two lowercase hex digits per byte, as ASCII bytes ready for a packet.
    public static func encodeBytes(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return out
    }

    /// Two lowercase hex digits per byte.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: encodeBytes(bytes), as: UTF8.self)
    }

    /// The bytes that pairs of hex digits spell; `nil` for an odd count or a non-hex digit.
    public static func decode(_ hex: some Collection<UInt8>) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(hex.count / 2)
        var high: UInt8?
        for c in hex {
            guard let v = digitValue(c) else { return nil }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return out
    }

    /// The bytes that the hex text spells; `nil` for an odd count or a non-hex digit.
    public static func decode(_ hex: String) -> [UInt8]? { decode(Array(hex.utf8)) }

    /// A big-endian hex number of at most 64 bits; `nil` if empty, not hex, or wider.
    ///
    /// Leading zeros are allowed in any number (`0000000000000000001` is 1).
    public static func number(_ hex: some Collection<UInt8>) -> UInt64? {
        guard !hex.isEmpty else { return nil }
        var value: UInt64 = 0
        for c in hex {
            guard let v = digitValue(c), value >> 60 == 0 else { return nil }
            value = value << 4 | UInt64(v)
        }
        return value
    }

    /// A big-endian hex number of at most 64 bits from text.
    public static func number(_ hex: String) -> UInt64? { number(Array(hex.utf8)) }

    /// A number as lowercase hex digits without leading zeros (`0` for zero).
    public static func encodeNumber(_ value: UInt64) -> String { String(value, radix: 16) }

    /// `value` as `byteCount` little-endian bytes; bytes past the eighth are zero.
    public static func littleEndian(_ value: UInt64, byteCount: Int) -> [UInt8] {
        (0..<max(0, byteCount)).map { $0 < 8 ? UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) : 0 }
    }

    /// The value of at most eight little-endian bytes; `nil` for more.
    public static func littleEndianValue(_ bytes: some Collection<UInt8>) -> UInt64? {
        guard bytes.count <= 8 else { return nil }
        var value: UInt64 = 0
        for (i, b) in bytes.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        return value
    }

    /// Text from hex-encoded UTF-8 (a `qRcmd` command); `nil` on bad hex.
    /// Invalid UTF-8 becomes U+FFFD rather than failing, so a monitor
    /// command with a stray byte still reaches the parser that reports it.
    public static func decodeText(_ hex: some Collection<UInt8>) -> String? {
        decode(hex).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Text as hex-encoded UTF-8 (the payload of an `O` console-output reply).
    public static func encodeText(_ text: String) -> String { encode(text.utf8) }
}
