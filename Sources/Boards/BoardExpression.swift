import ChimeraCore

/// The `${…}` language of board files as a public entry point, for tools
/// and the fuzz harnesses (`Sources/Fuzz`). Same rules as in a board file:
/// checked 64-bit arithmetic, nesting at most `maximumDepth` deep.
public enum BoardExpression {
    /// How deep parentheses and unary minus may nest.
    public static var maximumDepth: Int { Interpolation.maximumDepth }

    /// Expands every `${…}` in `text` with `variables` in scope (later ones shadow earlier).
    public static func expand(_ text: String, variables: [(String, Value)] = []) throws(ChimeraError) -> Value {
        try Interpolation.expand(text, in: Scope(variables: variables))
    }
}
