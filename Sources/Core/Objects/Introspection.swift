extension TypeRegistry {
    /// A human description of a type without instantiating it: ancestry,
    /// interfaces, every property (inherited ones marked), pins and regions.
    public func describe(_ typeName: String) throws(ChimeraError) -> String {
        let type = try self.type(named: typeName)
        var out = "\(type.name)"
        if type.isInterface { out += " (interface)" } else if type.isAbstract { out += " (abstract)" }
        out += ": \(type.summary)\n"
        let chain = ancestry(of: type).map(\.name)
        if chain.count > 1 { out += "  inherits: " + chain.dropFirst().joined(separator: " -> ") + "\n" }
        let interfaces = ancestry(of: type).flatMap(\.interfaces)
        if !interfaces.isEmpty { out += "  implements: " + interfaces.joined(separator: ", ") + "\n" }
        let properties = allProperties(of: type)
        out += properties.isEmpty ? "  properties: none\n" : "  properties:\n"
        let own = Set(type.properties.map(\.name))  // membership only
        for p in properties {
            var line = "    \(p.name): \(p.type)"
            if let d = p.defaultValue { line += " = \(TypeRegistry.render(d, as: p.type))" }
            else if p.required { line += " (required)" }
            if p.access != .configuration { line += " [\(p.access.rawValue)]" }
            if let alias = p.alias { line += " -> \(alias.child).\(alias.property)" }
            if !own.contains(p.name) { line += " (inherited)" }
            out += line + "\n      \(p.doc)\n"
        }
        let pins = allPins(of: type)
        if !pins.isEmpty {
            out += "  pins:\n"
            for p in pins {
                out += "    \(p.name)\(p.count > 1 ? "[\(p.count)]" : ""): \(p.direction.rawValue) — \(p.doc)\n"
            }
        }
        let regions = allRegions(of: type)
        if !regions.isEmpty {
            out += "  regions:\n"
            for r in regions { out += "    \(r.name) — \(r.doc)\n" }
        }
        for (region, map) in ancestry(of: type).reversed().flatMap(\.registers) {
            out += "  registers of \(region):\n"
            for r in map.registers {
                var line = "    0x\(String(r.offset, radix: 16)) \(r.name) (\(r.access.rawValue)"
                if r.resetValue != 0 { line += ", reset 0x\(String(r.resetValue, radix: 16))" }
                if !r.modelled { line += ", not modelled" }
                out += line + ") — \(r.doc)\n"
            }
        }
        return out
    }

    /// Renders a value the way a user would type it for that type.
    public static func render(_ value: Value, as type: ValueType) -> String {
        switch (type, value) {
        case (.size, _):
            guard let v = value.uint64 else { return value.jsonText }
            for (shift, suffix) in [(60, "E"), (50, "P"), (40, "T"), (30, "G"), (20, "M"), (10, "K")]
                where v != 0 && v % (1 << UInt64(shift)) == 0 {
                return "\(v >> UInt64(shift))\(suffix)"
            }
            return String(v)
        case (.time, _):
            return value.uint64.map { VirtualTime(picoseconds: $0).description } ?? value.jsonText
        case (.bool, .bool(let b)): return b ? "on" : "off"
        case (.string, .string(let s)), (.enumeration, .string(let s)), (.link, .string(let s)): return s
        case (.int(let f), _) where f.bits == 64 && !f.signed && (value.uint64 ?? 0) > 0xFFFF:
            return "0x" + String(value.uint64!, radix: 16)
        default: return value.jsonText
        }
    }

    /// One line per type: name, parent and summary, for `chimera types`.
    public func typeListText(implementing ancestor: String? = nil, includeAbstract: Bool = false) -> String {
        let types = list(implementing: ancestor, includeAbstract: includeAbstract)
        let width = types.map(\.name.count).max() ?? 0
        return types.map { t in
            let pad = String(repeating: " ", count: width - t.name.count)
            return "\(t.name)\(pad)  \(t.summary)"
        }.joined(separator: "\n") + "\n"
    }
}

extension SimObject {
    /// The composition tree as text, like QEMU's `info qom-tree`.
    public func qomTreeText() -> String {
        var out = ""
        func walk(_ o: SimObject, depth: Int) {
            out += String(repeating: "  ", count: depth) + "\(depth == 0 ? o.path : o.name) (\(o.objectType.name))\n"
            for c in o.children { walk(c, depth: depth + 1) }
        }
        walk(self, depth: 0)
        return out
    }

    /// Properties of this object with current values, one per line (`qom-list` for humans).
    public func propertyListText() -> String {
        listProperties().map { p in
            let v = p.value.map { $0.string ?? $0.jsonText } ?? "<unset>"
            return "\(p.name) (\(p.type)) = \(v)"
        }.joined(separator: "\n") + "\n"
    }
}
