import OrderedCollections

extension Machine {
    /// Executes one construction command against this machine.
    public func execute(_ command: MachineCommand) throws(ChimeraError) {
        switch command {
        case .objectAdd(let type, let path, let properties):
            let (parentPath, name) = try Machine.splitNewPath(path)
            let parentObject = parentPath.isEmpty ? self : try resolve(parentPath)
            try checkPlacement(of: type, under: parentObject, path: path)
            let object = try parentObject.addChild(name, type: type)
            do {
                for (key, value) in properties { try object.setProperty(key, value) }
                if state == .realized && parentObject.state == .realized && !(object is Cluster) {
                    try object.realizeTree()
                }
            } catch {
                try? object.destroy()
                throw error
            }
        case .propertySet(let path, let property, let value):
            try resolve(path).setProperty(property, value)
        case .mapRegion(let clusterPath, let mapping):
            guard let cluster = try resolve(clusterPath) as? Cluster else {
                throw ChimeraError(.generic, "map-region: '\(clusterPath)' is not a cluster")
            }
            try cluster.map(mapping)
        case .connectIRQ(let from, let to):
            try connect(from, to: to)
        case .loadKernel(let cpuPath, let file, let boot):
            guard let cpu = try resolve(cpuPath) as? CPUDevice else {
                throw ChimeraError(.generic, "load-kernel: '\(cpuPath)' is not a core")
            }
            let kernels = try kernelContainer()
            let name = Machine.kernelName(for: cpu)
            if let old = kernels.child(named: name) { try old.destroy() }
            let loader = try kernels.addChild(name, type: "loader")
            try loader.setProperty("file", .string(file))
            try loader.setProperty("cpu", .string(cpu.path))
            for (key, value) in boot.fields where !value.isEmpty { try loader.setProperty(key, .string(value)) }
            if state == .realized { try loader.realizeTree() }
        case .realize(let path):
            if let path { try resolve(path).realizeTree() } else { try realizeTree() }
        }
    }

    /// Refuses objects that cannot live where `object-add` would put them:
    /// a second machine, a cluster (or core) inside a core, and cores
    /// beyond `limits.cores`.
    func checkPlacement(of typeName: String, under parent: SimObject, path: String) throws(ChimeraError) {
        guard let type = try? registry.type(named: typeName) else { return }  // addChild names the unknown type
        if registry.isType(type, a: "machine") {
            throw ChimeraError.object(path, "a machine is the root of its tree; it cannot be created inside another object")
        }
        let isCluster = registry.isType(type, a: "cluster"), isCPU = registry.isType(type, a: "cpu")
        if isCluster || isCPU {
            var ancestor: SimObject? = parent
            while let a = ancestor {
                if a is CPUDevice {
                    throw ChimeraError.object(path, "a \(isCluster ? "cluster" : "core") cannot be created inside the core \(a.path)")
                }
                ancestor = a.parent
            }
        }
        if isCPU, cpus.count >= limits.cores {
            throw ChimeraError.object(path, "the machine already has \(limits.cores) cores, the limit (raise it with --limit cores=N)")
        }
    }

    /// Once any core has a kernel, cores without one start powered off and
    /// wait for firmware to start them (PSCI `CPU_ON`, INIT/SIPI), as on
    /// real boards. Call before realize.
    public func holdCoresWithoutKernels() throws(ChimeraError) {
        let loaders = child(named: "kernels")?.children ?? []
        let loaded = loaders.compactMap { $0.linkedObject("cpu") }
        guard !loaded.isEmpty else { return }
        for cpu in cpus where !loaded.contains(where: { $0 === cpu }) {
            try cpu.setProperty("start-powered-off", true)
        }
    }

    /// `/machine/kernels`, created on first use, holding one loader per core.
    func kernelContainer() throws(ChimeraError) -> SimObject {
        if let c = child(named: "kernels") { return c }
        return try addChild("kernels", type: "container")
    }

    /// `arm/cpu[0]` becomes `arm-cpu[0]`: one loader name per core.
    static func kernelName(for cpu: CPUDevice) -> String {
        let parts = cpu.path.split(separator: "/").dropFirst()
        return parts.joined(separator: "-")
    }

    /// Splits `/machine/arm/uart0` (or `arm/uart0`) into parent path and name.
    static func splitNewPath(_ path: String) throws(ChimeraError) -> (String, String) {
        var parts = path.split(separator: "/").map(String.init)
        guard let name = parts.popLast() else { throw ChimeraError(.generic, "object-add: empty id") }
        if path.hasPrefix("/") { return (parts.count <= 1 ? "" : "/" + parts.joined(separator: "/"), name) }
        return (parts.joined(separator: "/"), name)
    }

    /// The commands that rebuild this machine's tree, properties, maps and wiring
    /// (what `chimera board export` prints after expanding a board).
    public func constructionCommands() -> [MachineCommand] {
        var commands: [MachineCommand] = []
        // The machine's own settings (quantum) first. Board parameters are
        // not exported: the commands below are already their expansion.
        let machineSettings = (try? registry.type(named: "machine"))?.properties.map(\.name) ?? []
        for d in propertyDescriptors where d.access != .readOnly && d.alias == nil && machineSettings.contains(d.name) {
            if case .link = d.type { continue }
            if let v = values[d.name], v != d.defaultValue { commands.append(.propertySet(path: path, property: d.name, value: v)) }
        }
        let kernels = child(named: "kernels")
        // Kernel loaders are re-created by their load-kernel commands below.
        let built = subtree.dropFirst().filter { object in kernels.map { !object.isDescendant(of: $0) } ?? true }
        for object in built {
            var props = OrderedDictionary<String, Value>()
            for d in object.propertyDescriptors where d.access != .readOnly && d.alias == nil {
                if case .link = d.type { continue }
                if let v = object.values[d.name], v != d.defaultValue { props[d.name] = v }
            }
            if object.isFixedPart {
                // Re-created by its parent; only its settings need exporting.
                for (key, value) in props { commands.append(.propertySet(path: object.path, property: key, value: value)) }
            } else {
                commands.append(.objectAdd(type: object.objectType.name, path: object.path, properties: props))
            }
        }
        for object in [self] + built {
            for (property, target) in object.links {
                commands.append(.propertySet(path: object.path, property: property, value: .string(target.path)))
            }
        }
        for cluster in clusters { for m in cluster.mappings { commands.append(.mapRegion(cluster: cluster.path, mapping: m)) } }
        for c in irqConnections { commands.append(.connectIRQ(from: c.from.name, to: c.to.name)) }
        for loader in child(named: "kernels")?.children ?? [] {
            if let cpu = loader.linkedObject("cpu") {
                let boot = KernelBootOptions(initrd: loader.stringProperty("initrd"), append: loader.stringProperty("append"),
                                             dtb: loader.stringProperty("dtb"), kaslrSeed: loader.stringProperty("kaslr-seed"))
                commands.append(.loadKernel(cpu: cpu.path, file: loader.stringProperty("file"), boot: boot))
            }
        }
        return commands
    }
}
