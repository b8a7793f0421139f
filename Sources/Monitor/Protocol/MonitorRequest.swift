import ChimeraCore
import OrderedCollections

/// A command that passed framing, parsing and negotiation, ready for the dispatcher.
public struct MonitorRequest: Hashable, Sendable {
    /// The connection it came from (0 for in-process sessions).
    public var client: Int
    /// The client's `id`, echoed in the reply.
    public var id: Value?
    /// The command name (`execute`).
    public var command: String
    /// The `arguments` object.
    public var arguments: OrderedDictionary<String, Value>

    /// A request; `client` 0 is the in-process session.
    public init(client: Int = 0, id: Value? = nil, command: String, arguments: OrderedDictionary<String, Value> = [:]) {
        self.client = client
        self.id = id
        self.command = command
        self.arguments = arguments
    }
}
