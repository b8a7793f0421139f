import ChimeraCore
import ChimeraScheduler

/// A monitor connection without sockets: text in, QMP objects out, with
/// exactly the framing, negotiation and dispatch of a socket client.
/// Used to replay command scripts (`chimera board export` output,
/// documentation transcripts) against a machine in the same process.
///
/// Nothing runs the simulation here: `stop` and `cont` change the state
/// and emit events, and a driver may call `dispatcher.simulation?.run`.
public final class MonitorSession {
    /// Executes the session's commands; its `machine` and `state` are inspectable.
    public let dispatcher: MonitorDispatcher
    private var connection = QMPConnection(client: 0)
    private var receivesEvents = false
    private var pending: [Value] = []
    /// Whether commands may name host files (memsave, loaders, UART output
    /// files). Off for the fuzz harness: a random input must never write
    /// over a host file.
    public let hostFileAccess: Bool

    /// A session on `machine`: `prelaunch` if it is not realized yet, else `running`.
    public init(machine: Machine, hostFileAccess: Bool = true) throws(ChimeraError) {
        self.hostFileAccess = hostFileAccess
        dispatcher = try MonitorDispatcher(machine: machine)
        dispatcher.output = { [unowned self] output in
            switch output {
            case .reply(_, let value, let negotiates):
                if negotiates { self.receivesEvents = true }
                self.pending.append(value)
            case .event(let event):
                if self.receivesEvents { self.pending.append(event.json) }
            }
        }
    }

    /// The greeting a socket client receives first.
    public var greeting: Value { QMPMessage.greeting() }

    /// Feeds client text (any number of messages, any framing) and
    /// returns what the server sends back, in order.
    public func send(_ text: String) -> [Value] {
        for inbound in connection.receive(Array(text.utf8)) {
            switch inbound {
            case .request(let request):
                if !hostFileAccess && MonitorSession.mentionsFiles(request) {
                    dispatcher.output(.reply(client: 0, QMPMessage.failure(.generic, "host file access is disabled in this session",
                                                                           id: request.id), negotiates: false))
                } else {
                    dispatcher.handle(request)
                }
            case .reply(let value, let negotiates): dispatcher.output(.reply(client: 0, value, negotiates: negotiates))
            }
        }
        defer { pending = [] }
        return pending
    }

    /// Does any argument name or text (after JSON unescaping) mention a file?
    /// Crude on purpose: it must err on the side of refusing.
    static func mentionsFiles(_ request: MonitorRequest) -> Bool {
        Value.dict(request.arguments).jsonText.lowercased().contains("file")
    }

    /// Sends `qmp_capabilities` and returns whether it succeeded.
    @discardableResult
    public func negotiate() -> Bool {
        send(#"{"execute": "qmp_capabilities"}"#).first?["return"] != nil
    }

    /// Replays a script of QMP commands (one JSON object per line, `#`
    /// comments allowed); stops at the first error and throws it.
    public func replay(script: String) throws(ChimeraError) {
        for (number, line) in script.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: " \t\r")
            if text.isEmpty || text.hasPrefix("#") { continue }
            for reply in send(text) where reply["error"] != nil {
                let desc = reply["error"]?["desc"]?.string ?? reply.jsonText
                throw ChimeraError(.generic, desc, at: ErrorLocation(file: "<script>", line: number + 1))
            }
        }
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
