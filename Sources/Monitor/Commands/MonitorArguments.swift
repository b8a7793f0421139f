import ChimeraCore
import OrderedCollections

/// A command's arguments after `MonitorCommand.validate`: typed access
/// whose failures are user errors, never traps.
struct MonitorArguments {
    let values: OrderedDictionary<String, Value>
    let command: String

    init(_ values: OrderedDictionary<String, Value>, command: String) {
        self.values = values
        self.command = command
    }

    subscript(_ key: String) -> Value? { values[key] }

    func string(_ key: String) throws(ChimeraError) -> String {
        guard let v = values[key] else { throw ChimeraError(.generic, "Parameter '\(key)' is missing") }
        guard let s = v.string else { throw ChimeraError(.generic, "Invalid parameter type for '\(key)', expected: string") }
        return s
    }

    func optionalString(_ key: String) throws(ChimeraError) -> String? {
        values[key] == nil ? nil : try string(key)
    }

    func uint(_ key: String) throws(ChimeraError) -> UInt64 {
        guard let v = values[key] else { throw ChimeraError(.generic, "Parameter '\(key)' is missing") }
        guard let u = v.uint64 else { throw ChimeraError(.generic, "Invalid parameter type for '\(key)', expected: integer") }
        return u
    }

    func optionalInt(_ key: String) throws(ChimeraError) -> Int64? {
        guard let v = values[key] else { return nil }
        guard let i = v.int64 else { throw ChimeraError(.generic, "Invalid parameter type for '\(key)', expected: integer") }
        return i
    }

    func bool(_ key: String, default fallback: Bool) throws(ChimeraError) -> Bool {
        guard let v = values[key] else { return fallback }
        guard let b = v.bool else { throw ChimeraError(.generic, "Invalid parameter type for '\(key)', expected: boolean") }
        return b
    }
}
