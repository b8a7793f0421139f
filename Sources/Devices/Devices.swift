import ChimeraCore

/// Entry point of the Devices module: architecture-neutral devices.
public enum Devices {
    /// Adds `ram` and the other shared devices to `registry`.
    public static func register(into registry: inout TypeRegistry) {
        registry.registerBuiltin(RAMDevice.type)
        registry.registerBuiltin(PL011.type)
        registry.registerBuiltin(UART16550.type)
        registry.registerBuiltin(Mailbox.type)
        registry.registerBuiltin(SimControl.type)
    }
}
