import ChimeraCore
import Yams

/// A YAML node with the file it came from, so every error can name
/// file:line:column and say what was expected.
struct YAMLNode {
    let node: Node
    let file: String

    var location: ErrorLocation {
        ErrorLocation(file: file, line: node.mark?.line, column: node.mark?.column)
    }

    func error(_ message: String) -> ChimeraError {
        ChimeraError(.generic, message, at: location)
    }

    /// Parses `text` (the contents of `file`); YAML syntax errors carry their position.
    static func parse(_ text: String, file: String) throws(ChimeraError) -> YAMLNode {
        do {
            guard let root = try Yams.compose(yaml: text) else {
                throw ChimeraError(.generic, "the file is empty", at: ErrorLocation(file: file, line: 1, column: 1))
            }
            try rejectAliases(root, file: file)
            return YAMLNode(node: root, file: file)
        } catch let error as ChimeraError {
            throw error
        } catch let error as YamlError {
            throw YAMLNode.convert(error, file: file)
        } catch {
            throw ChimeraError(.generic, "\(error)", at: ErrorLocation(file: file))
        }
    }

    /// Yams resolves `*alias` to the anchored node itself, so an alias
    /// bomb (`b: [*a, *a, …]` nested ten deep) composes cheaply and then
    /// expands to 10^8 objects. Without aliases no two nodes of one kind
    /// start at the same position, so a repeated (kind, line, column) is an
    /// alias. The walk stops at the first repeat, so it visits each node
    /// of the text at most once.
    private static func rejectAliases(_ root: Node, file: String) throws(ChimeraError) {
        struct Key: Hashable { var kind: UInt8; var line: Int; var column: Int }
        var seen = Set<Key>()
        var stack = [root]
        while let node = stack.popLast() {
            let kind: UInt8
            switch node {
            case .scalar: kind = 0
            case .mapping(let m): kind = 1; for (k, v) in m { stack.append(k); stack.append(v) }
            case .sequence(let s): kind = 2; stack.append(contentsOf: s)
            case .alias: kind = 3
            }
            guard let mark = node.mark else { continue }
            if kind == 3 || !seen.insert(Key(kind: kind, line: mark.line, column: mark.column)).inserted {
                throw ChimeraError(.generic, "YAML anchors and aliases (&name, *name) are not supported in board files; "
                                   + "use a component or a loop instead",
                                   at: ErrorLocation(file: file, line: mark.line, column: mark.column))
            }
        }
    }

    private static func convert(_ error: YamlError, file: String) -> ChimeraError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ChimeraError(.generic, "YAML syntax: \(problem)", at: ErrorLocation(file: file, line: mark.line, column: mark.column))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ChimeraError(.generic, "duplicate key(s) \(duplicates.joined(separator: ", "))",
                                at: ErrorLocation(file: file, line: context.mark.line, column: context.mark.column))
        default:
            return ChimeraError(.generic, "YAML: \(error)", at: ErrorLocation(file: file))
        }
    }

    /// The scalar text, or an error saying what was expected.
    func scalar(_ what: String) throws(ChimeraError) -> String {
        guard case .scalar(let s) = node else { throw error("expected \(what), found \(kind)") }
        return s.string
    }

    /// Key/value pairs in file order, or an error.
    func mapping(_ what: String) throws(ChimeraError) -> [(key: String, keyNode: YAMLNode, value: YAMLNode)] {
        guard case .mapping(let m) = node else { throw error("expected \(what) (a mapping of key: value), found \(kind)") }
        var out: [(String, YAMLNode, YAMLNode)] = []
        for (k, v) in m {
            let keyNode = YAMLNode(node: k, file: file)
            out.append((try keyNode.scalar("a key"), keyNode, YAMLNode(node: v, file: file)))
        }
        return out
    }

    /// Items of a sequence; a single non-sequence node is a one-element list.
    func items() -> [YAMLNode] {
        if case .sequence(let s) = node { return s.map { YAMLNode(node: $0, file: file) } }
        return [self]
    }

    var isMapping: Bool { if case .mapping = node { return true } else { return false } }

    var kind: String {
        switch node {
        case .scalar(let s):
            let text = s.string.count > 40 ? String(s.string.prefix(40)) + "…" : s.string
            return "the scalar '\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// Rejects keys outside `allowed`, suggesting the nearest valid one.
    func checkKeys(_ allowed: [String], in what: String) throws(ChimeraError) {
        for (key, keyNode, _) in try mapping(what) where !allowed.contains(key) {
            var message = "unknown key '\(key)' in \(what); expected one of: " + allowed.joined(separator: ", ")
            if let near = nearestName(to: key, in: allowed) { message += " (did you mean '\(near)'?)" }
            throw keyNode.error(message)
        }
    }

    /// The value of `key` in a mapping node.
    func value(_ key: String) -> YAMLNode? {
        guard case .mapping(let m) = node else { return nil }
        return m[key].map { YAMLNode(node: $0, file: file) }
    }

    /// A scalar as a JSON-like value: plain scalars stay strings (the
    /// property type parses them); lists and mappings recurse.
    func jsonValue(_ scope: Scope) throws(ChimeraError) -> Value {
        switch node {
        case .scalar(let s):
            do { return try Interpolation.expand(s.string, in: scope) } catch { throw self.error(error.message) }
        case .sequence(let seq):
            var out: [Value] = []
            for item in seq { out.append(try YAMLNode(node: item, file: file).jsonValue(scope)) }
            return .list(out)
        case .mapping:
            var out: [(String, Value)] = []
            for (k, _, v) in try mapping("a value") { out.append((k, try v.jsonValue(scope))) }
            return .dict(.init(out, uniquingKeysWith: { a, _ in a }))
        case .alias:
            throw error("YAML aliases are not supported in board files")
        }
    }

    /// A scalar with `${…}` expanded, as text.
    func text(_ scope: Scope, _ what: String) throws(ChimeraError) -> String {
        let raw = try scalar(what)
        do {
            let v = try Interpolation.expand(raw, in: scope)
            return v.string ?? v.jsonText
        } catch { throw self.error(error.message) }
    }

    /// A scalar integer (after `${…}`), accepting hex and size suffixes.
    func integer(_ scope: Scope, _ what: String) throws(ChimeraError) -> UInt64 {
        let t = try text(scope, what)
        do { return try ValueType.parseSize(t) } catch {
            throw self.error("expected \(what) (an integer such as 4096, 0x1000 or 64K), found '\(t)'")
        }
    }
}

import OrderedCollections
