import ChimeraCore

/// Where the monitor listens: `unix:PATH` or `tcp:HOST:PORT`.
public enum MonitorEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// A Unix-domain socket, created with mode 0600.
    case unix(path: String)
    /// A TCP socket; loopback only unless the server allows remote clients.
    /// Port 0 picks a free port (see `MonitorServer.boundEndpoints`).
    case tcp(host: String, port: UInt16)

    /// Parses the `--qmp` syntax: `unix:/tmp/qmp.sock`, `tcp:127.0.0.1:4444`, `tcp:[::1]:4444`.
    /// QEMU's trailing options (`,server=on,wait=off`) are accepted and ignored.
    /// Errors name `option`, as the user typed it (`--qmp`, `--gdb`).
    public init(parsing text: String, option: String = "--qmp") throws(ChimeraError) {
        var spec = text
        if let comma = spec.firstIndex(of: ",") { spec = String(spec[..<comma]) }
        if spec.hasPrefix("unix:") {
            let path = String(spec.dropFirst(5))
            guard !path.isEmpty else { throw ChimeraError(.generic, "\(option) unix: needs a path, e.g. unix:/tmp/chimera.qmp") }
            self = .unix(path: path)
        } else if spec.hasPrefix("tcp:") {
            let rest = spec.dropFirst(4)
            guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]) else {
                throw ChimeraError(.generic, "\(option) '\(text)': use tcp:HOST:PORT with a port from 0 to 65535")
            }
            var host = String(rest[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            if host.isEmpty { host = "127.0.0.1" }
            self = .tcp(host: host, port: port)
        } else {
            throw ChimeraError(.generic, "\(option) '\(text)': use unix:PATH or tcp:127.0.0.1:PORT")
        }
    }

    /// The `--qmp` spelling.
    public var description: String {
        switch self {
        case .unix(let path): return "unix:\(path)"
        case .tcp(let host, let port): return host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        }
    }

    /// Is the host a loopback address?
    var isLoopback: Bool {
        switch self {
        case .unix: return true
        case .tcp(let host, _): return host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }
    }
}
