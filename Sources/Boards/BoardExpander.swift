import ChimeraCore
import OrderedCollections
import Foundation

/// Turns a parsed board (and the components and includes it uses) into
/// construction commands. Paths in a file are relative to its scope root:
/// `/machine` for boards, the instance for components; `/…` is absolute.
struct BoardExpander {
    let loader: BoardLoader
    let registry: TypeRegistry

    /// Phases, so links, maps and wiring see every object.
    private var objects: [LocatedCommand] = []
    private var links: [LocatedCommand] = []
    private var maps: [LocatedCommand] = []
    private var irqs: [LocatedCommand] = []
    private var kernels: [LocatedCommand] = []
    private var overrides: [LocatedCommand] = []
    /// Type of every object created so far, by absolute path.
    private var types: [String: String] = [:]
    /// Includes and components currently being expanded, outermost first:
    /// a file that uses itself, directly or through others, is a cycle.
    private var nesting: [String] = []
    private let limits: ResourceLimits
    private var coreCount = 0

    /// Includes and components nest at most this deep.
    static let maximumNesting = 16
    /// Iterations of one `for:` loop.
    static let maximumLoopLength: UInt = 4096

    init(loader: BoardLoader, registry: TypeRegistry, limits: ResourceLimits = ResourceLimits()) {
        self.loader = loader
        self.registry = registry
        self.limits = limits
    }

    static let boardKeys = ["board", "summary", "parameters", "include", "objects", "irqs", "kernels", "set"]
    static let componentKeys = ["component", "summary", "parameters", "type", "props", "children", "map", "irqs", "kernel"]
    static let objectKeys = ["type", "use", "args", "props", "children", "for", "map", "irqs", "kernel"]

    mutating func expandBoard(_ root: YAMLNode, parameters given: [(String, String)]) throws(ChimeraError) -> ExpandedBoard {
        try root.checkKeys(BoardExpander.boardKeys, in: "a board file")
        guard let nameNode = root.value("board") else {
            throw root.error("a board file needs 'board: NAME' (component files use 'component:' and are used from boards)")
        }
        let name = try nameNode.scalar("a board name")
        let summary = try root.value("summary")?.scalar("a one-line summary") ?? ""
        let params = try parseParameters(root)
        var values = OrderedDictionary<String, Value>()
        for p in params { if let d = p.defaultValue { values[p.name] = d } }
        for (key, text) in given {
            guard let p = params.first(where: { $0.name == key }) else {
                var message = "board '\(name)' has no parameter '\(key)'"
                let names = params.map(\.name)
                if let near = nearestName(to: key, in: names) { message += "; did you mean '\(near)'?" }
                else { message += names.isEmpty ? "; it has no parameters" : "; parameters are: " + names.joined(separator: ", ") }
                throw ChimeraError(.generic, message, at: root.location)
            }
            do { values[key] = try p.type.parse(text) } catch {
                throw ChimeraError(.generic, "parameter '\(key)': \(error.message)", at: p.location)
            }
        }
        for p in params where values[p.name] == nil {
            throw ChimeraError(.generic, "parameter '\(p.name)' has no default; set it with -p \(p.name)=VALUE", at: p.location)
        }
        let scope = Scope(variables: values.map { ($0.key, $0.value) })
        try expandBody(root, scope: scope, scopeRoot: "/machine")
        return ExpandedBoard(name: name, summary: summary, file: root.file, parameters: params, values: values,
                             commands: objects + links + maps + irqs + kernels + overrides, limits: limits)
    }

    private func parseParameters(_ root: YAMLNode) throws(ChimeraError) -> [BoardParameter] {
        guard let node = root.value("parameters") else { return [] }
        var out: [BoardParameter] = []
        for (key, _, value) in try node.mapping("the parameters") { out.append(try BoardParameter(name: key, node: value)) }
        return out
    }

