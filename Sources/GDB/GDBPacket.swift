/// Packet framing shared by what the stub sends and what it receives
/// (GDB manual, "Overview" of the Remote Protocol).
///
/// A packet is `$payload#xx` where `xx` is the sum of the payload bytes
/// as transmitted, modulo 256, in two hex digits. Inside a payload the
/// bytes `#`, `$`, `}` and `*` are escaped as `}` followed by the byte
/// XOR 0x20 ("Binary Data"); `*` is escaped too because gdb would read it
/// as run-length encoding, which this stub never sends.
public enum GDBPacket {
    /// The escape byte `}`.
    public static let escape = UInt8(ascii: "}")

    /// Does `byte` need escaping inside a payload?
    public static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "#") || byte == UInt8(ascii: "$") || byte == escape || byte == UInt8(ascii: "*")
    }

    /// The protocol checksum: the sum of the bytes modulo 256.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt8 {
        bytes.reduce(0) { $0 &+ $1 }
    }

    /// `$payload#xx` with the payload escaped, so any bytes (qXfer data, `m`
    /// replies of binary memory, console text) arrive intact.
    public static func encode(_ payload: some Sequence<UInt8>) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(payload.underestimatedCount + 4)
        for b in payload {
            if needsEscape(b) {
                body.append(escape)
                body.append(b ^ 0x20)
            } else {
                body.append(b)
            }
        }
        return [UInt8(ascii: "$")] + body + [UInt8(ascii: "#")] + GDBHex.encodeBytes([checksum(body)])
    }

    /// `$text#xx` for a textual reply (`OK`, `E01`, `T05…`, hex data).
    public static func encode(_ text: String) -> [UInt8] { encode(Array(text.utf8)) }
}
