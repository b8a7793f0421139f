import ChimeraCore

/// Entry point of the ChimeraARM module: the AArch64 core and its devices.
public enum ARM {
    /// Adds `cortex-a53` and `gic-v2` to `registry`.
    public static func register(into registry: inout TypeRegistry) {
        registry.registerBuiltin(AArch64CPU.type)
        registry.registerBuiltin(GICv2.type)
    }
}
