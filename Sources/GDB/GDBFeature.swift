/// One `<feature>` of a target description (GDB manual, "Target
/// Descriptions", "Target Description Format", "Standard Target Features").
///
/// gdb recognises standard features by name (`org.gnu.gdb.aarch64.core`)
/// and checks that they contain the registers it expects, by name; the
/// types a feature's registers use that are not predefined (`aarch64v`,
/// `i386_eflags`) must be defined inside the same feature, because gdb
/// looks types up per feature. Registers of unknown features (the
/// `org.chimera.*` ones) are shown as extra registers.
public struct GDBFeature: Hashable, Sendable {
    /// The feature name, e.g. `org.gnu.gdb.i386.sse`.
    public var name: String
    /// Types the registers refer to, defined before use.
    public var types: [GDBTypeDefinition]
    /// The registers, in register-number order.
    public var registers: [GDBRegister]

    /// A feature named `name` with its type definitions and registers.
    public init(_ name: String, types: [GDBTypeDefinition] = [], registers: [GDBRegister]) {
        self.name = name
        self.types = types
        self.registers = registers
    }

    /// The `<feature>` element, numbering registers from `firstRegisterNumber`.
    public func xml(firstRegisterNumber: Int) -> String {
        var lines = ["  <feature name=\"\(XML.escaped(name))\">"]
        lines += types.map { "    " + $0.xml.joined(separator: "\n    ") }
        for (offset, register) in registers.enumerated() {
            var attributes = [("name", register.name), ("bitsize", String(register.bitSize)),
                              ("type", register.type), ("regnum", String(firstRegisterNumber + offset))]
            if let group = register.group { attributes.append(("group", group)) }
            lines.append("    " + XML.element("reg", attributes))
        }
        lines.append("  </feature>")
        return lines.joined(separator: "\n")
    }
}

/// A type defined inside a feature (GDB manual, "Target Description Format", "Types").
public enum GDBTypeDefinition: Hashable, Sendable {
    /// `<vector id type count>`: `count` elements of type `element`.
    case vector(id: String, element: String, count: Int)
    /// `<union id>`: the same bits seen as each field's type.
    case union(id: String, fields: [GDBUnionField])
    /// `<flags id size>`: named bit ranges of a `size`-byte register.
    case flags(id: String, size: Int, fields: [GDBFlagField])

    /// The element's lines, without indentation.
    var xml: [String] {
        switch self {
        case .vector(let id, let element, let count):
            return [XML.element("vector", [("id", id), ("type", element), ("count", String(count))])]
        case .union(let id, let fields):
            return ["<union id=\"\(XML.escaped(id))\">"]
                + fields.map { "  " + XML.element("field", [("name", $0.name), ("type", $0.type)]) } + ["</union>"]
        case .flags(let id, let size, let fields):
            return ["<flags id=\"\(XML.escaped(id))\" size=\"\(size)\">"]
                + fields.map {
                    "  " + XML.element("field", [("name", $0.name), ("start", String($0.start)), ("end", String($0.end))])
                } + ["</flags>"]
        }
    }
}

/// A field of a `<union>`.
public struct GDBUnionField: Hashable, Sendable {
    /// The member name gdb shows (`v4_float`, `d`).
    public var name: String
    /// The member's type.
    public var type: String

    /// A union member `name` of type `type`.
    public init(_ name: String, _ type: String) {
        self.name = name
        self.type = type
    }
}

/// A bit range of a `<flags>` type, `start` to `end` inclusive.
public struct GDBFlagField: Hashable, Sendable {
    /// The field name gdb shows (`ZF`, `EL`).
    public var name: String
    /// The lowest bit.
    public var start: Int
    /// The highest bit.
    public var end: Int

    /// A field `name` covering bits `start...end` (one bit if `end` is omitted).
    public init(_ name: String, _ start: Int, _ end: Int? = nil) {
        self.name = name
        self.start = start
        self.end = end ?? start
    }
}

/// The bits of XML writing the target descriptions need.
enum XML {
    /// An empty element with attributes in the given order.
    static func element(_ name: String, _ attributes: [(String, String)]) -> String {
        "<\(name) " + attributes.map { "\($0.0)=\"\(XML.escaped($0.1))\"" }.joined(separator: " ") + "/>"
    }

    /// Text safe inside an XML attribute value or character data.
    static func escaped(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
