/// Splits a QMP byte stream into JSON messages.
///
/// QMP clients do not have to end messages with a newline (`qemu.qmp`
/// sends bare JSON objects back to back), so messages are delimited the
/// way QEMU's JSON streamer does it: by balancing braces and brackets
/// outside strings. Text at the top level that cannot start a JSON
/// object or array is reported as a malformed message at the next
/// newline or opening brace, so a person typing into `socat` gets an
/// error per bad line instead of a stuck connection.
///
/// A message longer than `limit` bytes is reported once as
/// `.oversized` and the rest of it is discarded (its nesting is still
/// tracked, so the stream stays in sync for the next message); memory
/// use per connection is bounded by `limit`.
struct QMPFramer {
    /// One unit of input.
    enum Item: Hashable, Sendable {
        /// The complete text of one JSON object or array (or an unmatched closer).
        case message(String)
        /// Top-level text that is not JSON at all, up to a newline or `{`/`[`.
        case garbage(String)
        /// A message exceeded the size limit; its remaining bytes are skipped.
        case oversized
    }

    /// The QMP per-message limit (1 MiB).
    static let defaultLimit = 1 << 20

    let limit: Int
    private var buffer: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var discarding = false
    private var garbage: [UInt8] = []

    init(limit: Int = QMPFramer.defaultLimit) {
        self.limit = limit
    }

    /// Bytes of an incomplete message held so far (for tests and disconnect handling).
    var pendingByteCount: Int { buffer.count + garbage.count }

    /// Is the framer in the middle of a message?
    var isMidMessage: Bool { depth > 0 || !garbage.isEmpty }

    /// Consumes bytes and returns the items they complete, in order.
    mutating func consume<Bytes: Sequence>(_ bytes: Bytes) -> [Item] where Bytes.Element == UInt8 {
        var items: [Item] = []
        for byte in bytes { step(byte, into: &items) }
        return items
    }

    private mutating func step(_ byte: UInt8, into items: inout [Item]) {
        if depth == 0 {
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                flushGarbage(into: &items)
                depth = 1
                inString = false
                escaped = false
                discarding = false
                buffer = [byte]
            case UInt8(ascii: "\n"):
                flushGarbage(into: &items)
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                if !garbage.isEmpty { append(byte, toGarbage: &items) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                flushGarbage(into: &items)
                items.append(.message(String(decoding: [byte], as: UTF8.self)))
            default:
                append(byte, toGarbage: &items)
            }
            return
        }
        if !discarding {
            if buffer.count >= limit {
                discarding = true
                buffer = []
                items.append(.oversized)
            } else {
                buffer.append(byte)
            }
        }
        if inString {
            if escaped { escaped = false }
            else if byte == UInt8(ascii: "\\") { escaped = true }
            else if byte == UInt8(ascii: "\"") { inString = false }
            return
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
            if depth == 0 {
                if !discarding { items.append(.message(String(decoding: buffer, as: UTF8.self))) }
                buffer = []
                discarding = false
            }
        default: break
        }
    }

    private mutating func append(_ byte: UInt8, toGarbage items: inout [Item]) {
        if garbage.count >= limit {
            // Keep only a bounded prefix for the error message; the rest is dropped.
            return
        }
        garbage.append(byte)
    }

    private mutating func flushGarbage(into items: inout [Item]) {
        guard !garbage.isEmpty else { return }
        let text = String(decoding: garbage.prefix(64), as: UTF8.self)
        garbage = []
        items.append(.garbage(text))
    }
}
