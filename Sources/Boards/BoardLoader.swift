import ChimeraCore
import OrderedCollections
import Foundation

/// Finds board files by name in search paths and expands them.
public struct BoardLoader: Sendable {
    /// Folders searched for `NAME.yaml` and for components, in order.
    public var searchPaths: [String]
    /// Bounds on expansion (objects, cores); given to the machines built from the boards.
    public var limits = ResourceLimits()

    /// Board and component files are at most this large: YAML nodes cost
    /// far more memory than their text, and no real board comes near it.
    public static let maximumFileSize: UInt64 = 16 << 20

    public init(searchPaths: [String], limits: ResourceLimits = ResourceLimits()) {
        self.searchPaths = searchPaths
        self.limits = limits
    }

    /// A board summary for `chimera boards`.
    public struct Listing: Sendable {
        public var name: String
        public var summary: String
        public var path: String
    }

    /// Shipped boards (files with a top-level `board:` key) in name order.
    public func list() -> [Listing] {
        var out: [Listing] = []
        for dir in searchPaths {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.filter { $0.hasSuffix(".yaml") }.sorted() ?? []
            for file in names {
                let path = dir + "/" + file
                guard let text = try? BoardLoader.read(path),
                      let root = try? YAMLNode.parse(text, file: path),
                      let name = try? root.value("board")?.scalar("") else { continue }
                if out.contains(where: { $0.name == name }) { continue }
                out.append(Listing(name: name, summary: (try? root.value("summary")?.scalar("")) ?? "", path: path))
            }
        }
        return out
    }

    /// Resolves a board name (`hetero`) or a path to a file.
    public func path(of nameOrPath: String) throws(ChimeraError) -> String {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") {
            guard FileManager.default.fileExists(atPath: nameOrPath) else {
                throw ChimeraError(.generic, "board file not found", at: ErrorLocation(file: nameOrPath))
            }
            return nameOrPath
        }
        for dir in searchPaths where FileManager.default.fileExists(atPath: "\(dir)/\(nameOrPath).yaml") {
            return "\(dir)/\(nameOrPath).yaml"
        }
        var message = "unknown board '\(nameOrPath)'"
        let names = list().map(\.name)
        if let near = nearestName(to: nameOrPath, in: names) { message += "; did you mean '\(near)'?" }
        else if !names.isEmpty { message += "; boards are: " + names.joined(separator: ", ") }
        throw ChimeraError(.generic, message)
    }

    /// Loads and expands a board with parameter values given as text (`-p name=value`).
    public func load(_ nameOrPath: String, parameters: [(String, String)] = [],
                     registry: TypeRegistry) throws(ChimeraError) -> ExpandedBoard {
        let file = try path(of: nameOrPath)
        return try load(text: try BoardLoader.read(file), file: file, parameters: parameters, registry: registry)
    }

    /// Expands board text (tests build one-device boards from strings).
    public func load(text: String, file: String, parameters: [(String, String)] = [],
                     registry: TypeRegistry) throws(ChimeraError) -> ExpandedBoard {
        let root = try YAMLNode.parse(text, file: file)
        var expander = BoardExpander(loader: self, registry: registry, limits: limits)
        return try expander.expandBoard(root, parameters: parameters)
    }

    /// A board or component file's text; FIFOs, devices and oversized files are refused.
    static func read(_ path: String) throws(ChimeraError) -> String {
        try HostFile.readText(path, limit: maximumFileSize, what: "board file")
    }

    /// Finds a referenced file: relative to the referring file, then the search paths.
    func locate(_ reference: String, from file: String) -> String? {
        if reference.hasPrefix("/") { return FileManager.default.fileExists(atPath: reference) ? reference : nil }
        let dir = (file as NSString).deletingLastPathComponent
        let candidates = [dir.isEmpty ? reference : dir + "/" + reference] + searchPaths.map { $0 + "/" + reference }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}
