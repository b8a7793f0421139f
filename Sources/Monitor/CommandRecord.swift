import ChimeraCore
import ChimeraScheduler
import OrderedCollections
#if canImport(Glibc)
import Glibc
#endif

/// One recorded monitor command: what a client asked and the virtual time
/// it took effect. A run steered over QMP replays exactly from these.
public struct RecordedCommand: Sendable, Hashable {
    public var time: VirtualTime
    public var name: String
    public var arguments: OrderedDictionary<String, Value>

    /// `{"time": ps, "execute": name, "arguments": {…}}`
    public var jsonText: String {
        Value.dict(["time": .uint(time.picoseconds), "execute": .string(name), "arguments": .dict(arguments)]).jsonText
    }

    /// Parses a record file: one JSON object per line, `#` comments allowed.
    public static func parse(_ text: String, file: String) throws(ChimeraError) -> [RecordedCommand] {
        var out: [RecordedCommand] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let location = ErrorLocation(file: file, line: n + 1)
            let v: Value
            do { v = try Value(json: String(line)) } catch { throw ChimeraError(.generic, error.message, at: location) }
            guard let t = v["time"]?.uint64, let name = v["execute"]?.string else {
                throw ChimeraError(.generic, "expected {\"time\": PICOSECONDS, \"execute\": NAME, \"arguments\": {…}}", at: location)
            }
            let args = v["arguments"]?.dict ?? [:]
            if let last = out.last, last.time.picoseconds > t {
                throw ChimeraError(.generic, "times must not decrease (\(t) after \(last.time.picoseconds))", at: location)
            }
            out.append(RecordedCommand(time: VirtualTime(picoseconds: t), name: name, arguments: args))
        }
        return out
    }
}

/// Appends recorded commands to a file as they happen.
final class CommandRecordWriter {
    private let file: UnsafeMutablePointer<FILE>

    init(path: String) throws(ChimeraError) {
        let fd = try HostFile.createForWriting(path, what: "command record")
        guard let f = fdopen(fd, "w") else {
            Glibc.close(fd)
            throw ChimeraError(.generic, "cannot write the command record", at: ErrorLocation(file: path))
        }
        file = f
    }

    func append(_ time: VirtualTime, _ request: MonitorRequest) {
        fputs(RecordedCommand(time: time, name: request.command, arguments: request.arguments).jsonText + "\n", file)
        fflush(file)
    }

    func close() { fclose(file) }
}

/// Runs a realized machine while executing recorded commands at exactly
/// their virtual times (the scheduler cuts a quantum boundary at each), so a
/// run once steered over QMP — stop, qom-set, object-add, quit — is
/// reproduced bit for bit without a client.
public func runReplayingCommands(_ commands: [RecordedCommand], machine: Machine, limits: RunLimits,
                                 configure: ((Simulation) -> Void)? = nil) throws(ChimeraError) -> RunResult {
    let session = try MonitorSession(machine: machine)
    session.negotiate()
    guard let simulation = session.dispatcher.simulation else {
        throw ChimeraError(.generic, "the machine must be realized before replaying commands")
    }
    configure?(simulation)
    var queue = commands[...]
    for c in commands { simulation.requestBoundary(at: c.time) }
    var failure: ChimeraError?
    let previous = simulation.boundaryHook
    simulation.boundaryHook = { sim in
        previous?(sim)
        while let next = queue.first, next.time <= sim.time, failure == nil {
            queue.removeFirst()
            let request = Value.dict(["execute": .string(next.name), "arguments": .dict(next.arguments)]).jsonText
            for reply in session.send(request) where reply["error"] != nil {
                failure = ChimeraError(.generic, "replayed \(next.name) at \(next.time): " + (reply["error"]?["desc"]?.string ?? reply.jsonText))
            }
            if session.dispatcher.quitRequested || session.dispatcher.state == .paused { sim.control.requestPause() }
        }
        if failure != nil { sim.control.requestPause() }
    }
    defer { simulation.boundaryHook = previous }
    while true {
        let result = simulation.run(limits)
        if let failure { throw failure }
        // A replayed `stop` pauses; the recording's later `cont` (or the end of
        // the record) resumes: time in a replay only moves while running.
        if case .paused = result.outcome, !session.dispatcher.quitRequested {
            if session.dispatcher.state == .paused && queue.isEmpty { return result }
            if session.dispatcher.state == .paused {
                // Execute the commands that were waiting at this boundary (e.g. `cont`).
                while let next = queue.first, session.dispatcher.state == .paused {
                    queue.removeFirst()
                    _ = session.send(Value.dict(["execute": .string(next.name), "arguments": .dict(next.arguments)]).jsonText)
                }
            }
            continue
        }
        return result
    }
}
