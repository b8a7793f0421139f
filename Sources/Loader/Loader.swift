import ChimeraCore

/// Entry point of the Loader module.
public enum Loader {
    /// Adds the `loader` type to `registry`.
    public static func register(into registry: inout TypeRegistry) {
        registry.registerBuiltin(GenericLoader.type)
    }
}
