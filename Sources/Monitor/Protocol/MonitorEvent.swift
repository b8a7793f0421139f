import ChimeraCore
import OrderedCollections

/// An asynchronous QMP event.
public struct MonitorEvent: Hashable, Sendable {
    /// `STOP`, `RESUME`, `RESET`, `SHUTDOWN`, `GUEST_PANICKED`, `DEVICE_DELETED`.
    public var name: String
    /// Event data; always includes `virtual-time-ns`.
    public var data: OrderedDictionary<String, Value>
    /// Host wall-clock time of emission (QMP's `timestamp`); the only
    /// non-deterministic part of monitor output.
    public var hostSeconds: Int64
    /// Microseconds part of the host timestamp.
    public var hostMicroseconds: Int64

    /// An event with its data and host timestamp.
    public init(name: String, data: OrderedDictionary<String, Value>, hostSeconds: Int64, hostMicroseconds: Int64) {
        self.name = name
        self.data = data
        self.hostSeconds = hostSeconds
        self.hostMicroseconds = hostMicroseconds
    }

    /// The wire object.
    public var json: Value {
        [
            "event": .string(name),
            "data": .dict(data),
            "timestamp": ["seconds": .int(hostSeconds), "microseconds": .int(hostMicroseconds)],
        ]
    }
}
