import OrderedCollections

extension SimObject {
    /// The descriptor of property `name`, or an error listing the valid names.
    public func descriptor(of name: String) throws(ChimeraError) -> PropertyDescriptor {
        if let d = propertyDescriptors.first(where: { $0.name == name }) { return d }
        var message = "\(objectType.name) has no property '\(name)'"
        let names = propertyDescriptors.map(\.name)
        if let near = nearestName(to: name, in: names) { message += "; did you mean '\(near)'?" }
        else if !names.isEmpty { message += "; properties are: " + names.joined(separator: ", ") }
        throw ChimeraError.object(path, message, class: .generic)
    }

    /// Sets a property from a JSON-like value (QMP, board files).
    public func setProperty(_ name: String, _ value: Value) throws(ChimeraError) {
        let d = try descriptor(of: name)
        if let alias = d.alias {
            guard let target = child(named: alias.child) else {
                throw ChimeraError.object(path, "alias '\(name)' points at missing child '\(alias.child)'")
            }
            return try target.setProperty(alias.property, value)
        }
        switch d.access {
        case .readOnly:
            throw ChimeraError.object(path, "property '\(name)' is read-only")
        case .configuration where state == .realized:
            throw ChimeraError.object(path, "property '\(name)' can only be set before the object is realized")
        default: break
        }
        let coerced: Value
        do { coerced = try d.type.coerce(value) } catch {
            throw ChimeraError.object(path, "property '\(name)': \(error.message)")
        }
        if case .link(let targetType) = d.type {
            try setLink(d, targetType: targetType, value: coerced)
            return
        }
        try checkValue(name, coerced)
        if state == .realized {
            try propertyWillChange(name, to: coerced)
        }
        values[name] = coerced
    }

    /// Sets a property from keyval text (`-global`, `-device k=v`, `qom-set` of a string).
    public func setProperty(_ name: String, parsing text: String) throws(ChimeraError) {
        let d = try descriptor(of: name)
        let parsed: Value
        do { parsed = try d.type.parse(text) } catch {
            throw ChimeraError.object(path, "property '\(name)': \(error.message)")
        }
        try setProperty(name, parsed)
    }

    private func setLink(_ d: PropertyDescriptor, targetType: String, value: Value) throws(ChimeraError) {
        guard case .string(let targetPath) = value else {
            values[d.name] = nil
            linkTargets[d.name] = nil
            return
        }
        let target: SimObject
        do { target = try resolve(targetPath) } catch {
            throw ChimeraError.object(path, "link '\(d.name)': \(error.message)", class: .deviceNotFound)
        }
        guard target.isA(targetType) else {
            throw ChimeraError.object(path,
                "link '\(d.name)' must point at a \(targetType), but \(target.path) is a \(target.objectType.name)")
        }
        guard target !== self else { throw ChimeraError.object(path, "link '\(d.name)' cannot point at the object itself") }
        if state == .realized { try propertyWillChange(d.name, to: .string(target.path)) }
        values[d.name] = .string(target.path)
        linkTargets[d.name] = WeakObject(object: target)
    }

    /// The current value of a property (`nil` when unset).
    public func property(_ name: String) throws(ChimeraError) -> Value? {
        let d = try descriptor(of: name)
        if let alias = d.alias {
            guard let target = child(named: alias.child) else { return nil }
            return try target.property(alias.property)
        }
        if d.access == .readOnly, let live = readOnlyValue(of: name) { return live }
        return values[name]
    }

    // MARK: Typed accessors for subclasses. The schema has already checked
    // the values, so a mismatch here is a bug in the type's declaration.

    /// An unsigned integer, size or time property.
    public func uintProperty(_ name: String) -> UInt64 {
        (try? property(name))??.uint64 ?? 0
    }

    /// A signed integer property.
    public func intProperty(_ name: String) -> Int64 {
        (try? property(name))??.int64 ?? 0
    }

    /// A boolean property.
    public func boolProperty(_ name: String) -> Bool {
        (try? property(name))??.bool ?? false
    }

    /// A string or enum property.
    public func stringProperty(_ name: String) -> String {
        (try? property(name))??.string ?? ""
    }

    /// A time property as `VirtualTime`.
    public func timeProperty(_ name: String) -> VirtualTime {
        VirtualTime(picoseconds: uintProperty(name))
    }

    /// The object a link property points at, if set and still alive.
    public func linkedObject(_ name: String) -> SimObject? {
        linkTargets[name]?.object
    }

    /// Link targets in declaration order (used by realize ordering and graphs).
    public var links: [(property: String, target: SimObject)] {
        propertyDescriptors.compactMap { d in
            guard case .link = d.type, let t = linkTargets[d.name]?.object else { return nil }
            return (d.name, t)
        }
    }

    /// Name, type, value and documentation of every property and child,
    /// in declaration then insertion order — what `qom-list` shows.
    public func listProperties() -> [PropertyListing] {
        var out: [PropertyListing] = []
        for d in propertyDescriptors {
            out.append(PropertyListing(name: d.name, type: d.type.description, value: (try? property(d.name)) ?? nil,
                                       access: d.access, doc: d.doc))
        }
        for c in children {
            out.append(PropertyListing(name: c.name, type: "child<\(c.objectType.name)>", value: .string(c.path),
                                       access: .readOnly, doc: c.objectType.summary))
        }
        return out
    }
}

/// One row of an object's property listing.
public struct PropertyListing: Hashable, Sendable {
    public var name: String
    public var type: String
    public var value: Value?
    public var access: PropertyAccess
    public var doc: String
}
