extension ValueType {
    /// Parses keyval text (the command line's `k=v` right-hand side) into
    /// this type's canonical value, with a message that says what was expected.
    public func parse(_ text: String) throws(ChimeraError) -> Value {
        switch self {
        case .bool:
            switch text.lowercased() {
            case "on", "true", "yes": return .bool(true)
            case "off", "false", "no": return .bool(false)
            default: throw ChimeraError(.generic, "invalid boolean '\(text)': expected on/off, true/false or yes/no")
            }
        case .int(let format):
            guard let value = ValueType.parseInteger(text) else {
                throw ChimeraError(.generic, "invalid integer '\(text)': expected \(expectation)")
            }
            return try checked(value, format)
        case .size:
            return .uint(try ValueType.parseSize(text))
        case .time:
            return .uint(try VirtualTime(parsing: text).picoseconds)
        case .string, .link:
            return .string(text)
        case .enumeration(let cases):
            if cases.contains(text) { return .string(text) }
            var message = "invalid value '\(text)'; valid values are: " + cases.joined(separator: ", ")
            if let near = cases.min(by: { editDistance($0, text) < editDistance($1, text) }),
               editDistance(near, text) <= 2 {
                message += " (did you mean '\(near)'?)"
            }
            throw ChimeraError(.generic, message)
        case .list(let element):
            let trimmed = text.trimmingSpaces
            if trimmed.hasPrefix("[") {
                return try coerce(try Value(json: trimmed))
            }
            // A single bare element is a one-element list; keyval lists use `prop.N=`.
            return .list([try element.parse(trimmed)])
        case .structure:
            return try coerce(try Value(json: text))
        case .child:
            throw ChimeraError(.generic, "a child property cannot be set; children are created by construction")
        }
    }

    /// Decimal, `0x` hex, `0o` octal or `0b` binary, with an optional minus sign.
    static func parseInteger(_ raw: String) -> Value? {
        var text = Substring(raw.trimmingSpaces.replacingUnderscores)
        var negative = false
        if text.hasPrefix("-") { negative = true; text = text.dropFirst() } else if text.hasPrefix("+") { text = text.dropFirst() }
        var radix = 10
        let lower = text.lowercased()
        if lower.hasPrefix("0x") { radix = 16; text = text.dropFirst(2) }
        else if lower.hasPrefix("0b") { radix = 2; text = text.dropFirst(2) }
        else if lower.hasPrefix("0o") { radix = 8; text = text.dropFirst(2) }
        guard !text.isEmpty, let magnitude = UInt64(text, radix: radix) else { return nil }
        if negative {
            if magnitude == UInt64(Int64.max) + 1 { return .int(.min) }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return .int(-Int64(magnitude))
        }
        return .uint(magnitude)
    }

    /// `4096`, `0x1000`, `64K`, `64KiB`, `16M`, `2G`, `1T` (binary multiples, as QEMU).
    public static func parseSize(_ raw: String) throws(ChimeraError) -> UInt64 {
        let text = raw.trimmingSpaces
        let suffixes: [(String, UInt64)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40), ("PiB", 1 << 50), ("EiB", 1 << 60),
            ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("T", 1 << 40), ("P", 1 << 50), ("E", 1 << 60),
            ("k", 1 << 10), ("B", 1),
        ]
        var digits = text
        var scale: UInt64 = 1
        let isHex = text.lowercased().hasPrefix("0x")
        for (suffix, multiplier) in suffixes where text.hasSuffix(suffix) {
            // `0x1B` is hex, not 1 byte; `0xE` is hex, not an exabyte count.
            if isHex && suffix.count == 1 { break }
            digits = String(text.dropLast(suffix.count))
            scale = multiplier
            break
        }
        guard !digits.isEmpty, !digits.hasPrefix("-"), let value = parseInteger(digits)?.uint64 else {
            throw ChimeraError(.generic, "invalid size '\(raw)': expected a number with an optional suffix K, M, G, T, P or E (e.g. 4096, 0x1000, 64K, 2G)")
        }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: scale)
        if overflow { throw ChimeraError(.generic, "size '\(raw)' does not fit in 64 bits") }
        return bytes
    }
}

extension String {
    var replacingUnderscores: String { String(filter { $0 != "_" }) }
}

/// Levenshtein distance, for "did you mean" hints on small name lists.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// Closest candidate to `name` within a small edit distance, for hints.
public func nearestName(to name: String, in candidates: [String]) -> String? {
    guard let best = candidates.min(by: { editDistance($0, name) < editDistance($1, name) }) else { return nil }
    return editDistance(best, name) <= max(2, name.count / 3) ? best : nil
}
