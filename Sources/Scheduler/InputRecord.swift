import ChimeraCore

/// Host input (UART receive) with the virtual time it took effect, so a
/// run can be replayed bit for bit.
public struct InputRecord: Hashable, Sendable {
    /// One delivery of bytes to a UART at a quantum boundary.
    public struct Entry: Hashable, Sendable {
        public var time: VirtualTime
        public var devicePath: String
        public var bytes: [UInt8]

        public init(time: VirtualTime, devicePath: String, bytes: [UInt8]) {
            self.time = time
            self.devicePath = devicePath
            self.bytes = bytes
        }
    }

    public var entries: [Entry] = []

    public init(entries: [Entry] = []) { self.entries = entries }

    /// The record as JSON lines: `{"time": ps, "device": path, "bytes": [..]}`.
    public var jsonLines: String {
        entries.map { e in
            Value.dict(["time": .uint(e.time.picoseconds), "device": .string(e.devicePath),
                        "bytes": .list(e.bytes.map { .uint(UInt64($0)) })]).jsonText
        }.joined(separator: "\n")
    }

    /// Parses the JSON-lines form written by `jsonLines`.
    public init(jsonLines text: String) throws(ChimeraError) {
        for (n, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: " \t").isEmpty {
            let v: Value
            do { v = try Value(json: String(line)) } catch {
                throw ChimeraError(.generic, "input record line \(n + 1): \(error.message)")
            }
            guard let t = v["time"]?.uint64, let d = v["device"]?.string, let b = v["bytes"]?.list else {
                throw ChimeraError(.generic, "input record line \(n + 1): expected time, device and bytes")
            }
            var bytes: [UInt8] = []
            for x in b {
                guard let u = x.uint64, u < 256 else { throw ChimeraError(.generic, "input record line \(n + 1): bytes must be 0…255") }
                bytes.append(UInt8(u))
            }
            entries.append(Entry(time: VirtualTime(picoseconds: t), devicePath: d, bytes: bytes))
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return s
    }
}
