#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Reading and writing host files without blocking or exhausting the host.
///
/// A path a user gives may name a FIFO (whose `open` blocks until a writer
/// appears), a device such as `/dev/zero` (endless), a directory or a
/// file too large to hold in memory. Every read of a user-named file goes
/// through `read(_:limit:what:)`, every monitor or CLI write through
/// `createForWriting(_:what:)`; both refuse those cases with one
/// `ChimeraError` naming the file (Documentation/Limits.md).
public enum HostFile {
    /// Whole contents of the regular file at `path`, at most `limit` bytes.
    /// The file type is checked with `stat` before `open` (so a FIFO never
    /// blocks), and again on the descriptor, opened `O_NONBLOCK`.
    public static func read(_ path: String, limit: UInt64, what: String = "file") throws(ChimeraError) -> [UInt8] {
        let fd = try openForReading(path, limit: limit, what: what)
        defer { close(fd.descriptor) }
        let size = Int(fd.size)
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = out.withUnsafeMutableBytes { pread(fd.descriptor, $0.baseAddress! + done, min(size - done, 1 << 24), off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw failure(path, n < 0 ? "cannot read the \(what): \(errorText())" : "the \(what) shrank while it was read")
            }
            done += n
        }
        return out
    }

    /// UTF-8 text of the regular file at `path`, at most `limit` bytes.
    public static func readText(_ path: String, limit: UInt64, what: String = "file") throws(ChimeraError) -> String {
        let bytes = try read(path, limit: limit, what: what)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw failure(path, "the \(what) is not UTF-8 text")
        }
        return text
    }

    /// An open descriptor of a regular file and its size, checked against
    /// `limit`. The caller closes it (the ELF parser reads it in pieces).
    public static func openForReading(_ path: String, limit: UInt64, what: String = "file") throws(ChimeraError) -> (descriptor: Int32, size: UInt64) {
        var before = stat()
        guard stat(path, &before) == 0 else { throw failure(path, "cannot open the \(what): \(errorText())") }
        try requireRegular(before, path: path, what: what)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, "cannot open the \(what): \(errorText())") }
        var info = stat()
        guard fstat(fd, &info) == 0 else { close(fd); throw failure(path, "cannot read the \(what): \(errorText())") }
        do { try requireRegular(info, path: path, what: what) } catch { close(fd); throw error }
        let size = UInt64(max(info.st_size, 0))
        guard size <= limit else {
            close(fd)
            throw failure(path, "the \(what) is \(size) bytes, more than the limit of \(limit) bytes (raise it with --limit file-size=SIZE)")
        }
        return (fd, size)
    }

    /// Opens `path` for writing (truncating) when it is a regular file, does
    /// not exist yet, or is `/dev/null`. FIFOs, devices, directories and
    /// `/proc` files are refused instead of blocking or failing silently.
    public static func createForWriting(_ path: String, what: String = "file") throws(ChimeraError) -> Int32 {
        guard !path.isEmpty else { throw ChimeraError(.generic, "the \(what) needs a file name") }
        var info = stat()
        if stat(path, &info) == 0 {
            if path != "/dev/null" { try requireRegular(info, path: path, what: what, writing: true) }
        } else if errno != ENOENT {
            throw failure(path, "cannot write the \(what): \(errorText())")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path, "cannot write the \(what): \(errorText())") }
        var opened = stat()
        guard fstat(fd, &opened) == 0 else { close(fd); throw failure(path, "cannot write the \(what): \(errorText())") }
        if path != "/dev/null" {
            do { try requireRegular(opened, path: path, what: what, writing: true) } catch { close(fd); throw error }
        }
        // Writes to a regular file never return EAGAIN; the flag only kept open() from waiting.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    /// Writes all of `bytes` to `fd`, retrying short writes.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String, what: String = "file") throws(ChimeraError) {
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure(path, "writing the \(what) failed: \(errorText())") }
            done += n
        }
    }

    /// Writes `text` to the file at `path` (created or truncated, under the
    /// rules of `createForWriting`). Every failure is an error.
    public static func write(_ text: String, to path: String, what: String = "file") throws(ChimeraError) {
        let fd = try createForWriting(path, what: what)
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let result: Result<Void, ChimeraError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(ChimeraError) in try writeAll(fd, buffer, path: path, what: what) }
        }
        try result.get()
    }

    private static func requireRegular(_ info: stat, path: String, what: String, writing: Bool = false) throws(ChimeraError) {
        let kind = info.st_mode & S_IFMT
        guard kind != S_IFREG else {
            if writing, path.hasPrefix("/proc/") || path.hasPrefix("/sys/") {
                throw failure(path, "will not write the \(what) into \(path.hasPrefix("/proc/") ? "/proc" : "/sys")")
            }
            return
        }
        let name: String
        switch kind {
        case S_IFDIR: name = "a directory"
        case S_IFIFO: name = "a FIFO"
        case S_IFCHR: name = "a character device"
        case S_IFBLK: name = "a block device"
        case S_IFSOCK: name = "a socket"
        default: name = "not a regular file"
        }
        throw failure(path, "the \(what) is \(name); \(writing ? "only regular files (or new ones) are written" : "only regular files are read")")
    }

    private static func failure(_ path: String, _ message: String) -> ChimeraError {
        ChimeraError(.generic, message, at: ErrorLocation(file: path))
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
