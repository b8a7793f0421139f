/// Thread identifiers as the Remote Protocol spells them (GDB manual,
/// "Packets", thread-id): plain `T`, or `pP.T` / `pP` with the
/// multiprocess extension, each part hex, `-1` for all and `0` for any.
///
/// Which numbers name which cores is the server's choice; 0 and -1 are
/// wildcards, so real ids start at 1.
public struct GDBThreadID: Hashable, Sendable, CustomStringConvertible {
    /// The process, when the id was written `pP.T` or `pP`; `nil` for a plain `T`.
    public var process: GDBID?
    /// The thread; `.all` for `pP` without a thread part.
    public var thread: GDBID

    /// A thread id from its parts.
    public init(process: GDBID?, thread: GDBID) {
        self.process = process
        self.thread = thread
    }

    /// Parses `pP.T`, `pP` or `T`; `nil` if any part is not `-1`, `0` or hex.
    public init?(_ text: Substring) {
        guard text.first == "p" else {
            guard let thread = GDBID(text) else { return nil }
            self.init(process: nil, thread: thread)
            return
        }
        let body = text.dropFirst()
        let dot = body.firstIndex(of: ".")
        guard let process = GDBID(body[..<(dot ?? body.endIndex)]) else { return nil }
        guard let dot else {
            self.init(process: process, thread: .all)
            return
        }
        guard let thread = GDBID(body[body.index(after: dot)...]) else { return nil }
        self.init(process: process, thread: thread)
    }

    /// Parses a thread id from text.
    public init?(_ text: String) { self.init(Substring(text)) }

    /// The wire form: `pP.T` when the process is known, else `T`.
    public var description: String {
        guard let process else { return thread.description }
        return "p\(process).\(thread)"
    }

    /// Does this id, used as a pattern, select thread `thread` of process `process`?
    public func matches(process: Int, thread: Int) -> Bool {
        (self.process?.matches(process) ?? true) && self.thread.matches(thread)
    }
}

/// One part of a thread id: a process or a thread number, or a wildcard.
public enum GDBID: Hashable, Sendable, CustomStringConvertible {
    /// `-1`: every process or thread.
    case all
    /// `0`: whichever one the stub picks.
    case any
    /// A specific number (positive).
    case id(Int)

    /// Parses `-1`, `0` or a hex number; `nil` for anything else or a number beyond `Int`.
    public init?(_ text: Substring) {
        if text == "-1" { self = .all; return }
        guard let value = GDBHex.number(text.utf8), let n = Int(exactly: value) else { return nil }
        self = n == 0 ? .any : .id(n)
    }

    /// The wire form: `-1`, `0` or lowercase hex.
    public var description: String {
        switch self {
        case .all: "-1"
        case .any: "0"
        case .id(let n): String(n, radix: 16)
        }
    }

    /// Does this id, used as a pattern, select `number`?
    public func matches(_ number: Int) -> Bool {
        switch self {
        case .all, .any: true
        case .id(let n): n == number
        }
    }
}
