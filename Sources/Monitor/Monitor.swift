import ChimeraCore

/// Entry point of the ChimeraMonitor module.
public enum Monitor {
    /// Adds this module's types to `registry`.
    public static func register(into registry: inout TypeRegistry) {}
}
