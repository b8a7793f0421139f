import ChimeraCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking QMP client over a Unix socket, for the transport
/// tests: raw bytes out, one JSON value per received line in.
final class TestClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        var result: Int32 = -1
        for _ in 0..<200 {
            result = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if result == 0 { break }
            usleep(10_000)
        }
        guard result == 0 else {
            close(fd)
            throw ChimeraError(.generic, "cannot connect to \(path)")
        }
    }

    deinit { close(fd) }

    /// Closes our side of the connection (the fd stays valid until deinit).
    func disconnect() { shutdown(fd, Int32(SHUT_RDWR)) }

    func sendRaw(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    func send(_ text: String) { sendRaw(Array(text.utf8)) }

    /// The next line as JSON, or nil after `timeout` seconds or at end of stream.
    func receive(timeout: Double = 10) -> Value? {
        var remaining = Int32(timeout * 1000)
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeFirst(nl + 1)
                return try? Value(json: line)
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard remaining > 0, poll(&pfd, 1, min(remaining, 100)) >= 0 else { return nil }
            remaining -= 100
            if pfd.revents == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// The next message that is not an event.
    func reply(timeout: Double = 10) -> Value? {
        while let v = receive(timeout: timeout) {
            if v["event"] == nil { return v }
        }
        return nil
    }

    /// Receives until the event called `name` arrives.
    func event(_ name: String, timeout: Double = 10) -> Value? {
        while let v = receive(timeout: timeout) {
            if v["event"]?.string == name { return v }
        }
        return nil
    }

    /// Sends a command and returns its reply (skipping events).
    func execute(_ command: String, _ arguments: Value? = nil, id: Value? = nil) -> Value? {
        var message: Value = ["execute": .string(command)]
        if case .dict(var d) = message {
            if let arguments { d["arguments"] = arguments }
            if let id { d["id"] = id }
            message = .dict(d)
        }
        send(message.jsonText + "\n")
        return reply()
    }

    /// Reads the greeting and negotiates.
    func negotiate() -> Bool {
        guard receive()?["QMP"] != nil else { return false }
        return execute("qmp_capabilities")?["return"] != nil
    }

    /// Has the server closed the connection (within `timeout`)?
    func isClosed(timeout: Double = 5) -> Bool {
        var remaining = Int32(timeout * 1000)
        while remaining > 0 {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&pfd, 1, 100)
            remaining -= 100
            if pfd.revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n <= 0 { return true }
                buffer.append(contentsOf: chunk[0..<n])
            }
        }
        return false
    }
}
