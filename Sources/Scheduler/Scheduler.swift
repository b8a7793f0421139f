import ChimeraCore

/// Entry point of the Scheduler module. It declares no object types: the
/// scheduler is run control around a machine, not part of its tree.
public enum Scheduler {
    /// Adds this module's types to `registry` (none today).
    public static func register(into registry: inout TypeRegistry) {}
}
