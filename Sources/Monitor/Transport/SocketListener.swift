import ChimeraCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A listening socket for one endpoint, bound on the caller's thread so
/// that a bad `--qmp` argument is reported before the run starts.
public struct SocketListener: Sendable {
    public let fd: Int32
    /// The endpoint as bound (a TCP port 0 replaced by the real port).
    public let endpoint: MonitorEndpoint
    /// For Unix sockets: the file we created, removed again on close if it is still ours.
    let unixPath: String?
    let unixInode: UInt64

    /// Binds `endpoint`; errors name `option` (`--qmp`, `--gdb`) as the user typed it.
    public static func open(_ endpoint: MonitorEndpoint, allowRemote: Bool, option: String = "--qmp") throws(ChimeraError)
        -> SocketListener {
        switch endpoint {
        case .unix(let path): return try openUnix(path, option: option)
        case .tcp(let host, let port):
            guard endpoint.isLoopback || allowRemote else {
                throw ChimeraError(.generic, "\(option) \(endpoint): refusing to listen on a non-loopback address "
                                   + "(the monitor can read guest memory and write host files); use 127.0.0.1 "
                                   + "or allow remote clients explicitly")
            }
            return try openTCP(host: host, port: port, option: option)
        }
    }

    private static func openUnix(_ path: String, option: String) throws(ChimeraError) -> SocketListener {
        var addr = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        let bytes = Array(path.utf8)
        guard bytes.count < capacity else {
            throw ChimeraError(.generic, "\(option) unix:\(path): the path is longer than \(capacity - 1) bytes; use a shorter one")
        }
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        try removeStaleSocket(path, address: addr, option: option)
        let fd = socket(AF_UNIX, PosixIO.streamSocketType, 0)
        guard fd >= 0 else { throw ChimeraError(.generic, "\(option) unix:\(path): socket() failed: \(PosixIO.lastError)") }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let message = PosixIO.lastError
            PosixIO.close(fd)
            throw ChimeraError(.generic, "\(option) unix:\(path): cannot bind: \(message)")
        }
        // Nobody can connect before listen(), so tightening the mode here leaves no window.
        guard chmod(path, 0o600) == 0, listen(fd, 16) == 0 else {
            let message = PosixIO.lastError
            PosixIO.close(fd)
            unlink(path)
            throw ChimeraError(.generic, "\(option) unix:\(path): cannot listen: \(message)")
        }
        PosixIO.setNonBlocking(fd)
        var st = stat()
        let inode = lstat(path, &st) == 0 ? UInt64(st.st_ino) : 0
        return SocketListener(fd: fd, endpoint: .unix(path: path), unixPath: path, unixInode: inode)
    }

    /// Removes a socket file nobody listens on any more; refuses to touch
    /// live sockets and files that are not sockets.
    private static func removeStaleSocket(_ path: String, address: sockaddr_un, option: String) throws(ChimeraError) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw ChimeraError(.generic, "\(option) unix:\(path): the file exists and is not a socket; choose another path")
        }
        let probe = socket(AF_UNIX, PosixIO.streamSocketType, 0)
        guard probe >= 0 else { return }
        var addr = address
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        PosixIO.close(probe)
        guard connected != 0 else {
            throw ChimeraError(.generic, "\(option) unix:\(path): another process is listening there; choose another path")
        }
        unlink(path)
    }

    private static func openTCP(host: String, port: UInt16, option: String) throws(ChimeraError) -> SocketListener {
        let name = host == "localhost" ? "127.0.0.1" : host
        var v4 = in_addr()
        var v6 = in6_addr()
        let family: Int32
        if inet_pton(AF_INET, name, &v4) == 1 { family = AF_INET }
        else if inet_pton(AF_INET6, name, &v6) == 1 { family = AF_INET6 }
        else { throw ChimeraError(.generic, "\(option) tcp:\(host):\(port): use a numeric address such as 127.0.0.1") }
        let fd = socket(family, PosixIO.streamSocketType, 0)
        guard fd >= 0 else { throw ChimeraError(.generic, "\(option) tcp: socket() failed: \(PosixIO.lastError)") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var result: Int32
        if family == AF_INET {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            addr.sin_addr = v4
            result = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = port.bigEndian
            addr.sin6_addr = v6
            result = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        if result == 0 { result = listen(fd, 16) }
        guard result == 0 else {
            let message = PosixIO.lastError
            PosixIO.close(fd)
            throw ChimeraError(.generic, "\(option) tcp:\(host):\(port): cannot listen: \(message)")
        }
        PosixIO.setNonBlocking(fd)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var actualPort = port
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        if named == 0 {
            actualPort = withUnsafePointer(to: &storage) { p in
                family == AF_INET
                    ? p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
                    : p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
        }
        return SocketListener(fd: fd, endpoint: .tcp(host: host, port: actualPort), unixPath: nil, unixInode: 0)
    }

    /// Closes the socket and removes the Unix socket file if it is still the one we made.
    public func close() {
        PosixIO.close(fd)
        if let unixPath {
            var st = stat()
            if lstat(unixPath, &st) == 0 && UInt64(st.st_ino) == unixInode { unlink(unixPath) }
        }
    }
}
