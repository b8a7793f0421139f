import ChimeraCore

/// Entry point of the ChimeraX86 module.
public enum X86 {
    /// Adds this module's types to `registry`.
    public static func register(into registry: inout TypeRegistry) {}
}
