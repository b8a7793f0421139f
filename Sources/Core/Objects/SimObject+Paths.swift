extension SimObject {
    /// Resolves an absolute path (`/machine/arm/cpu[0]`), a path relative to
    /// the root without leading slash when unambiguous, or a partial path
    /// (`cpu[0]`, `arm/cpu[0]`) that must match exactly one object whose
    /// path ends with it. Dots between names are accepted as separators
    /// (`arm.cpu[0]`), as on the command line.
    public func resolve(_ rawPath: String) throws(ChimeraError) -> SimObject {
        let text = rawPath.trimmingSpaces
        guard !text.isEmpty else { throw ChimeraError(.deviceNotFound, "empty object path") }
        let root = self.root
        if text.hasPrefix("/") {
            let parts = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            guard let first = parts.first, first == root.name else {
                throw ChimeraError(.deviceNotFound, "no object at '\(text)': absolute paths start with /\(root.name)")
            }
            var node = root
            for (i, part) in parts.dropFirst().enumerated() {
                guard let next = node.child(named: part) else {
                    var message = "no object at '\(text)': \(node.path) has no child '\(part)'"
                    if let near = nearestName(to: part, in: node.children.map(\.name)) {
                        message += "; did you mean '\(near)'?"
                    } else if i == parts.count - 2, !node.children.isEmpty {
                        message += "; children are: " + node.children.map(\.name).joined(separator: ", ")
                    }
                    throw ChimeraError(.deviceNotFound, message)
                }
                node = next
            }
            return node
        }
        let components = SimObject.splitPartialPath(text)
        let matches = root.subtree.filter { $0.pathEnds(with: components) }
        switch matches.count {
        case 1: return matches[0]
        case 0:
            throw ChimeraError(.deviceNotFound, "no object matches '\(text)'")
        default:
            throw ChimeraError(.deviceNotFound,
                "path '\(text)' is ambiguous: it matches " + matches.map(\.path).joined(separator: ", "))
        }
    }

    /// Splits `arm/cpu[0]` or `arm.cpu[0]` into names.
    static func splitPartialPath(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "/" || $0 == "." }).map(String.init)
    }

    /// Does the path end with these names?
    func pathEnds(with components: [String]) -> Bool {
        var node: SimObject? = self
        for name in components.reversed() {
            guard let n = node, n.name == name else { return false }
            node = n.parent
        }
        return true
    }

    /// Every object of the tree (under this root) whose type is or implements `typeName`, in tree order.
    public func objects(ofType typeName: String) -> [SimObject] {
        subtree.filter { $0.isA(typeName) }
    }
}
