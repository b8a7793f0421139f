import ChimeraCore
import OrderedCollections

/// Builds `query-qmp-schema`: QEMU's introspection format (SchemaInfo
/// entries of meta-type `command`, `object`, `enum`, `array`, `builtin`)
/// for every monitor command, followed by one entry of meta-type
/// `qom-type` per registered type with its full property schema — name,
/// type, default, access and documentation — which QEMU's lacks.
enum MonitorSchema {
    /// The return types commands name, with their members (name, type, optional).
    static let returnTypes: [(name: String, members: [(String, String, Bool)])] = [
        ("empty", []),
        ("StatusInfo", [("running", "bool", false), ("status", "str", false)]),
        ("VersionTriple", [("major", "int", false), ("minor", "int", false), ("micro", "int", false)]),
        ("VersionInfo", [("qemu", "VersionTriple", false), ("package", "str", false)]),
        ("CommandInfo", [("name", "str", false)]),
        ("CpuInfoFast", [("cpu-index", "int", false), ("qom-path", "str", false), ("thread-id", "int", false),
                         ("target", "str", false), ("cluster", "str", false)]),
        ("ObjectPropertyInfo", [("name", "str", false), ("type", "str", false), ("description", "str", true),
                                ("default-value", "any", true), ("access", "str", true)]),
        ("ObjectTypeInfo", [("name", "str", false), ("abstract", "bool", true), ("parent", "str", true)]),
        ("SchemaInfo", [("name", "str", false), ("meta-type", "str", false)]),
    ]

    static func entries(registry: TypeRegistry) -> [Value] {
        var out = OrderedDictionary<String, Value>()
        for command in MonitorCommand.all {
            let argType = command.arguments.isEmpty && !command.allowsExtraArguments ? "empty" : "q_obj_\(command.name)-arg"
            out[command.name] = [
                "name": .string(command.name), "meta-type": "command",
                "arg-type": .string(argType), "ret-type": .string(returnTypeName(command.returns, into: &out)),
                "allow-oob": false, "doc": .string(command.doc),
                "availability": .string(command.availability.rawValue),
            ]
            if argType != "empty" {
                var members: [Value] = []
                for field in command.arguments {
                    var m: OrderedDictionary<String, Value> = ["name": .string(field.name), "type": .string(typeName(field.type, into: &out))]
                    if field.optional { m["default"] = .null }
                    if !field.doc.isEmpty { m["doc"] = .string(field.doc) }
                    members.append(.dict(m))
                }
                var object: OrderedDictionary<String, Value> = ["name": .string(argType), "meta-type": "object", "members": .list(members)]
                if command.allowsExtraArguments { object["additional-members"] = "properties of the new object's type" }
                out[argType] = .dict(object)
            }
        }
        for (name, members) in returnTypes where out[name] == nil {
            out[name] = ["name": .string(name), "meta-type": "object",
                         "members": .list(members.map { n, t, optional in
                             optional ? ["name": .string(n), "type": .string(t), "default": .null]
                                      : ["name": .string(n), "type": .string(t)]
                         })]
        }
        for (name, json) in [("str", "string"), ("int", "int"), ("bool", "boolean"), ("any", "value")] where out[name] == nil {
            out[name] = ["name": .string(name), "meta-type": "builtin", "json-type": .string(json)]
        }
        var list = Array(out.values)
        for type in registry.list(includeAbstract: true) {
            list.append(qomTypeEntry(type, registry: registry))
        }
        return list
    }

    /// A `ret-type` name; `[X]` array types get their own entries.
    private static func returnTypeName(_ returns: String, into out: inout OrderedDictionary<String, Value>) -> String {
        switch returns {
        case "{}": return "empty"
        case let r where r.hasPrefix("[") && r.hasSuffix("]"):
            let element = String(r.dropFirst().dropLast())
            if out[r] == nil { out[r] = ["name": .string(r), "meta-type": "array", "element-type": .string(element)] }
            return r
        default: return returns
        }
    }

    /// The schema name of a value type, adding enum, array and builtin entries as needed.
    private static func typeName(_ type: ValueType, into out: inout OrderedDictionary<String, Value>) -> String {
        func builtin(_ name: String, _ json: String) -> String {
            if out[name] == nil { out[name] = ["name": .string(name), "meta-type": "builtin", "json-type": .string(json)] }
            return name
        }
        switch type {
        case .bool: return builtin("bool", "boolean")
        case .int(let f): return builtin(f.signed ? "int\(f.bits)" : "uint\(f.bits)", "int")
        case .size: return builtin("size", "int")
        case .time: return builtin("time", "int")
        case .string: return builtin("str", "string")
        case .link, .child: return builtin(type.description, "string")
        case .enumeration(let cases):
            let name = type.description
            if out[name] == nil {
                out[name] = ["name": .string(name), "meta-type": "enum", "values": .list(cases.map { .string($0) }),
                             "members": .list(cases.map { ["name": .string($0)] })]
            }
            return name
        case .list(let element):
            let elementName = typeName(element, into: &out)
            let name = "[\(elementName)]"
            if out[name] == nil { out[name] = ["name": .string(name), "meta-type": "array", "element-type": .string(elementName)] }
            return name
        case .structure(let fields):
            let name = type.description
            if out[name] == nil {
                var members: [Value] = []
                for f in fields {
                    var m: OrderedDictionary<String, Value> = ["name": .string(f.name), "type": .string(typeName(f.type, into: &out))]
                    if f.optional { m["default"] = .null }
                    members.append(.dict(m))
                }
                out[name] = ["name": .string(name), "meta-type": "object", "members": .list(members)]
            }
            return name
        }
    }

    /// One registered type with its properties, pins and regions.
    static func qomTypeEntry(_ type: ObjectType, registry: TypeRegistry) -> Value {
        var entry: OrderedDictionary<String, Value> = ["name": .string(type.name), "meta-type": "qom-type"]
        if let parent = type.parent { entry["parent"] = .string(parent) }
        entry["abstract"] = .bool(type.isAbstract)
        if type.isInterface { entry["interface"] = true }
        entry["user-creatable"] = .bool(type.userCreatable)
        let interfaces = registry.ancestry(of: type).flatMap(\.interfaces)
        if !interfaces.isEmpty { entry["interfaces"] = .list(interfaces.map { .string($0) }) }
        entry["doc"] = .string(type.summary)
        entry["properties"] = .list(registry.allProperties(of: type).map(propertyInfo))
        let pins = registry.allPins(of: type)
        if !pins.isEmpty {
            entry["pins"] = .list(pins.map { ["name": .string($0.name), "direction": .string($0.direction.rawValue),
                                              "count": .int(Int64($0.count)), "doc": .string($0.doc)] })
        }
        let regions = registry.allRegions(of: type)
        if !regions.isEmpty {
            entry["regions"] = .list(regions.map { ["name": .string($0.name), "doc": .string($0.doc)] })
        }
        return .dict(entry)
    }

    /// QEMU's `ObjectPropertyInfo` plus `access` (and `required` when set).
    static func propertyInfo(_ d: PropertyDescriptor) -> Value {
        var info: OrderedDictionary<String, Value> = ["name": .string(d.name), "type": .string(d.type.description),
                                                      "description": .string(d.doc)]
        if let value = d.defaultValue { info["default-value"] = value }
        info["access"] = .string(d.access.rawValue)
        if d.required { info["required"] = true }
        return .dict(info)
    }
}
