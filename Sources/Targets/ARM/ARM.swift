import ChimeraCore

/// Entry point of the ChimeraARM module: the AArch64 core and its devices.
public enum ARM {
    /// Adds `cortex-a53`, `gic-v2` and `gic-v3` to `registry`.
    public static func register(into registry: inout TypeRegistry) {
        registry.registerBuiltin(AArch64CPU.type)
        registry.registerBuiltin(GICv2.type)
        registry.registerBuiltin(GICv3.type)
    }
}
