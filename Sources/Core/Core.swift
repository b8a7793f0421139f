/// Entry point of the Core module: registers the types every machine uses.
public enum Core {
    /// Adds `object`, `device`, `machine`, `cluster` and `cpu` to `registry`.
    public static func register(into registry: inout TypeRegistry) {
        registry.registerBuiltin(ObjectType(
            "object", parent: nil, abstract: true, userCreatable: false,
            summary: "Root of the type hierarchy", instanceClass: nil))
        registry.registerBuiltin(ObjectType(
            "device", parent: "object", abstract: true,
            summary: "Something with registers, memory regions and interrupt pins", instanceClass: nil))
        registry.registerBuiltin(Machine.type)
        registry.registerBuiltin(Cluster.type)
        registry.registerBuiltin(ObjectType(
            "container", parent: "object",
            summary: "Groups objects in the tree (e.g. /machine/kernels); has no behaviour of its own",
            instanceClass: ContainerObject.self))
        registry.registerBuiltin(ObjectType(
            "cpu", parent: "device", abstract: true, userCreatable: false,
            summary: "A processor core; concrete cores name their architecture",
            properties: CPUDevice.commonProperties, instanceClass: nil))
    }
}

/// A plain grouping node of the composition tree.
public final class ContainerObject: SimObject {}
