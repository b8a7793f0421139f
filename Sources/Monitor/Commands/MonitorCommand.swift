import ChimeraCore

/// One monitor command as data: name, documentation and argument schema.
///
/// The table `MonitorCommand.all` is read by the dispatcher (argument
/// checking), `query-commands`, `query-qmp-schema` and the documentation
/// test, so a command cannot exist in one of them and not the others.
/// The machine-construction commands reuse `MachineCommand.schemas`:
/// board files, `chimera board export` and the monitor share one schema.
public struct MonitorCommand: Hashable, Sendable {
    /// When a command may run relative to `x-exit-preconfig`.
    public enum Availability: String, Hashable, Sendable {
        /// Before and after the machine is realized.
        case always
        /// Only while the machine waits in preconfig (`prelaunch`).
        case prelaunch
        /// Only once the machine has been realized and a run exists.
        case launched
    }

    /// The QMP command name.
    public var name: String
    /// One-sentence documentation.
    public var doc: String
    /// Named arguments in documentation order.
    public var arguments: [StructField]
    /// `object-add` and `device_add` take the new object's properties as extra arguments.
    public var allowsExtraArguments: Bool
    /// The QAPI-style name of what the command returns, for `query-qmp-schema`.
    public var returns: String
    /// Before or after `x-exit-preconfig`, or both.
    public var availability: Availability
    /// `false` for construction commands, whose parser (`MachineCommand`)
    /// checks argument types itself and accepts keyval strings for numbers.
    public var checksArgumentTypes: Bool

    /// A command table entry.
    public init(_ name: String, doc: String, arguments: [StructField] = [], allowsExtraArguments: Bool = false,
                returns: String = "{}", availability: Availability = .always, checksArgumentTypes: Bool = true) {
        self.name = name
        self.doc = doc
        self.arguments = arguments
        self.allowsExtraArguments = allowsExtraArguments
        self.returns = returns
        self.availability = availability
        self.checksArgumentTypes = checksArgumentTypes
    }

    /// A construction command from the shared schema.
    init(construction schema: CommandSchema) {
        self.init(schema.name, doc: schema.doc, arguments: schema.arguments,
                  allowsExtraArguments: schema.allowsExtraArguments, returns: schema.returns,
                  checksArgumentTypes: false)
    }

    /// The command called `name`, if the monitor has one.
    public static func named(_ name: String) -> MonitorCommand? {
        all.first { $0.name == name }
    }

    /// Every command the monitor accepts, in documentation order.
    public static let all: [MonitorCommand] = control + qom + construction + memory + human

    static let control: [MonitorCommand] = [
        MonitorCommand("qmp_capabilities", doc: "Leave capabilities negotiation mode; must be the first command.",
                       arguments: [StructField("enable", .list(.enumeration(["oob"])), optional: true,
                                               doc: "Capabilities to enable; none are offered")]),
        MonitorCommand("query-status", doc: "The run state: prelaunch, running, paused, shutdown or guest-panicked.",
                       returns: "StatusInfo"),
        MonitorCommand("query-version", doc: "The Chimera version in QEMU's VersionInfo shape.", returns: "VersionInfo"),
        MonitorCommand("query-commands", doc: "The names of every command.", returns: "[CommandInfo]"),
        MonitorCommand("query-qmp-schema",
                       doc: "Every command with its arguments, and every registered type with its properties.",
                       returns: "[SchemaInfo]"),
        MonitorCommand("query-cpus-fast", doc: "Every core: index, path, architecture and cluster.",
                       returns: "[CpuInfoFast]"),
        MonitorCommand("stop", doc: "Pause the run at the next quantum boundary (emits STOP). Before "
                       + "x-exit-preconfig: start paused once the machine is realized."),
        MonitorCommand("cont", doc: "Resume a paused run (emits RESUME).", availability: .launched),
        MonitorCommand("system_reset", doc: "Reset every core to its boot state and forget an exit request (emits RESET).",
                       availability: .launched),
        MonitorCommand("quit", doc: "End the run and close the monitor (emits SHUTDOWN)."),
        MonitorCommand("x-exit-preconfig", doc: "Realize the machine built so far and start running it.",
                       availability: .prelaunch),
    ]

