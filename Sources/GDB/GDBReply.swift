/// Payloads of the stub's replies whose format is easy to get wrong (GDB
/// manual, "Stop Reply Packets", "General Query Packets" for `qXfer` and
/// `qSupported`). Each returns the payload only; `GDBPacket.encode` frames it.
///
/// The rest are fixed strings a server writes directly: `OK`, the empty
/// reply for anything unsupported, `E01`-style errors (`error(_:)`).
public enum GDBReply {
    /// `Enn`: an error with a two-digit hex code (gdb shows the number only).
    public static func error(_ code: UInt8) -> String { "E" + GDBHex.encode([code]) }

    /// A `qXfer:…:read` chunk of `document`: `m` and the bytes when more
    /// follow, `l` and the bytes when this reaches the end (`l` alone for an
    /// offset at or past the end). Binary-safe once `GDBPacket.encode`
    /// escapes it.
    public static func transfer(_ document: [UInt8], offset: Int, length: Int) -> [UInt8] {
        guard offset >= 0, offset < document.count else { return [UInt8(ascii: "l")] }
        let end = offset + min(max(0, length), document.count - offset)
        return [UInt8(ascii: end == document.count ? "l" : "m")] + document[offset..<end]
    }

    /// `T`-form stop reply: the signal, the thread that stopped and why,
    /// e.g. `T05thread:p1.1;swbreak:;` or `T05thread:p1.2;watch:1000;`.
    /// Send `swbreak`/`hwbreak` causes only to a gdb whose `qSupported`
    /// listed `swbreak+`/`hwbreak+` (gdb 13 does); otherwise use `.signal`.
    public static func stopped(signal: GDBSignal, thread: GDBThreadID, cause: GDBStopCause = .signal) -> String {
        var text = "T" + GDBHex.encode([signal.rawValue]) + "thread:\(thread);"
        switch cause {
        case .signal: break
        case .softwareBreakpoint: text += "swbreak:;"
        case .hardwareBreakpoint: text += "hwbreak:;"
        case .writeWatchpoint(let address): text += "watch:\(GDBHex.encodeNumber(address));"
        case .readWatchpoint(let address): text += "rwatch:\(GDBHex.encodeNumber(address));"
        case .accessWatchpoint(let address): text += "awatch:\(GDBHex.encodeNumber(address));"
        }
        return text
    }

    /// `W` reply: the process exited with `status` (`W00;process:1`).
    public static func exited(status: UInt8, process: Int) -> String {
        "W" + GDBHex.encode([status]) + ";process:\(String(process, radix: 16))"
    }

    /// `qfThreadInfo` reply: `m` and the ids, comma-separated (then `l` for `qsThreadInfo`).
    public static func threadList(_ threads: [GDBThreadID]) -> String {
        threads.isEmpty ? "l" : "m" + threads.map(\.description).joined(separator: ",")
    }

    /// The `qSupported` reply: `PacketSize` (hex, from the framer's cap) and
    /// the features this stub implements, each with `+`.
    public static func supported(packetSize: Int = GDBPacketFramer.maximumPacketSize,
                                 features: [String] = GDBReply.stubFeatures) -> String {
        (["PacketSize=" + String(packetSize, radix: 16)] + features.map { $0 + "+" }).joined(separator: ";")
    }

    /// What a stub built on this layer can offer: target descriptions,
    /// thread lists, multiprocess ids, `vCont`, no-ack mode and the
    /// breakpoint-kind stop reasons.
    public static let stubFeatures = ["qXfer:features:read", "qXfer:threads:read", "multiprocess", "vContSupported",
                                      "QStartNoAckMode", "swbreak", "hwbreak"]
}

/// A signal number as stop replies carry it: gdb's target-independent
/// numbering (GDB manual, "Stop Reply Packets"), which agrees with the
/// common Unix numbers for the signals a bare-metal stub reports.
public struct GDBSignal: RawRepresentable, Hashable, Sendable {
    /// The number as the protocol carries it.
    public let rawValue: UInt8
    /// A signal by its gdb number.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `SIGINT` (2): stopped by an interrupt from gdb.
    public static let interrupt = GDBSignal(rawValue: 2)
    /// `SIGILL` (4): an undefined instruction with no guest handler.
    public static let illegalInstruction = GDBSignal(rawValue: 4)
    /// `SIGTRAP` (5): breakpoint, watchpoint or completed step.
    public static let trap = GDBSignal(rawValue: 5)
    /// `SIGSEGV` (11): a memory fault with no guest handler.
    public static let segmentationFault = GDBSignal(rawValue: 11)
}

/// Why a thread stopped, for the stop reply's reason field.
public enum GDBStopCause: Hashable, Sendable {
    /// Only the signal (a step, an interrupt, a fault).
    case signal
    /// A software breakpoint (`swbreak`): the pc is the breakpoint address.
    case softwareBreakpoint
    /// A hardware breakpoint (`hwbreak`).
    case hardwareBreakpoint
    /// A write watchpoint (`watch`) hit at data `address`.
    case writeWatchpoint(address: UInt64)
    /// A read watchpoint (`rwatch`) hit at data `address`.
    case readWatchpoint(address: UInt64)
    /// An access watchpoint (`awatch`) hit at data `address`.
    case accessWatchpoint(address: UInt64)
}
