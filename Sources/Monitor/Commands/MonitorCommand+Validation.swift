import ChimeraCore
import OrderedCollections

extension MonitorCommand {
    /// Checks arguments against the schema the way QEMU's QMP input
    /// visitor does: unknown, missing and mistyped parameters are
    /// `GenericError`s naming the parameter.
    func validate(_ arguments: OrderedDictionary<String, Value>) throws(ChimeraError) {
        if !allowsExtraArguments, let extra = arguments.keys.first(where: { key in !self.arguments.contains { $0.name == key } }) {
            throw ChimeraError(.generic, "Parameter '\(extra)' is unexpected")
        }
        for field in self.arguments {
            guard let value = arguments[field.name] else {
                if field.optional { continue }
                throw ChimeraError(.generic, "Parameter '\(field.name)' is missing")
            }
            guard checksArgumentTypes else { continue }
            try MonitorCommand.check(value, against: field.type, name: field.name)
        }
    }

    private static func check(_ value: Value, against type: ValueType, name: String) throws(ChimeraError) {
        func mismatch(_ expected: String) -> ChimeraError {
            ChimeraError(.generic, "Invalid parameter type for '\(name)', expected: \(expected)")
        }
        switch type {
        case .string, .link, .child:
            guard value.string != nil else { throw mismatch("string") }
        case .enumeration(let cases):
            guard let s = value.string else { throw mismatch("string") }
            guard cases.contains(s) else {
                throw ChimeraError(.generic, "Parameter '\(name)' does not accept value '\(s)'; expected one of: "
                                   + cases.joined(separator: ", "))
            }
        case .bool:
            guard value.bool != nil else { throw mismatch("boolean") }
        case .int, .size, .time:
            switch value {
            case .int, .uint: break
            default: throw mismatch("integer")
            }
            if case .int = type {
                do { _ = try type.coerce(value) } catch {
                    throw ChimeraError(.generic, "Parameter '\(name)': \(error.message)")
                }
            } else if value.uint64 == nil {
                throw ChimeraError(.generic, "Parameter '\(name)' must not be negative")
            }
        case .list(let element):
            guard case .list(let items) = value else { throw mismatch("array") }
            for item in items { try check(item, against: element, name: name) }
        case .structure:
            guard value.dict != nil else { throw mismatch("object") }
        }
    }
}