    static let qom: [MonitorCommand] = [
        MonitorCommand("qom-list", doc: "Properties and children of an object.",
                       arguments: [StructField("path", .string, doc: "Object path, absolute or partial")],
                       returns: "[ObjectPropertyInfo]"),
        MonitorCommand("qom-get", doc: "The value of one property (a child's path for child properties).",
                       arguments: [StructField("path", .string, doc: "Object path"),
                                   StructField("property", .string, doc: "Property name")],
                       returns: "any"),
        MonitorCommand("qom-list-types", doc: "Registered types, optionally only those implementing a type.",
                       arguments: [StructField("implements", .string, optional: true, doc: "Ancestor type or interface"),
                                   StructField("abstract", .bool, optional: true, doc: "Include abstract types")],
                       returns: "[ObjectTypeInfo]"),
        MonitorCommand("qom-list-properties", doc: "The properties a type declares, with defaults and access.",
                       arguments: [StructField("typename", .string, doc: "Type name")],
                       returns: "[ObjectPropertyInfo]"),
        MonitorCommand("device-list-properties", doc: "The properties of a concrete device type.",
                       arguments: [StructField("typename", .string, doc: "Device type name")],
                       returns: "[ObjectPropertyInfo]"),
        MonitorCommand("object-del", doc: "Delete an object and its subtree (after realize: user-creatable types only).",
                       arguments: [StructField("id", .string, doc: "Object path")]),
        MonitorCommand("device_add", doc: "Create a device: QEMU's form of object-add. Extra arguments are properties.",
                       arguments: [StructField("driver", .string, doc: "Device type name"),
                                   StructField("id", .string, doc: "Path of the new device, e.g. /machine/a/uart1")],
                       allowsExtraArguments: true),
        MonitorCommand("device_del", doc: "Delete a device (after realize: user-creatable types only); emits DEVICE_DELETED.",
                       arguments: [StructField("id", .string, doc: "Device path")]),
    ]

    /// `object-add`, `qom-set`, `map-region`, `connect-irq`, `load-kernel`, `realize`.
    static let construction: [MonitorCommand] = MachineCommand.schemas.map(MonitorCommand.init(construction:))

    static let memory: [MonitorCommand] = [
        MonitorCommand("memsave", doc: "Save guest memory as a core sees it (virtual = physical here) to a host file.",
                       arguments: [StructField("val", .int(.uint64), doc: "Start address"),
                                   StructField("size", .int(.uint64), doc: "Byte count"),
                                   StructField("filename", .string, doc: "Host file to write"),
                                   StructField("cpu-index", .int(.int64), optional: true, doc: "Core (default 0)")]),
        MonitorCommand("gdbserver", doc: "Start the GDB stub on the running machine, as QEMU's gdbserver does: "
                           + "every cluster a process, every core a thread (Documentation/Debugging.md). Returns the "
                           + "endpoint as bound.",
                       arguments: [StructField("device", .string, optional: true,
                                               doc: "tcp:[HOST]:PORT to listen on (default tcp::1234; port 0 picks one)")]),
        MonitorCommand("pmemsave", doc: "Save a cluster's physical memory to a host file.",
                       arguments: [StructField("val", .int(.uint64), doc: "Start address"),
                                   StructField("size", .int(.uint64), doc: "Byte count"),
                                   StructField("filename", .string, doc: "Host file to write"),
                                   StructField("cluster", .string, optional: true,
                                               doc: "Cluster path (default: the first cluster)")]),
    ]

    static let human: [MonitorCommand] = [
        MonitorCommand("human-monitor-command",
                       doc: "Run a human monitor command: info qom-tree, info qtree, info mtree, info registers [-a], "
                           + "info cpus, help.",
                       arguments: [StructField("command-line", .string, doc: "The command, e.g. 'info mtree'"),
                                   StructField("cpu-index", .int(.int64), optional: true,
                                               doc: "Core for 'info registers' (default 0)")],
                       returns: "str"),
    ]
}
