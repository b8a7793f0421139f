/// The root of a composition tree: owns the type registry, the clock and
/// every cluster, core and device below it. Nothing about a machine is
/// global, so many machines can live in one process.
public final class Machine: SimObject {
    /// The virtual clock and event queue of this machine.
    public let clock = Clock()
    /// Bytes sent by every UART of the machine.
    public let serial = SerialLog()
    /// Set when the guest or a device asked the simulation to end.
    public private(set) var exitRequest: (code: Int32, reason: String)?
    /// Interrupt wiring in the order it was made, for graphs and exports.
    public private(set) var irqConnections: [(from: IRQOutput, to: IRQInput)] = []

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
                               doc: "Scheduler quantum: how far each core runs before the others catch up"),
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
        if state != .realized { try holdCoresWithoutKernels() }
        try realizeTree()
    }

    /// The scheduler quantum.
    public var quantum: VirtualTime { timeProperty("quantum") }
}
