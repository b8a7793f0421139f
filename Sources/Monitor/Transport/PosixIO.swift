#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the POSIX calls the socket server uses, so the
/// platform differences live in one place.
public enum PosixIO {
    public static var lastError: String { String(cString: strerror(errno)) }
    public static var errorNumber: Int32 { errno }

    public static func write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.write(fd, buffer, count)
        #else
        return Darwin.write(fd, buffer, count)
        #endif
    }

    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, buffer, count)
        #else
        return Darwin.read(fd, buffer, count)
        #endif
    }

    /// `send` without SIGPIPE when the peer is gone.
    public static func send(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if os(Linux)
        return Glibc.send(fd, buffer, count, Int32(MSG_NOSIGNAL))
        #else
        return Darwin.send(fd, buffer, count, 0)
        #endif
    }

    public static func close(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }

    public static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        #if canImport(Darwin)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    public static var streamSocketType: Int32 {
        #if os(Linux)
        return Int32(SOCK_STREAM.rawValue)
        #else
        return SOCK_STREAM
        #endif
    }

    public static func wouldBlock(_ e: Int32) -> Bool { e == EAGAIN || e == EWOULDBLOCK || e == EINTR }

    /// Starts a detached-from-Swift-concurrency host thread running `body`; join it with `join`.
    public static func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        #if os(Linux)
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            return nil
        }
        return thread
        #else
        var thread: pthread_t?
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        guard rc == 0, let thread else {
            Unmanaged<Box>.fromOpaque(context).release()
            return nil
        }
        return thread
        #endif
    }

    public static func join(_ thread: pthread_t) {
        _ = pthread_join(thread, nil)
    }
}
