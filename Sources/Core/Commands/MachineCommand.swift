import OrderedCollections

/// One machine-construction step. Board files expand into a list of these,
/// `chimera board export` prints them as QMP commands, and the monitor
/// executes the same commands: one schema, three transports.
public enum MachineCommand: Hashable, Sendable {
    /// `object-add`: create an object of `type` at `path` (its parent must exist) with properties.
    case objectAdd(type: String, path: String, properties: OrderedDictionary<String, Value>)
    /// `qom-set`: set one property.
    case propertySet(path: String, property: String, value: Value)
    /// `map-region`: map a device region into a cluster's memory or I/O space.
    case mapRegion(cluster: String, mapping: RegionMapping)
    /// `connect-irq`: wire an output pin to an input pin.
    case connectIRQ(from: String, to: String)
    /// `load-kernel`: load a kernel (ELF, or arm64 Linux Image with its boot
    /// options) into a core (at realize, or now if realized).
    case loadKernel(cpu: String, file: String, boot: KernelBootOptions = KernelBootOptions())
    /// `realize`: realize the object at `path` (the whole machine if nil).
    case realize(path: String?)

    /// The QMP command name.
    public var name: String {
        switch self {
        case .objectAdd: return "object-add"
        case .propertySet: return "qom-set"
        case .mapRegion: return "map-region"
        case .connectIRQ: return "connect-irq"
        case .loadKernel: return "load-kernel"
        case .realize: return "realize"
        }
    }

    /// The QMP `arguments` object.
    public var arguments: Value {
        switch self {
        case .objectAdd(let type, let path, let properties):
            var args: OrderedDictionary<String, Value> = ["qom-type": .string(type), "id": .string(path)]
            for (k, v) in properties { args[k] = v }
            return .dict(args)
        case .propertySet(let path, let property, let value):
            return ["path": .string(path), "property": .string(property), "value": value]
        case .mapRegion(let cluster, let m):
            var args: OrderedDictionary<String, Value> = [
                "cluster": .string(cluster), "region": .string("\(m.objectPath).\(m.region)"),
                "address": .uint(m.address),
            ]
            if m.space != "memory" { args["space"] = .string(m.space) }
            if m.priority != 0 { args["priority"] = .int(Int64(m.priority)) }
            if let o = m.offset { args["offset"] = .uint(o) }
            if let s = m.size { args["size"] = .uint(s) }
            return .dict(args)
        case .connectIRQ(let from, let to):
            return ["from": .string(from), "to": .string(to)]
        case .loadKernel(let cpu, let file, let boot):
            var args: OrderedDictionary<String, Value> = ["cpu": .string(cpu), "file": .string(file)]
            for (key, value) in boot.fields where !value.isEmpty { args[key] = .string(value) }
            return .dict(args)
        case .realize(let path):
            return path.map { ["path": .string($0)] } ?? [:]
        }
    }

    /// The command as one QMP request line.
    public var qmpText: String {
        Value.dict(["execute": .string(name), "arguments": arguments]).jsonText
    }

    /// Parses a QMP command with its arguments; `nil` if `name` is not a construction command.
    public init?(name: String, arguments: Value) throws(ChimeraError) {
        let args = arguments.dict ?? [:]
        func string(_ key: String) throws(ChimeraError) -> String {
            guard let v = args[key] else { throw ChimeraError(.generic, "\(name): missing argument '\(key)'") }
            guard let s = v.string else { throw ChimeraError(.generic, "\(name): argument '\(key)' must be a string, not \(v.kindName)") }
            return s
        }
        func integer(_ key: String) throws(ChimeraError) -> UInt64? {
            guard let v = args[key] else { return nil }
            if let u = v.uint64 { return u }
            if case .string(let s) = v, let parsed = ValueType.parseInteger(s)?.uint64 { return parsed }
            throw ChimeraError(.generic, "\(name): argument '\(key)' must be a non-negative integer, not \(v.jsonText)")
        }
        switch name {
        case "object-add":
            let type = try string("qom-type"), path = try string("id")
            var props = args
            props.removeValue(forKey: "qom-type")
            props.removeValue(forKey: "id")
            if let nested = props.removeValue(forKey: "props") {
                guard let d = nested.dict else { throw ChimeraError(.generic, "object-add: 'props' must be an object") }
                for (k, v) in d { props[k] = v }
            }
            self = .objectAdd(type: type, path: path, properties: props)
        case "qom-set":
            guard let value = args["value"] else { throw ChimeraError(.generic, "qom-set: missing argument 'value'") }
            self = .propertySet(path: try string("path"), property: try string("property"), value: value)
        case "map-region":
            let region = try string("region")
            guard let dot = region.lastIndex(of: "."), dot != region.startIndex else {
                throw ChimeraError(.generic, "map-region: region must be OBJECT.REGION, e.g. uart0.mmio")
            }
            guard let address = try integer("address") else { throw ChimeraError(.generic, "map-region: missing argument 'address'") }
            var priority = 0
            if let p = args["priority"] {
                guard let i = p.int64, abs(i) < 1 << 31 else { throw ChimeraError(.generic, "map-region: priority must be an integer") }
                priority = Int(i)
            }
            let space = args["space"]?.string ?? "memory"
            self = .mapRegion(cluster: try string("cluster"), mapping: RegionMapping(
                space: space, objectPath: String(region[..<dot]), region: String(region[region.index(after: dot)...]),
                address: address, priority: priority, offset: try integer("offset"), size: try integer("size")))
        case "connect-irq":
            self = .connectIRQ(from: try string("from"), to: try string("to"))
        case "load-kernel":
            func optional(_ key: String) throws(ChimeraError) -> String { args[key] == nil ? "" : try string(key) }
            self = .loadKernel(cpu: try string("cpu"), file: try string("file"),
                               boot: KernelBootOptions(initrd: try optional("initrd"), append: try optional("append"),
                                                       dtb: try optional("dtb"), kaslrSeed: try optional("kaslr-seed")))
        case "realize":
            self = .realize(path: args["path"]?.string)
        default:
            return nil
        }
    }