    /// Includes, objects, irqs, kernels and overrides of a board body.
    private mutating func expandBody(_ root: YAMLNode, scope: Scope, scopeRoot: String) throws(ChimeraError) {
        if let include = root.value("include") {
            for item in include.items() { try expandInclude(item, from: root.file, scopeRoot: scopeRoot) }
        }
        if let objectsNode = root.value("objects") {
            for (key, keyNode, spec) in try objectsNode.mapping("the objects") {
                try expandObject(key, keyNode: keyNode, spec: spec, parent: scopeRoot, scope: scope, scopeRoot: scopeRoot)
            }
        }
        if let irqNode = root.value("irqs") { try expandIRQList(irqNode, scope: scope, scopeRoot: scopeRoot, selfPath: scopeRoot) }
        if let kernelNode = root.value("kernels") {
            for (selector, keyNode, file) in try kernelNode.mapping("the kernels (core path: ELF file)") {
                try addKernel(selector: selector, keyNode: keyNode, file: file, scope: scope, scopeRoot: scopeRoot)
            }
        }
        if let setNode = root.value("set") {
            for (key, keyNode, value) in try setNode.mapping("the property overrides (path.property: value)") {
                guard let dot = key.lastIndex(of: "."), dot != key.startIndex else {
                    throw keyNode.error("an override key must be OBJECT.PROPERTY, e.g. arm/uart.output")
                }
                let path = absolute(String(key[..<dot]), in: scopeRoot)
                overrides.append(LocatedCommand(command: .propertySet(path: path, property: String(key[key.index(after: dot)...]),
                                                                       value: try value.jsonValue(scope)),
                                                location: value.location))
            }
        }
    }

    private mutating func expandInclude(_ item: YAMLNode, from file: String, scopeRoot: String) throws(ChimeraError) {
        var fileNode = item
        var args: [(String, String)] = []
        if item.isMapping {
            try item.checkKeys(["file", "args"], in: "an include")
            guard let f = item.value("file") else { throw item.error("an include needs 'file: PATH'") }
            fileNode = f
            if let a = item.value("args") {
                for (k, _, v) in try a.mapping("the include's args") { args.append((k, try v.text(Scope(), "an argument value"))) }
            }
        }
        let reference = try fileNode.scalar("an included file path")
        guard let path = loader.locate(reference, from: file) else { throw fileNode.error("included file '\(reference)' not found") }
        try enterFile(path, at: fileNode, what: "include")
        defer { nesting.removeLast() }
        let root = try YAMLNode.parse(try BoardLoader.read(path), file: path)
        try root.checkKeys(BoardExpander.boardKeys, in: "an included board file")
        let params = try parseParameters(root)
        var values: [(String, Value)] = []
        for p in params {
            if let given = args.first(where: { $0.0 == p.name }) {
                do { values.append((p.name, try p.type.parse(given.1))) } catch { throw fileNode.error("argument '\(p.name)': \(error.message)") }
            } else if let d = p.defaultValue {
                values.append((p.name, d))
            } else {
                throw fileNode.error("include of '\(reference)' must give its parameter '\(p.name)'")
            }
        }
        for (k, _) in args where !params.contains(where: { $0.name == k }) {
            throw fileNode.error("'\(reference)' has no parameter '\(k)'")
        }
        try expandBody(root, scope: Scope(variables: values), scopeRoot: scopeRoot)
    }

    /// One entry of `objects:` or `children:`, possibly a loop.
    private mutating func expandObject(_ key: String, keyNode: YAMLNode, spec: YAMLNode, parent: String,
                                       scope: Scope, scopeRoot: String) throws(ChimeraError) {
        try spec.checkKeys(BoardExpander.objectKeys, in: "object '\(key)'")
        if let forNode = spec.value("for") {
            let (variable, range) = try parseLoop(forNode, scope: scope)
            for i in range {
                let inner = scope.with(variable, .int(Int64(i)))
                try expandOne("\(key)[\(i)]", keyNode: keyNode, spec: spec, parent: parent, scope: inner, scopeRoot: scopeRoot)
            }
        } else {
            try expandOne(try keyNode.text(scope, "an object name"), keyNode: keyNode, spec: spec, parent: parent,
                          scope: scope, scopeRoot: scopeRoot)
        }
    }

