import ChimeraCore

/// What the dispatcher produces for the transport, in wire order.
public enum MonitorOutput: Hashable, Sendable {
    /// A reply for one client; `negotiates` marks the `qmp_capabilities`
    /// reply after which the client receives events.
    case reply(client: Int, Value, negotiates: Bool)
    /// An event for every negotiated client.
    case event(MonitorEvent)
}
