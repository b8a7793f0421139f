import ChimeraCore

/// Entry point of the ChimeraLoader module.
public enum Loader {
    /// Adds this module's types to `registry`.
    public static func register(into registry: inout TypeRegistry) {}
}
