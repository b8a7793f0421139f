import ChimeraCore

/// A Chrome/Perfetto trace-event timeline: which core ran (or idled) when,
/// and device events as instants. Open the JSON in ui.perfetto.dev or
/// chrome://tracing.
public final class Timeline {
    struct Span {
        var track: Int
        var name: String
        var start: VirtualTime
        var end: VirtualTime
    }

    private var tracks: [String] = []
    private var spans: [Span] = []
    private var open: [Int: Int] = [:]  // track -> index into spans; lookup only
    private var instants: [(time: VirtualTime, name: String)] = []

    public init() {}

    func track(for path: String) -> Int {
        if let i = tracks.firstIndex(of: path) { return i }
        tracks.append(path)
        return tracks.count - 1
    }

    /// Records that core `path` was in state `name` from `start` to `end`;
    /// merges with the previous span when contiguous and the same.
    func record(_ path: String, _ name: String, from start: VirtualTime, to end: VirtualTime) {
        guard end > start else { return }
        let t = track(for: path)
        if let i = open[t], spans[i].name == name, spans[i].end == start {
            spans[i].end = end
            return
        }
        spans.append(Span(track: t, name: name, start: start, end: end))
        open[t] = spans.count - 1
    }

    func instant(_ name: String, at time: VirtualTime) {
        instants.append((time, name))
    }

    private static func micros(_ t: VirtualTime) -> Value {
        // Trace-event timestamps are microseconds; keep picosecond precision as a fraction.
        .double(Double(t.picoseconds) / 1_000_000)
    }

    /// The timeline as trace-event JSON.
    public var json: String {
        var events: [Value] = []
        events.append(["name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": ["name": "chimera"]])
        for (i, path) in tracks.enumerated() {
            events.append(["name": "thread_name", "ph": "M", "pid": 1, "tid": .int(Int64(i + 1)), "args": ["name": .string(path)]])
        }
        events.append(["name": "thread_name", "ph": "M", "pid": 1, "tid": .int(Int64(tracks.count + 1)), "args": ["name": "devices"]])
        for s in spans {
            events.append(["name": .string(s.name), "ph": "X", "pid": 1, "tid": .int(Int64(s.track + 1)),
                           "ts": Timeline.micros(s.start), "dur": Timeline.micros(s.end - s.start)])
        }
        for e in instants {
            events.append(["name": .string(e.name), "ph": "i", "s": "t", "pid": 1, "tid": .int(Int64(tracks.count + 1)),
                           "ts": Timeline.micros(e.time)])
        }
        return Value.dict(["traceEvents": .list(events), "displayTimeUnit": "ns"]).prettyJSONText + "\n"
    }
}
