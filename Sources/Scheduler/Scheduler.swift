import ChimeraCore

/// Entry point of the ChimeraScheduler module.
public enum Scheduler {
    /// Adds this module's types to `registry`.
    public static func register(into registry: inout TypeRegistry) {}
}