    /// Schemas of the construction commands, for `query-qmp-schema` and docs.
    public static let schemas: [CommandSchema] = [
        CommandSchema("object-add", doc: "Create an object; its parent must exist. Extra arguments are properties.",
                      arguments: [StructField("qom-type", .string, doc: "Type name"),
                                  StructField("id", .string, doc: "Path of the new object, e.g. /machine/arm/uart0")],
                      allowsExtraArguments: true),
        CommandSchema("qom-set", doc: "Set a property (configuration properties only before realize).",
                      arguments: [StructField("path", .string, doc: "Object path"), StructField("property", .string, doc: "Property"),
                                  StructField("value", .string, doc: "Value (JSON of the property's type)")]),
        CommandSchema("map-region", doc: "Map OBJECT.REGION into a cluster's address space (an alias window with offset/size).",
                      arguments: [StructField("cluster", .link("cluster"), doc: "Cluster path"),
                                  StructField("region", .string, doc: "OBJECT.REGION, e.g. uart0.mmio"),
                                  StructField("address", .int(.uint64), doc: "Base address"),
                                  StructField("space", .enumeration(["memory", "io"]), optional: true, doc: "Address space (default memory)"),
                                  StructField("priority", .int(.int32), optional: true, doc: "Higher covers lower (default 0)"),
                                  StructField("offset", .size, optional: true, doc: "Window start inside the region"),
                                  StructField("size", .size, optional: true, doc: "Window size")]),
        CommandSchema("connect-irq", doc: "Connect an output pin to an input pin (OBJECT.PIN[N]).",
                      arguments: [StructField("from", .string, doc: "Output pin, e.g. uart0.irq"),
                                  StructField("to", .string, doc: "Input pin, e.g. gic.spi[1]")]),
        CommandSchema("load-kernel", doc: "Load a kernel (ELF, or arm64 Linux Image) into a core (now if realized, else at realize).",
                      arguments: [StructField("cpu", .link("cpu"), doc: "Core path"),
                                  StructField("file", .string, doc: "ELF file, or arm64 Image (gzip'd or not)"),
                                  StructField("initrd", .string, optional: true, doc: "Linux initrd file (Image kernels only)"),
                                  StructField("append", .string, optional: true, doc: "Linux command line (Image kernels only)"),
                                  StructField("dtb", .string, optional: true,
                                              doc: "Device tree file used instead of the generated one (Image kernels only)"),
                                  StructField("kaslr-seed", .string, optional: true,
                                              doc: "/chosen/kaslr-seed, an integer (Image kernels only): KASLR and KPTI on")]),
        CommandSchema("realize", doc: "Realize an object and what it needs (the whole machine without path).",
                      arguments: [StructField("path", .string, optional: true, doc: "Object path")]),
    ]
}

/// The argument schema of one command.
public struct CommandSchema: Hashable, Sendable {
    public var name: String
    public var doc: String
    public var arguments: [StructField]
    /// `object-add` and `device_add` take the new object's properties as extra arguments.
    public var allowsExtraArguments: Bool
    public var returns: String

    public init(_ name: String, doc: String, arguments: [StructField] = [], allowsExtraArguments: Bool = false,
                returns: String = "{}") {
        self.name = name
        self.doc = doc
        self.arguments = arguments
        self.allowsExtraArguments = allowsExtraArguments
        self.returns = returns
    }
}

/// What a Linux kernel gets besides its Image: the `--initrd`, `--append`
/// and `--dtb` of one core's kernel (empty strings: not given).
public struct KernelBootOptions: Hashable, Sendable {
    /// initrd file.
    public var initrd: String
    /// Kernel command line.
    public var append: String
    /// Device tree file used instead of the generated one.
    public var dtb: String
    /// `/chosen/kaslr-seed` as an integer in text (decimal or 0x hex), what a
    /// boot loader's entropy would give: KASLR, and with it KPTI. Empty: none.
    public var kaslrSeed: String

    public init(initrd: String = "", append: String = "", dtb: String = "", kaslrSeed: String = "") {
        self.initrd = initrd
        self.append = append
        self.dtb = dtb
        self.kaslrSeed = kaslrSeed
    }

    /// Whether any option is given.
    public var isEmpty: Bool { fields.allSatisfy { $0.value.isEmpty } }

    /// The options under their command-line, QMP and `loader` property names, in that order.
    public var fields: [(name: String, value: String)] {
        [("initrd", initrd), ("append", append), ("dtb", dtb), ("kaslr-seed", kaslrSeed)]
    }
}
