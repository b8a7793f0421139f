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
            "cpu", parent: "device", abstract: true, userCreatable: false,
            summary: "A processor core; concrete cores name their architecture",
            properties: CPUDevice.commonProperties, instanceClass: nil))
    }
}
