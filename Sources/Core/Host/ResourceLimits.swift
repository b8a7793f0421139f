/// Bounds on what user input may make the host spend: objects, cores and
/// bytes read from files. Each machine and each board loader carries its
/// own value (nothing global); `chimera … --limit NAME=VALUE` changes them.
/// Documentation/Limits.md lists every limit with its default.
public struct ResourceLimits: Hashable, Sendable {
    /// Objects a board may expand to (components, includes and loops included).
    public var objects: Int = 65_536
    /// Cores in one machine.
    public var cores: Int = 512
    /// Bytes read from any one file (kernels, raw images, board files, records).
    public var fileSize: UInt64 = 1 << 30

    public init() {}

    /// The names `--limit` accepts, with what each bounds.
    public static let names: [(name: String, doc: String)] = [
        ("objects", "objects a board file may expand to"),
        ("cores", "cores in one machine"),
        ("file-size", "bytes read from any one file (accepts 64M, 4G)"),
    ]

    /// Applies `NAME=VALUE` (`objects=100000`, `file-size=4G`).
    public mutating func set(_ assignment: String) throws(ChimeraError) {
        guard let eq = assignment.firstIndex(of: "=") else {
            throw ChimeraError(.generic, "invalid --limit '\(assignment)': expected NAME=VALUE, NAME one of "
                               + ResourceLimits.names.map(\.name).joined(separator: ", "))
        }
        let name = String(assignment[..<eq]), text = String(assignment[assignment.index(after: eq)...])
        let value: UInt64
        do { value = try ValueType.parseSize(text) } catch {
            throw ChimeraError(.generic, "invalid --limit \(name)=\(text): expected a positive number")
        }
        guard value > 0 else { throw ChimeraError(.generic, "invalid --limit \(name)=\(text): must be at least 1") }
        switch name {
        case "objects": objects = Int(min(value, UInt64(Int.max)))
        case "cores": cores = Int(min(value, UInt64(Int.max)))
        case "file-size": fileSize = value
        default:
            var message = "unknown limit '\(name)'; limits are: " + ResourceLimits.names.map(\.name).joined(separator: ", ")
            if let near = nearestName(to: name, in: ResourceLimits.names.map(\.name)) { message += " (did you mean '\(near)'?)" }
            throw ChimeraError(.generic, message)
        }
    }
}
