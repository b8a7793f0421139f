import ChimeraCore
import OrderedCollections

/// The QOM commands: inspecting and changing the object tree.
extension MonitorDispatcher {
    func qomList(_ args: MonitorArguments) throws(ChimeraError) -> Value {
        let object = try machine.resolve(try args.string("path"))
        return .list(object.listProperties().map { p in
            var entry: OrderedDictionary<String, Value> = ["name": .string(p.name), "type": .string(p.type)]
            if !p.doc.isEmpty { entry["description"] = .string(p.doc) }
            return .dict(entry)
        })
    }

    func qomGet(_ args: MonitorArguments) throws(ChimeraError) -> Value {
        let object = try machine.resolve(try args.string("path"))
        let name = try args.string("property")
        if !object.propertyDescriptors.contains(where: { $0.name == name }), let child = object.child(named: name) {
            return .string(child.path)
        }
        let descriptor = try object.descriptor(of: name)
        if let value = try object.property(name) { return value }
        if case .link = descriptor.type { return "" }
        return .null
    }

    func qomListTypes(_ args: MonitorArguments) throws(ChimeraError) -> Value {
        let registry = machine.registry
        let implements = try args.optionalString("implements")
        if let implements { _ = try registry.type(named: implements) }
        let types = registry.list(implementing: implements, includeAbstract: try args.bool("abstract", default: false))
        return .list(types.map { t in
            var entry: OrderedDictionary<String, Value> = ["name": .string(t.name)]
            if t.isAbstract { entry["abstract"] = true }
            if let parent = t.parent { entry["parent"] = .string(parent) }
            return .dict(entry)
        })
    }

    func listProperties(_ args: MonitorArguments, devicesOnly: Bool) throws(ChimeraError) -> Value {
        let registry = machine.registry
        let typeName = try args.string("typename")
        let type = try registry.type(named: typeName)
        if devicesOnly {
            guard registry.isType(type, a: "device") else {
                throw ChimeraError(.generic, "'\(typeName)' is not a device type; use qom-list-properties")
            }
            guard !type.isAbstract else {
                throw ChimeraError(.generic, "'\(typeName)' is abstract; use qom-list-properties")
            }
        }
        return .list(registry.allProperties(of: type).map(MonitorSchema.propertyInfo))
    }

    func deviceAdd(_ args: MonitorArguments) throws(ChimeraError) -> Value {
        let driver = try args.string("driver")
        let type = try machine.registry.type(named: driver)
        guard machine.registry.isType(type, a: "device") else {
            throw ChimeraError(.generic, "'\(driver)' is not a device type; use object-add")
        }
        var arguments: OrderedDictionary<String, Value> = ["qom-type": .string(driver)]
        for (key, value) in args.values where key != "driver" { arguments[key] = value }
        guard let command = try MachineCommand(name: "object-add", arguments: .dict(arguments)) else {
            throw ChimeraError(.generic, "device_add: internal error building object-add")
        }
        try checkCreatable(driver)
        try machine.execute(command)
        return [:]
    }

    /// `object-del` and `device_del`. Objects that are mapped, wired or
    /// contain cores or clusters stay: the running scheduler and address
    /// spaces still refer to them.
    func delete(_ args: MonitorArguments, deviceOnly: Bool) throws(ChimeraError) -> Value {
        let path = try args.string("id")
        let object = try machine.resolve(path)
        guard object !== machine else { throw ChimeraError.object(object.path, "the machine root cannot be deleted") }
        if deviceOnly && !object.isA("device") {
            throw ChimeraError.object(object.path, "\(object.objectType.name) is not a device; use object-del")
        }
        if machine.state == .realized {
            guard object.objectType.userCreatable else {
                throw ChimeraError.object(object.path, "type '\(object.objectType.name)' cannot be deleted while the machine runs (not user-creatable)")
            }
            if let core = object.subtree.first(where: { $0 is CPUDevice || $0 is Cluster }) {
                throw ChimeraError.object(object.path, "cannot delete while the machine runs: it contains \(core.path)")
            }
        }
        for cluster in machine.clusters where !cluster.isDescendant(of: object) {
            for m in cluster.mappings {
                if let mapped = try? machine.resolve(m.objectPath), mapped.isDescendant(of: object) {
                    throw ChimeraError.object(object.path, "in use: \(mapped.path).\(m.region) is mapped into \(cluster.path) at 0x\(String(m.address, radix: 16))")
                }
            }
        }
        for connection in machine.irqConnections
            where connection.from.owner.isDescendant(of: object) || connection.to.owner.isDescendant(of: object) {
            throw ChimeraError.object(object.path, "in use: interrupt line \(connection.from.name) -> \(connection.to.name)")
        }
        let deletedPath = object.path
        try object.destroy()
        if deviceOnly { emit("DEVICE_DELETED", ["device": .string(path), "path": .string(deletedPath)]) }
        return [:]
    }
}
