import ChimeraCore

/// A typed, documented board parameter: what `-p name=value` sets and what
/// `chimera describe BOARD` lists. Parameters become properties of the
/// board's machine type.
public struct BoardParameter: Sendable {
    public var name: String
    /// `int`, `size`, `time`, `bool`, `string`, `enum`, `path` or `pin`.
    public var kind: String
    public var type: ValueType
    public var defaultValue: Value?
    public var doc: String
    /// Where the parameter is declared.
    public var location: ErrorLocation

    static let kinds = ["int", "size", "time", "bool", "string", "enum", "path", "pin"]

    init(name: String, node: YAMLNode) throws(ChimeraError) {
        self.name = name
        location = node.location
        try node.checkKeys(["type", "default", "doc", "min", "max", "values"], in: "parameter '\(name)'")
        guard let typeNode = node.value("type") else { throw node.error("parameter '\(name)' needs a type: one of \(BoardParameter.kinds.joined(separator: ", "))") }
        kind = try typeNode.scalar("a parameter type")
        if kind != "int", let bound = node.value("min") ?? node.value("max") {
            throw bound.error("parameter '\(name)': min and max apply only to int parameters")
        }
        if kind != "enum", let values = node.value("values") {
            throw values.error("parameter '\(name)': values apply only to enum parameters")
        }
        switch kind {
        case "int":
            var format = IntegerFormat.int64
            if let min = node.value("min") { format.minimum = Int64(bitPattern: try min.integer(Scope(), "a minimum")) }
            if let max = node.value("max") { format.maximum = try max.integer(Scope(), "a maximum") }
            if let minimum = format.minimum, let maximum = format.maximum, minimum >= 0, UInt64(minimum) > maximum {
                throw (node.value("min") ?? node).error("parameter '\(name)': min \(minimum) is greater than max \(maximum)")
            }
            type = .int(format)
        case "size": type = .size
        case "time": type = .time
        case "bool": type = .bool
        case "string", "path", "pin": type = .string
        case "enum":
            guard let values = node.value("values") else { throw node.error("enum parameter '\(name)' needs values: [a, b, …]") }
            var cases: [String] = []
            for v in values.items() {
                let word = try v.scalar("an enum value")
                guard !word.isEmpty else { throw v.error("enum parameter '\(name)': a value cannot be empty") }
                guard !cases.contains(word) else { throw v.error("enum parameter '\(name)': value '\(word)' is listed twice") }
                cases.append(word)
            }
            guard !cases.isEmpty else { throw values.error("enum parameter '\(name)' needs at least one value in values: [a, b, …]") }
            type = .enumeration(cases)
        default:
            var message = "unknown parameter type '\(kind)'; expected one of: " + BoardParameter.kinds.joined(separator: ", ")
            if let near = nearestName(to: kind, in: BoardParameter.kinds) { message += " (did you mean '\(near)'?)" }
            throw typeNode.error(message)
        }
        doc = try node.value("doc")?.scalar("documentation text") ?? ""
        if doc.isEmpty { throw node.error("parameter '\(name)' needs a doc: line saying what it controls") }
        if let d = node.value("default") {
            let text = try d.scalar("a default value")
            do { defaultValue = try type.parse(text) } catch { throw d.error("default of '\(name)': \(error.message)") }
        }
    }

    /// The parameter as a property of the board's machine type.
    var property: PropertyDescriptor {
        PropertyDescriptor(name, type, default: defaultValue, access: .configuration, required: defaultValue == nil,
                           doc: doc + (kind == "path" || kind == "pin" ? " (\(kind))" : ""))
    }
}