    /// `i in 0..N` (N exclusive).
    private func parseLoop(_ node: YAMLNode, scope: Scope) throws(ChimeraError) -> (String, Range<Int>) {
        let text = try node.scalar("a loop such as 'i in 0..${cores}'")
        let parts = text.components(separatedBy: " in ")
        guard parts.count == 2, !parts[0].trimmingSpacesPublic.isEmpty,
              let dots = parts[1].range(of: "..") else {
            throw node.error("expected a loop such as 'i in 0..${cores}' (upper bound exclusive), found '\(text)'")
        }
        let variable = parts[0].trimmingSpacesPublic
        func bound(_ s: String) throws(ChimeraError) -> Int {
            let value: Value
            do { value = try Interpolation.expand(s.trimmingSpacesPublic, in: scope) } catch { throw node.error(error.message) }
            if let i = value.int64, let v = Int(exactly: i) { return v }
            guard let t = value.string, let v = Int(t) else {
                throw node.error("loop bound '\(s)' is not an integer (got '\(value.string ?? value.jsonText)')")
            }
            return v
        }
        let lo = try bound(String(parts[1][..<dots.lowerBound])), hi = try bound(String(parts[1][dots.upperBound...]))
        // `hi - lo` can overflow for far-apart bounds; the difference of two Ints always fits a UInt.
        guard lo <= hi, UInt(bitPattern: hi &- lo) <= BoardExpander.maximumLoopLength else {
            throw node.error("loop range \(lo)..\(hi) must be ascending and at most \(BoardExpander.maximumLoopLength) long")
        }
        return (variable, lo..<hi)
    }

