import ChimeraCore

/// Entry point of the Devices module: architecture-neutral devices.
public enum Devices {
    /// Adds `ram` and the other shared devices to `registry`.
    public static func register(into registry: inout TypeRegistry) {
        registry.registerBuiltin(RAMDevice.type)
    }
}
