import ChimeraCore

/// Entry point of the ChimeraX86 module.
public enum X86 {
    /// Adds the x86-64 core, its local APIC, the IOAPIC and the debug-exit port to `registry`.
    public static func register(into registry: inout TypeRegistry) {
        registry.registerBuiltin(X86CPU.type)
        registry.registerBuiltin(LocalAPIC.type)
        registry.registerBuiltin(IOAPIC.type)
        registry.registerBuiltin(DebugExitDevice.type)
    }
}