    private mutating func expandOne(_ name: String, keyNode: YAMLNode, spec: YAMLNode, parent: String,
                                    scope: Scope, scopeRoot: String) throws(ChimeraError) {
        let path = parent + "/" + name
        guard types[path] == nil else { throw keyNode.error("an object '\(path)' is already declared") }
        var body = spec
        var bodyScope = scope
        var bodyRoot = scopeRoot
        var componentEntered = false
        defer { if componentEntered { nesting.removeLast() } }
        if let use = spec.value("use") {
            if spec.value("type") != nil { throw spec.error("give either 'type' or 'use' (a component), not both") }
            let reference = try use.text(scope, "a component file path")
            guard let file = loader.locate(reference, from: use.file) else {
                throw use.error("component '\(reference)' not found (looked next to \(use.file) and in \(loader.searchPaths.joined(separator: ", ")))")
            }
            try enterFile(file, at: use, what: "component")
            componentEntered = true
            let component = try YAMLNode.parse(try BoardLoader.read(file), file: file)
            try component.checkKeys(BoardExpander.componentKeys, in: "a component file")
            guard component.value("component") != nil else { throw component.error("a component file needs 'component: NAME'") }
            bodyScope = try componentScope(component, args: spec.value("args"), callerScope: scope, callerRoot: scopeRoot, use: use)
            bodyRoot = path
            body = component
        } else if spec.value("args") != nil {
            throw spec.value("args")!.error("'args' only goes with 'use: COMPONENT'")
        }
        guard let typeNode = body.value("type") else {
            throw (body.isMapping ? body : spec).error("object '\(name)' needs 'type: TYPE' (or 'use: COMPONENT')")
        }
        let typeName = try typeNode.text(bodyScope, "a type name")
        let type: ObjectType
        do { type = try registry.type(named: typeName) } catch { throw typeNode.error(error.message) }
        types[path] = type.name
        guard objects.count < limits.objects else {
            throw keyNode.error("the board expands to more than \(limits.objects) objects (raise the limit with --limit objects=N)")
        }
        if registry.isType(type, a: "cpu") {
            coreCount += 1
            guard coreCount <= limits.cores else {
                throw keyNode.error("the board has more than \(limits.cores) cores (raise the limit with --limit cores=N)")
            }
        }

        // A component's body comes first, the caller's spec on top of it;
        // each layer resolves names in its own scope and relative to its own root.
        var layers: [(node: YAMLNode, scope: Scope, root: String, childRoot: String)] = []
        if spec.value("use") != nil { layers.append((body, bodyScope, bodyRoot, bodyRoot)) }
        layers.append((spec, scope, scopeRoot, scopeRoot))

        var props = OrderedDictionary<String, Value>()
        var deferred: [LocatedCommand] = []
        let all = registry.allProperties(of: type)
        for layer in layers {
            guard let propsNode = layer.node.value("props") else { continue }
            for (key, keyNode, valueNode) in try propsNode.mapping("the properties of '\(name)'") {
                guard let d = all.first(where: { $0.name == key }) else {
                    var message = "\(type.name) has no property '\(key)'"
                    if let near = nearestName(to: key, in: all.map(\.name)) { message += "; did you mean '\(near)'?" }
                    else { message += "; properties are: " + all.map(\.name).joined(separator: ", ") }
                    throw keyNode.error(message)
                }
                var value = try valueNode.jsonValue(layer.scope)
                do {
                    // A number substituted into a string-typed property is its decimal text.
                    if case .string = d.type, let n = value.uint64 ?? value.int64.map({ UInt64(bitPattern: $0) }) {
                        value = .string(value.int64.map { String($0) } ?? String(n))
                    }
                    value = try d.type.coerce(value)
                } catch { throw valueNode.error("property '\(key)': \(error.message)") }
                if case .link = d.type, case .string(let target) = value {
                    deferred.append(LocatedCommand(command: .propertySet(path: path, property: key,
                                                                          value: .string(absolute(target, in: layer.root))),
                                                   location: valueNode.location))
                } else {
                    props[key] = value
                }
            }
        }
        objects.append(LocatedCommand(command: .objectAdd(type: type.name, path: path, properties: props), location: typeNode.location))
        links += deferred

        for layer in layers {
            if let children = layer.node.value("children") {
                for (key, childKey, childSpec) in try children.mapping("the children of '\(name)'") {
                    try expandObject(key, keyNode: childKey, spec: childSpec, parent: path, scope: layer.scope,
                                     scopeRoot: layer.childRoot)
                }
            }
            if let mapNode = layer.node.value("map") {
                for item in mapNode.items() { try expandMap(item, objectPath: path, type: type, scope: layer.scope, scopeRoot: layer.root) }
            }
            if let irqNode = layer.node.value("irqs") {
                if irqNode.isMapping {
                    for (pin, _, targets) in try irqNode.mapping("the interrupt outputs of '\(name)'") {
                        for target in targets.items() {
                            irqs.append(LocatedCommand(command: .connectIRQ(from: "\(path).\(pin)",
                                                                             to: try pinPath(target, scope: layer.scope, scopeRoot: layer.root)),
                                                       location: target.location))
                        }
                    }
                } else {
                    try expandIRQList(irqNode, scope: layer.scope, scopeRoot: layer.root, selfPath: path)
                }
            }
            if let kernel = layer.node.value("kernel") {
                guard registry.isType(type, a: "cpu") else { throw kernel.error("'kernel' is only valid on cores; \(type.name) is not a cpu") }
                kernels.append(LocatedCommand(command: .loadKernel(cpu: path, file: try kernelPath(kernel, scope: layer.scope)),
                                              location: kernel.location))
            }
        }
    }

    /// Records that `file` is being expanded; refuses cycles and nesting beyond `maximumNesting`.
    private mutating func enterFile(_ file: String, at node: YAMLNode, what: String) throws(ChimeraError) {
        let canonical = BoardExpander.canonicalPath(file)
        if let start = nesting.firstIndex(of: canonical) {
            let cycle = (nesting[start...] + [canonical]).map { ($0 as NSString).lastPathComponent }.joined(separator: " -> ")
            throw node.error("\(what) '\((file as NSString).lastPathComponent)' uses itself: \(cycle)")
        }
        guard nesting.count < BoardExpander.maximumNesting else {
            throw node.error("includes and components nest more than \(BoardExpander.maximumNesting) deep")
        }
        nesting.append(canonical)
    }

