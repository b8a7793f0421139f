import ChimeraCore
import OrderedCollections

/// The protocol state of one client: framing, message shape and
/// capabilities negotiation. Pure (no I/O), so the socket server and
/// in-process sessions behave identically and tests can drive it directly.
struct QMPConnection {
    /// What a received message turns into.
    enum Inbound: Hashable, Sendable {
        /// A negotiated command for the dispatcher.
        case request(MonitorRequest)
        /// A reply decided here (errors, `qmp_capabilities`), delivered in order with other replies.
        /// `negotiates` marks the reply after which the client starts receiving events.
        case reply(Value, negotiates: Bool)
    }

    let client: Int
    private var framer: QMPFramer
    /// `qmp_capabilities` was accepted (later messages are commands).
    private(set) var negotiated = false

    init(client: Int, limit: Int = QMPFramer.defaultLimit) {
        self.client = client
        self.framer = QMPFramer(limit: limit)
    }

    /// Is a message partly received?
    var isMidMessage: Bool { framer.isMidMessage }

    /// Consumes bytes from the client.
    mutating func receive<Bytes: Sequence>(_ bytes: Bytes) -> [Inbound] where Bytes.Element == UInt8 {
        framer.consume(bytes).map { item in
            switch item {
            case .oversized:
                return .reply(QMPMessage.failure(.generic,
                    "message exceeds \(framer.limit) bytes; the rest of it is discarded", id: nil), negotiates: false)
            case .garbage(let text):
                return .reply(QMPMessage.failure(.generic, "JSON parse error: unexpected text '\(text)'", id: nil),
                              negotiates: false)
            case .message(let text):
                return classify(text)
            }
        }
    }

    private mutating func classify(_ text: String) -> Inbound {
        let value: Value
        do { value = try Value(json: text) } catch {
            return .reply(QMPMessage.failure(.generic, "JSON parse error: \(error.description)", id: nil), negotiates: false)
        }
        guard case .dict(let message) = value else {
            return .reply(QMPMessage.failure(.generic, "QMP input must be a JSON object", id: nil), negotiates: false)
        }
        let id = message["id"]
        func fail(_ errorClass: ErrorClass, _ desc: String) -> Inbound {
            .reply(QMPMessage.failure(errorClass, desc, id: id), negotiates: false)
        }
        if let key = message.keys.first(where: { !["execute", "arguments", "id"].contains($0) }) {
            if key == "exec-oob" { return fail(.generic, "QMP input member 'exec-oob' is not supported: out-of-band execution is not offered") }
            return fail(.generic, "QMP input member '\(key)' is unexpected")
        }
        guard let executeValue = message["execute"] else { return fail(.generic, "QMP input lacks member 'execute'") }
        guard case .string(let command) = executeValue else {
            return fail(.generic, "QMP input member 'execute' must be a string")
        }
        var arguments: OrderedDictionary<String, Value> = [:]
        if let a = message["arguments"] {
            guard case .dict(let d) = a else { return fail(.generic, "QMP input member 'arguments' must be an object") }
            arguments = d
        }
        guard MonitorCommand.named(command) != nil else {
            return fail(.commandNotFound, "The command \(command) has not been found")
        }
        if !negotiated {
            guard command == "qmp_capabilities" else {
                return fail(.commandNotFound, "Expecting capabilities negotiation with 'qmp_capabilities' before command '\(command)'")
            }
            if let key = arguments.keys.first(where: { $0 != "enable" }) {
                return fail(.generic, "Parameter '\(key)' is unexpected")
            }
            if let enable = arguments["enable"] {
                guard case .list(let items) = enable else {
                    return fail(.generic, "Invalid parameter type for 'enable', expected: array")
                }
                if let item = items.first {
                    return fail(.generic, "Capability '\(item.string ?? item.jsonText)' not available")
                }
            }
            negotiated = true
            return .reply(QMPMessage.success([:], id: id), negotiates: true)
        }
        if command == "qmp_capabilities" {
            return fail(.commandNotFound, "Capabilities negotiation is already complete, command 'qmp_capabilities' ignored")
        }
        return .request(MonitorRequest(client: client, id: id, command: command, arguments: arguments))
    }
}
