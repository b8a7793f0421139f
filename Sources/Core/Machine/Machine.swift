/// The root of a composition tree: owns the type registry, the clock and
/// every cluster, core and device below it. Nothing about a machine is
/// global, so many machines can live in one process.
public final class Machine: SimObject {
    /// The virtual clock and event queue of this machine.
    public let clock = Clock()
    /// Bytes sent by every UART of the machine.
    public let serial = SerialLog()
    /// Data watchpoints a debugger set (CPUDevice+Debug.swift).
    public let watchpoints = MemoryWatchpoints()
    /// Set when the guest or a device asked the simulation to end.
    public private(set) var exitRequest: (code: Int32, reason: String)?
    /// Interrupt wiring in the order it was made, for graphs and exports.
    public private(set) var irqConnections: [(from: IRQOutput, to: IRQInput)] = []
    /// What this machine's inputs may make the host spend (cores, file sizes).
    public var limits = ResourceLimits()
    /// Where each object was declared (board file positions, by path), so
    /// realize-time errors can name file:line:column as construction errors do.
    public var declarations: [String: ErrorLocation] = [:]

    /// Creates an empty machine named `name` using the types of `registry`.
    public convenience init(registry: TypeRegistry, name: String = "machine", type typeName: String = "machine") throws(ChimeraError) {
        let type = try registry.type(named: typeName)
        guard registry.isType(type, a: "machine") else {
            throw ChimeraError(.generic, "type '\(typeName)' is not a machine type")
        }
        try SimObject.validateName(name)
        self.init(ObjectCreation(type: type, name: name, parent: nil, registry: registry))
    }

    static let type = ObjectType(
        "machine", parent: "object", userCreatable: false,
        summary: "Root of a simulated system: owns clusters, devices, the clock and the event queue",
        properties: [
            PropertyDescriptor("quantum", .time, default: .uint(VirtualTime.microseconds(10).picoseconds),
                               access: .runtime,
                               doc: "Scheduler quantum: how far each core runs before the others catch up (1ns to 1s)"),
        ],
        instanceClass: Machine.self)

    /// Every core of the machine in composition-tree order (the scheduling order).
    public var cpus: [CPUDevice] { subtree.compactMap { $0 as? CPUDevice } }

    /// Every cluster in tree order.
    public var clusters: [Cluster] { subtree.compactMap { $0 as? Cluster } }

    /// Connects an output pin to an input pin, both named like `uart0.irq`
    /// and `gic.spi[1]` (paths may be partial).
    public func connect(_ from: String, to: String) throws(ChimeraError) {
        let source = try PinReference(parsing: from)
        let sink = try PinReference(parsing: to)
        let output = try resolve(source.objectPath).output(source.group, source.index)
        let input = try resolve(sink.objectPath).input(sink.group, sink.index)
        output.connect(to: input)
        irqConnections.append((output, input))
    }

    /// Diagnostics such as accesses to unmodelled registers, each reported once.
    public private(set) var warnings: [String] = []
    /// Called for each new warning (the CLI prints them to stderr).
    public var warningObserver: ((String) -> Void)?

    /// Reports something the simulation does not model; repeated messages are dropped.
    public func warn(_ message: String) {
        guard !warnings.contains(message) else { return }
        warnings.append(message)
        warningObserver?(message)
    }

    /// Asks the scheduler to end the run with `code` (sim-control device,
    /// PSCI SYSTEM_OFF, debug-exit port). The running core stops at its next block.
    public func requestExit(code: Int32, reason: String) {
        if exitRequest == nil { exitRequest = (code, reason) }
        clock.activeCPU?.requestStop()
    }

    /// Forgets an exit request (system reset).
    public func clearExitRequest() { exitRequest = nil }

    /// Realizes the whole machine. Cores without a kernel are held off
    /// first when other cores have one (`holdCoresWithoutKernels`).
    public func realizeMachine() throws(ChimeraError) {
        do {
            if state != .realized { try holdCoresWithoutKernels() }
            try realizeTree()
        } catch {
            throw locate(error)
        }
    }

    /// `error` with the declaration of its object (or the nearest declared
    /// ancestor) attached when it names no file position yet.
    public func locate(_ error: ChimeraError) -> ChimeraError {
        guard error.location?.line == nil, var objectPath = error.location?.objectPath else { return error }
        while !objectPath.isEmpty {
            if let declared = declarations[objectPath] {
                var copy = error
                copy.location = ErrorLocation(file: declared.file, line: declared.line, column: declared.column,
                                              objectPath: error.location?.objectPath)
                return copy
            }
            guard let slash = objectPath.lastIndex(of: "/") else { break }
            objectPath = String(objectPath[..<slash])
        }
        return error
    }

    /// The quantum's bounds: below 1 ns a quantum is shorter than one cycle
    /// of any core (and a zero quantum never advances); above 1 s the
    /// monitor and the stop conditions would wait hours of host time.
    public static let quantumRange = VirtualTime(picoseconds: 1000)...VirtualTime(picoseconds: 1_000_000_000_000)

    override public func checkValue(_ name: String, _ value: Value) throws(ChimeraError) {
        if name == "quantum", let ps = value.uint64, !Machine.quantumRange.contains(VirtualTime(picoseconds: ps)) {
            throw ChimeraError.object(path, "quantum \(VirtualTime(picoseconds: ps)) is outside \(Machine.quantumRange.lowerBound)…\(Machine.quantumRange.upperBound)")
        }
    }

    /// The scheduler quantum.
    public var quantum: VirtualTime { timeProperty("quantum") }
}