    static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Binds a component's parameters from `args` (paths and pins resolved in the caller's scope).
    private func componentScope(_ component: YAMLNode, args: YAMLNode?, callerScope: Scope, callerRoot: String,
                                use: YAMLNode) throws(ChimeraError) -> Scope {
        let params = try parseParameters(component)
        let given = try args?.mapping("the component's args") ?? []
        for (key, keyNode, _) in given where !params.contains(where: { $0.name == key }) {
            var message = "component has no parameter '\(key)'"
            if let near = nearestName(to: key, in: params.map(\.name)) { message += "; did you mean '\(near)'?" }
            else if !params.isEmpty { message += "; parameters are: " + params.map(\.name).joined(separator: ", ") }
            throw keyNode.error(message)
        }
        var scope = Scope()
        for p in params {
            if let (_, _, valueNode) = given.first(where: { $0.key == p.name }) {
                let text = try valueNode.text(callerScope, "a value for '\(p.name)'")
                switch p.kind {
                case "path": scope.variables.append((p.name, .string(absolute(text, in: callerRoot))))
                case "pin": scope.variables.append((p.name, .string(try absolutePin(text, in: callerRoot, node: valueNode))))
                default:
                    do { scope.variables.append((p.name, try p.type.parse(text))) } catch {
                        throw valueNode.error("argument '\(p.name)': \(error.message)")
                    }
                }
            } else if let d = p.defaultValue {
                scope.variables.append((p.name, d))
            } else {
                throw use.error("component parameter '\(p.name)' (\(p.doc)) must be given in args")
            }
        }
        return scope
    }

    private mutating func expandMap(_ node: YAMLNode, objectPath: String, type: ObjectType, scope: Scope,
                                    scopeRoot: String) throws(ChimeraError) {
        try node.checkKeys(["into", "address", "region", "space", "priority", "offset", "size"], in: "a map entry")
        guard let into = node.value("into"), let addressNode = node.value("address") else {
            throw node.error("a map entry needs 'into: CLUSTER' and 'address: N'")
        }
        let regions = registry.allRegions(of: type).map(\.name)
        let region = try node.value("region")?.text(scope, "a region name") ?? regions.first ?? ""
        guard regions.contains(region) else {
            throw (node.value("region") ?? node).error(regions.isEmpty ? "\(type.name) has no memory regions to map"
                : "\(type.name) has no region '\(region)'; regions are: " + regions.joined(separator: ", "))
        }
        let space = try node.value("space")?.text(scope, "memory or io") ?? "memory"
        guard space == "memory" || space == "io" else { throw node.value("space")!.error("space must be memory or io, not '\(space)'") }
        var priority = 0
        if let p = node.value("priority") {
            let t = try p.text(scope, "a priority")
            guard let v = Int(t) else { throw p.error("priority must be an integer, found '\(t)'") }
            priority = v
        }
        let mapping = RegionMapping(space: space, objectPath: objectPath, region: region,
                                    address: try addressNode.integer(scope, "an address"), priority: priority,
                                    offset: try node.value("offset")?.integer(scope, "an offset"),
                                    size: try node.value("size")?.integer(scope, "a size"))
        maps.append(LocatedCommand(command: .mapRegion(cluster: absolute(try into.text(scope, "a cluster path"), in: scopeRoot),
                                                       mapping: mapping),
                                   location: node.location))
    }

    /// `a.irq -> b.in[3]`, `a.irq -> b.in[0], c.in[1]`, or `{from: …, to: [...]}`.
    /// `.pin` names a pin of `selfPath` (the object the list belongs to).
    private mutating func expandIRQList(_ node: YAMLNode, scope: Scope, scopeRoot: String,
                                        selfPath: String) throws(ChimeraError) {
        for item in node.items() {
            var from: String
            var targets: [(String, YAMLNode)] = []
            if item.isMapping {
                try item.checkKeys(["from", "to"], in: "an interrupt connection")
                guard let f = item.value("from"), let t = item.value("to") else { throw item.error("an interrupt connection needs from: and to:") }
                from = try f.text(scope, "an output pin")
                for target in t.items() { targets.append((try target.text(scope, "an input pin"), target)) }
            } else {
                let text = try item.text(scope, "a connection such as 'uart.irq -> gic.spi[1]'")
                let parts = text.components(separatedBy: "->")
                guard parts.count == 2 else { throw item.error("expected 'OUTPUT -> INPUT[, INPUT…]', e.g. 'uart.irq -> gic.spi[1]', found '\(text)'") }
                from = parts[0].trimmingSpacesPublic
                for t in parts[1].split(separator: ",") { targets.append((String(t).trimmingSpacesPublic, item)) }
            }
            from = try absolutePin(from, in: scopeRoot, node: item, selfPath: selfPath)
            for (t, n) in targets {
                irqs.append(LocatedCommand(command: .connectIRQ(from: from, to: try absolutePin(t, in: scopeRoot, node: n, selfPath: selfPath)),
                                           location: n.location))
            }
        }
    }

    private func pinPath(_ node: YAMLNode, scope: Scope, scopeRoot: String) throws(ChimeraError) -> String {
        try absolutePin(try node.text(scope, "an input pin such as gic.spi[1]"), in: scopeRoot, node: node)
    }

    private mutating func addKernel(selector: String, keyNode: YAMLNode, file: YAMLNode, scope: Scope,
                                    scopeRoot: String) throws(ChimeraError) {
        let path = absolute(selector, in: scopeRoot)
        let cpus = types.filter { $0.key == path || $0.key.hasPrefix(path + "/") }
            .filter { registry.contains($0.value) && (try? registry.type(named: $0.value)).map { registry.isType($0, a: "cpu") } == true }
            .map(\.key).sorted { a, b in objectsOrder(a) < objectsOrder(b) }
        guard !cpus.isEmpty else { throw keyNode.error("'\(selector)' names no core (or cluster with cores) of this board") }
        let elf = try kernelPath(file, scope: scope)
        for cpu in cpus { kernels.append(LocatedCommand(command: .loadKernel(cpu: cpu, file: elf), location: file.location)) }
    }

    /// Position of an object in creation order (for deterministic selector expansion).
    private func objectsOrder(_ path: String) -> Int {
        objects.firstIndex { if case .objectAdd(_, let p, _) = $0.command { return p == path } else { return false } } ?? .max
    }

    private func kernelPath(_ node: YAMLNode, scope: Scope) throws(ChimeraError) -> String {
        let text = try node.text(scope, "an ELF file path")
        if text.hasPrefix("/") { return text }
        let dir = (node.file as NSString).deletingLastPathComponent
        return dir.isEmpty ? text : dir + "/" + text
    }

    /// `x/y` in scope `/machine/a` is `/machine/a/x/y`; `.` is the scope root.
    func absolute(_ path: String, in scopeRoot: String) -> String {
        if path.hasPrefix("/") { return path }
        if path == "." || path.isEmpty { return scopeRoot }
        let trimmed = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return scopeRoot + "/" + trimmed
    }

    /// Pins: `gic.spi[3]` → `/machine/arm/gic.spi[3]`; `.irq` is a pin of `selfPath`.
    func absolutePin(_ pin: String, in scopeRoot: String, node: YAMLNode, selfPath: String? = nil) throws(ChimeraError) -> String {
        guard let dot = pin.lastIndex(of: ".") else {
            throw node.error("expected a pin OBJECT.PIN such as uart.irq or gic.spi[1], found '\(pin)'")
        }
        if dot == pin.startIndex { return (selfPath ?? scopeRoot) + pin }
        return absolute(String(pin[..<dot]), in: scopeRoot) + pin[dot...]
    }
}

