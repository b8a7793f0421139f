import OrderedCollections

/// All types known to a machine. A value: building one twice gives two
/// independent registries, and nothing about it is global.
public struct TypeRegistry: Sendable {
    private var types: OrderedDictionary<String, ObjectType> = [:]

    /// An empty registry.
    public init() {}

    /// A registry holding the types every machine needs (`object`, `device`, `machine`, `cluster`, …).
    public static func withCoreTypes() -> TypeRegistry {
        var registry = TypeRegistry()
        Core.register(into: &registry)
        return registry
    }

    /// Adds a type. Its parent and interfaces must already be registered.
    public mutating func register(_ type: ObjectType) throws(ChimeraError) {
        guard isValidName(type.name) else {
            throw ChimeraError(.generic, "type name '\(type.name)' must be lower-case letters, digits and dashes")
        }
        guard types[type.name] == nil else { throw ChimeraError(.generic, "type '\(type.name)' is registered twice") }
        if let parent = type.parent {
            guard let p = types[parent] else {
                throw ChimeraError(.generic, "type '\(type.name)' names unknown parent '\(parent)'")
            }
            guard !p.isInterface else { throw ChimeraError(.generic, "type '\(type.name)' cannot inherit from interface '\(parent)'") }
        }
        for interface in type.interfaces {
            guard types[interface]?.isInterface == true else {
                throw ChimeraError(.generic, "type '\(type.name)' names '\(interface)', which is not a registered interface")
            }
        }
        if !type.isAbstract && type.instanceClass == nil {
            throw ChimeraError(.generic, "concrete type '\(type.name)' has no instance class")
        }
        var seen: [String] = []
        for property in allPropertiesOfParent(type) + type.properties {
            guard !seen.contains(property.name) else {
                throw ChimeraError(.generic, "type '\(type.name)' declares property '\(property.name)' twice (or overrides an inherited one)")
            }
            seen.append(property.name)
        }
        types[type.name] = type
    }

    /// Registration for module entry points that register their own fixed
    /// tables: a clash there is a programming error in the module, not user input.
    public mutating func registerBuiltin(_ type: ObjectType) {
        do { try register(type) } catch { preconditionFailure("built-in type registration failed: \(error)") }
    }

    private func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_" }
    }

    private func allPropertiesOfParent(_ type: ObjectType) -> [PropertyDescriptor] {
        guard let parent = type.parent, let p = types[parent] else { return [] }
        return allProperties(of: p)
    }

    /// The type called `name`, or an error that lists near names.
    public func type(named name: String) throws(ChimeraError) -> ObjectType {
        if let t = types[name] { return t }
        var message = "unknown type '\(name)'"
        if let near = nearestName(to: name, in: Array(types.keys)) { message += "; did you mean '\(near)'?" }
        throw ChimeraError(.generic, message)
    }

    /// Whether a type called `name` is registered.
    public func contains(_ name: String) -> Bool { types[name] != nil }

    /// The type, its parent, … up to the root, in that order.
    public func ancestry(of type: ObjectType) -> [ObjectType] {
        var chain = [type]
        var current = type
        while let parent = current.parent, let p = types[parent] {
            chain.append(p)
            current = p
        }
        return chain
    }

    /// Does `type` inherit from or implement `ancestor` (or is it `ancestor`)?
    public func isType(_ type: ObjectType, a ancestor: String) -> Bool {
        for t in ancestry(of: type) where t.name == ancestor || t.interfaces.contains(ancestor) { return true }
        return false
    }

    /// Every property of `type`, inherited ones first, in declaration order.
    public func allProperties(of type: ObjectType) -> [PropertyDescriptor] {
        ancestry(of: type).reversed().flatMap(\.properties)
    }

    /// Every pin group of `type`, inherited ones first.
    public func allPins(of type: ObjectType) -> [PinDescriptor] {
        ancestry(of: type).reversed().flatMap(\.pins)
    }

    /// Every mappable region of `type`, inherited ones first.
    public func allRegions(of type: ObjectType) -> [RegionDescriptor] {
        ancestry(of: type).reversed().flatMap(\.regions)
    }

    /// Types in registration order, optionally only those that are or
    /// implement `ancestor`, hiding abstract types and interfaces unless asked.
    public func list(implementing ancestor: String? = nil, includeAbstract: Bool = false) -> [ObjectType] {
        types.values.filter { t in
            (includeAbstract || !t.isAbstract) && (ancestor.map { isType(t, a: $0) } ?? true)
        }
    }

    /// Number of registered types.
    public var count: Int { types.count }
}
