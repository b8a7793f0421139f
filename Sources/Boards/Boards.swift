import ChimeraCore

/// Entry point of the ChimeraBoards module.
public enum Boards {
    /// Adds this module's types to `registry`.
    public static func register(into registry: inout TypeRegistry) {}
}
