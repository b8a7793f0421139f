extension SimObject {
    /// Realizes this object and everything it needs: its subtree, its link
    /// targets and declared dependencies, in an order derived from that
    /// graph (dependencies first, ties in tree order). If any object fails,
    /// those realized by this call are unrealized again in reverse order and
    /// the error names the failing object.
    public func realizeTree() throws(ChimeraError) {
        let order = try realizeOrder()
        var done: [SimObject] = []
        for object in order where object.state != .realized {
            do {
                try object.configure()
                try object.realize()
                object.state = .realized
                done.append(object)
            } catch {
                object.state = .configured
                for realized in done.reversed() {
                    realized.unrealize()
                    realized.state = .unrealized
                }
                var location = error.location ?? ErrorLocation()
                if location.objectPath == nil { location.objectPath = object.path }
                throw ChimeraError(error.errorClass, "realize failed: \(error.message)", at: location)
            }
        }
    }

    /// Unrealizes this subtree, dependants before what they depend on.
    public func unrealizeTree() {
        for object in ((try? realizeOrder()) ?? subtree.reversed()).reversed()
            where object.state == .realized && object.isDescendant(of: self) {
            object.unrealize()
            object.forgetExportedRegions()
            object.state = .unrealized
        }
    }

    /// Checks required properties and link targets: created → configured.
    func configure() throws(ChimeraError) {
        guard state != .destroyed else { throw .object(path, "object was destroyed") }
        for d in propertyDescriptors where d.required && d.alias == nil && values[d.name] == nil {
            throw ChimeraError.object(path, "required property '\(d.name)' is not set")
        }
        for d in propertyDescriptors {
            if case .link = d.type, values[d.name] != nil, linkTargets[d.name]?.object == nil {
                throw ChimeraError.object(path, "link '\(d.name)' points at an object that no longer exists")
            }
        }
        if state == .created { state = .configured }
    }

    /// Post-order over the dependency graph rooted at this object.
    func realizeOrder() throws(ChimeraError) -> [SimObject] {
        var order: [SimObject] = []
        var visiting: [ObjectIdentifier] = []
        var visited: Set<ObjectIdentifier> = []  // membership only; never iterated
        func visit(_ object: SimObject, via trail: [String]) throws(ChimeraError) {
            let id = ObjectIdentifier(object)
            if visited.contains(id) { return }
            if visiting.contains(id) {
                throw ChimeraError.object(object.path,
                    "dependency cycle: " + (trail + [object.path]).joined(separator: " -> "))
            }
            visiting.append(id)
            for child in object.children { try visit(child, via: trail + [object.path]) }
            for (_, target) in object.links where target.state != .realized {
                try visit(target, via: trail + [object.path])
            }
            for dependency in object.realizeDependencies where dependency.state != .realized {
                try visit(dependency, via: trail + [object.path])
            }
            visiting.removeLast()
            visited.insert(id)
            order.append(object)
        }
        try visit(self, via: [])
        return order
    }

    /// Is `ancestor` this object or one of its ancestors?
    public func isDescendant(of ancestor: SimObject) -> Bool {
        var node: SimObject? = self
        while let n = node {
            if n === ancestor { return true }
            node = n.parent
        }
        return false
    }

    /// Unrealizes and removes this object and its subtree. Refused while
    /// another object outside the subtree links to something in it.
    public func destroy() throws(ChimeraError) {
        guard parent != nil else { throw .object(path, "the machine root cannot be destroyed") }
        for other in root.subtree where !other.isDescendant(of: self) {
            for (property, target) in other.links where target.isDescendant(of: self) {
                throw ChimeraError.object(path, "in use: \(other.path).\(property) links to \(target.path)")
            }
        }
        unrealizeTree()
        detach()
    }
}
