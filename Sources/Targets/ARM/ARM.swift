import ChimeraCore

/// Entry point of the ChimeraARM module.
public enum ARM {
    /// Adds this module's types to `registry`.
    public static func register(into registry: inout TypeRegistry) {}
}
