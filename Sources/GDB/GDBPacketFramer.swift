/// Splits the byte stream gdb sends into packets, acknowledgements and
/// interrupts (GDB manual, "Overview", "Interrupts", "Packet Acknowledgment").
///
/// The framer is a value with no I/O: a server feeds it whatever a socket
/// read returned and acts on the items in order. What it guarantees:
///
/// - `$payload#xx` becomes `.packet` with the payload unescaped (`}` then
///   byte XOR 0x20), or `.badChecksum` when `xx` does not match the sum of
///   the payload bytes as transmitted. Checksum digits may be either case.
/// - Outside a packet, `+` is `.ack`, `-` is `.nack`, 0x03 is `.interrupt`,
///   and anything else is line noise and skipped. Inside a packet 0x03 is
///   data (an `X` packet may carry it).
/// - `$` always starts a packet, even in the middle of one: gdb resends
///   from `$` after a timeout, so a half-received packet is dropped.
///   `#` always ends the payload; a payload that ends in a lone `}` is
///   reported as `.badChecksum`. A non-hex checksum digit is reported as
///   `.badChecksum` and then read again as the start of what follows.
/// - A payload longer than `limit` transmitted bytes is reported once as
///   `.oversized` at the byte that crosses the limit and the rest of it,
///   up to and including its checksum, is skipped. Memory held is at most
///   `limit` bytes whatever the input.
///
/// gdb never sends a packet larger than the `PacketSize` the stub
/// advertises in its `qSupported` reply, so `.oversized` means a hostile or
/// broken client; a server may log it and close the connection.
public struct GDBPacketFramer: Sendable {
    /// The payload cap a server should advertise (`PacketSize=4000`, hex).
    public static let maximumPacketSize = 16384

    /// The largest payload, in transmitted bytes, this framer accepts.
    public let limit: Int

    private enum State: Sendable, Hashable {
        case idle
        case payload(escaped: Bool)
        case checksum(high: UInt8?)
        case discarding
        case discardingChecksum(remaining: Int)
    }

    private var state: State = .idle
    private var payload: [UInt8] = []
    private var transmittedCount = 0
    private var sum: UInt8 = 0
    private var danglingEscape = false

    /// A framer that accepts payloads of at most `limit` transmitted bytes.
    public init(limit: Int = GDBPacketFramer.maximumPacketSize) {
        self.limit = max(1, limit)
    }

    /// Is the framer inside a packet (its start seen, its end not yet)?
    public var isMidPacket: Bool { state != .idle }

    /// Unescaped payload bytes held for the packet in progress.
    public var pendingByteCount: Int { payload.count }

    /// Consumes bytes and returns what they complete, in stream order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [GDBInbound] {
        var items: [GDBInbound] = []
        for byte in bytes { step(byte, into: &items) }
        return items
    }

    private mutating func step(_ byte: UInt8, into items: inout [GDBInbound]) {
        switch state {
        case .idle:
            switch byte {
            case UInt8(ascii: "$"): begin()
            case UInt8(ascii: "+"): items.append(.ack)
            case UInt8(ascii: "-"): items.append(.nack)
            case GDBInbound.interruptByte: items.append(.interrupt)
            default: break
            }
        case .payload(let escaped):
            switch byte {
            case UInt8(ascii: "$"): begin()
            case UInt8(ascii: "#"):
                danglingEscape = escaped
                state = .checksum(high: nil)
            default:
                transmittedCount += 1
                sum &+= byte
                if transmittedCount > limit {
                    items.append(.oversized)
                    payload = []
                    state = .discarding
                } else if escaped {
                    payload.append(byte ^ 0x20)
                    state = .payload(escaped: false)
                } else if byte == GDBPacket.escape {
                    state = .payload(escaped: true)
                } else {
                    payload.append(byte)
                }
            }
        case .checksum(let high):
            guard let digit = GDBHex.digitValue(byte) else {
                items.append(.badChecksum)
                reset()
                step(byte, into: &items)
                return
            }
            guard let high else {
                state = .checksum(high: digit)
                return
            }
            items.append(high << 4 | digit == sum && !danglingEscape ? .packet(payload) : .badChecksum)
            reset()
        case .discarding:
            if byte == UInt8(ascii: "$") { begin() }
            else if byte == UInt8(ascii: "#") { state = .discardingChecksum(remaining: 2) }
        case .discardingChecksum(let remaining):
            guard GDBHex.digitValue(byte) != nil else {
                reset()
                step(byte, into: &items)
                return
            }
            if remaining > 1 { state = .discardingChecksum(remaining: remaining - 1) } else { reset() }
        }
    }

    private mutating func begin() {
        reset()
        state = .payload(escaped: false)
    }

    private mutating func reset() {
        state = .idle
        payload = []
        transmittedCount = 0
        sum = 0
        danglingEscape = false
    }
}

/// One unit of what gdb sends, as `GDBPacketFramer` delivers it.
public enum GDBInbound: Hashable, Sendable {
    /// A packet with a good checksum; its payload unescaped (parse it with `GDBCommand.parse`).
    case packet([UInt8])
    /// `+`: gdb received the stub's last packet.
    case ack
    /// `-`: gdb wants the stub's last packet again.
    case nack
    /// 0x03 between packets: gdb asks the target to stop (Ctrl-C).
    case interrupt
    /// A packet whose checksum did not match; reply `-` unless in no-ack mode.
    case badChecksum
    /// A packet longer than the framer's limit; it is discarded.
    case oversized

    /// The interrupt byte (ETX, Ctrl-C).
    public static let interruptByte: UInt8 = 0x03
}
