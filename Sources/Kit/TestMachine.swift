import ChimeraCore
import ChimeraScheduler
import ChimeraBoards
import ChimeraGDB
import ChimeraMonitor
import Foundation

/// A stop condition for `TestMachine.run`.
public enum Until: Sendable {
    /// The guest exits (sim-control, semihosting, debug-exit, PSCI SYSTEM_OFF).
    case exit
    /// Virtual time reaches this point.
    case time(VirtualTime)
    /// The merged UART output contains this text.
    case output(String)
    /// All cores together retired this many more instructions.
    case instructions(UInt64)
}

/// Drives a simulation from a test: build from a board (or take a machine
/// built in code), load kernels, run until a condition, read UART output,
/// peek and poke memory and registers, inject UART input. Deterministic:
/// the same calls give the same results, run after run.
public final class TestMachine {
    public let machine: Machine
    private var simulation: Simulation?
    /// The stub `startGDB` started, if any.
    public private(set) var gdbStub: GDBStub?

    /// Builds a board by name or path. UARTs are switched to the in-memory
    /// log (tests read them with `output`) unless `echo` is true.
    public init(board: String, parameters: [String: String] = [:], boardDirectories: [String] = [],
                registry: TypeRegistry = ChimeraKit.standardRegistry(), echo: Bool = false) throws {
        let loader = BoardLoader(searchPaths: boardDirectories + TestMachine.defaultBoardDirectories())
        let params = parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        machine = try loader.load(board, parameters: params, registry: registry).build(registry: registry)
        if !echo { try ChimeraKit.silenceUARTs(machine) }
    }

    deinit { gdbStub?.close() }

    /// Wraps a machine built in code (realized or not).
    public init(machine: Machine) {
        self.machine = machine
    }

    static func defaultBoardDirectories() -> [String] {
        var dirs = [FileManager.default.currentDirectoryPath + "/boards"]
        if let env = ProcessInfo.processInfo.environment["CHIMERA_BOARD_PATH"] { dirs += env.split(separator: ":").map(String.init) }
        // The package's own boards, for tests run from anywhere.
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        dirs.append(here.appendingPathComponent("boards").path)
        return dirs
    }

    /// Loads an ELF into the cores `selector` names (core path, partial path or cluster).
    public func loadKernel(_ file: String, on selector: String) throws {
        for cpu in try KernelSelector.cores(selector, in: machine) {
            try machine.execute(.loadKernel(cpu: cpu.path, file: file))
        }
    }

    /// Loads an arm64 Linux `Image` (or `Image.gz`) for the cores `selector`
    /// names, usually a cluster: the first boots it with the device tree (the
    /// generated one, or `dtb`), `initrd` and command line `append`; the
    /// others wait for PSCI `CPU_ON`. The same as `--kernel`, `--initrd`,
    /// `--append` and `--dtb` on the command line.
    public func loadLinux(image: String, initrd: String? = nil, append: String? = nil, dtb: String? = nil,
                          kaslrSeed: UInt64? = nil, on selector: String) throws {
        let boot = KernelBootOptions(initrd: initrd ?? "", append: append ?? "", dtb: dtb ?? "",
                                     kaslrSeed: kaslrSeed.map { String($0) } ?? "")
        for cpu in try KernelSelector.cores(selector, in: machine) {
            try machine.execute(.loadKernel(cpu: cpu.path, file: image, boot: boot))
        }
    }

    /// Sets a property by object path (`"arm/uart"`, `"quantum"` on the machine via `"/machine"`).
    public func set(_ path: String, _ property: String, _ value: Value) throws {
        try machine.resolve(path).setProperty(property, value)
    }

    /// Realizes the machine (if needed) and prepares the scheduler. `run` calls it.
    public func start() throws {
        guard simulation == nil else { return }
        if machine.state != .realized {
            try machine.realizeMachine()
        }
        simulation = try Simulation(machine: machine)
    }

    /// Runs until the condition (or guest exit, deadlock, fault) and returns the result.
    /// `within` bounds the run to that many more instructions (all cores together),
    /// so a guest that never gets there ends the run with `.budgetSpent` instead of hanging the test.
    @discardableResult
    public func run(until condition: Until = .exit, within budget: UInt64 = .max) throws -> RunResult {
        try start()
        let sim = simulation!
        let result: RunResult
        switch condition {
        case .exit: result = sim.run(RunLimits(instructionBudget: budget))
        case .time(let t): result = sim.run(RunLimits(deadline: t, instructionBudget: budget))
        case .output(let text): result = sim.run(RunLimits(instructionBudget: budget, outputPattern: text))
        case .instructions(let n): result = sim.run(RunLimits(instructionBudget: min(n, budget)))
        }
        switch result.outcome {
        case .exited, .guestFault, .deadlock: gdbStub?.runEnded(result)
        default: break
        }
        return result
    }

    /// Serves gdb's remote protocol for this machine, as `chimera run
    /// --gdb` does (Documentation/Debugging.md): `run` then stops wherever
    /// gdb asks and carries on when it continues, with the result of the
    /// same run without gdb. With `waitForDebugger` the first `run` holds
    /// the machine at reset until gdb continues it. The endpoint as bound
    /// (port 0 picks one) is `gdbStub.endpoint`.
    @discardableResult
    public func startGDB(on endpoint: MonitorEndpoint = .tcp(host: "127.0.0.1", port: 0),
                         waitForDebugger: Bool = false) throws -> GDBStub {
        try startGDB(ports: [(nil, endpoint)], waitForDebugger: waitForDebugger)
    }

    /// `startGDB` with a port per set of clusters, as `--gdb` repeated:
    /// `ports` as `--gdb` spells them (`arm=tcp::0`, `tcp::0`).
    @discardableResult
    public func startGDB(ports: [String], waitForDebugger: Bool = false) throws -> GDBStub {
        try startGDB(ports: GDBPorts.parse(ports, in: machine), waitForDebugger: waitForDebugger)
    }

    private func startGDB(ports: [(clusters: [Cluster]?, endpoint: MonitorEndpoint)], waitForDebugger: Bool) throws -> GDBStub {
        try start()
        if let gdbStub { return gdbStub }
        let stub = try GDBStub(machine: machine, ports: ports, waitForDebugger: waitForDebugger)
        simulation?.debugger = stub
        gdbStub = stub
        return stub
    }

    /// Current virtual time.
    public var time: VirtualTime { simulation?.time ?? .zero }

    /// Everything all UARTs sent, in order; or one UART's output by path.
    public func output(of uart: String? = nil) throws -> String {
        guard let uart else { return machine.serial.text }
        return machine.serial.text(of: try machine.resolve(uart).path)
    }

    /// Queues host input for a UART; delivered at the next quantum boundary.
    public func type(_ text: String, into uart: String) throws {
        try start()
        simulation!.control.injectInput(Array(text.utf8), into: try machine.resolve(uart).path)
    }

    private func cluster(_ path: String) throws -> Cluster {
        guard let c = try machine.resolve(path) as? Cluster else { throw ChimeraError(.generic, "'\(path)' is not a cluster") }
        return c
    }

    /// Reads `size` bytes (1–8) at a guest physical address of a cluster.
    public func peek(_ address: UInt64, size: Int = 4, in clusterPath: String) throws -> UInt64 {
        guard let v = try cluster(clusterPath).memory.read(address, size: size) else {
            throw ChimeraError(.generic, "nothing mapped at 0x\(String(address, radix: 16)) in \(clusterPath)")
        }
        return v
    }

    /// Writes `size` bytes (1–8) at a guest physical address of a cluster.
    public func poke(_ address: UInt64, _ value: UInt64, size: Int = 4, in clusterPath: String) throws {
        guard try cluster(clusterPath).memory.write(address, size: size, value: value) else {
            throw ChimeraError(.generic, "nothing writable at 0x\(String(address, radix: 16)) in \(clusterPath)")
        }
    }

    /// Reads bytes at a guest physical address of a cluster.
    public func peekBytes(_ address: UInt64, count: Int, in clusterPath: String) throws -> [UInt8] {
        guard let bytes = try cluster(clusterPath).memory.readBytes(address, count: count) else {
            throw ChimeraError(.generic, "range at 0x\(String(address, radix: 16)) is not fully mapped in \(clusterPath)")
        }
        return bytes
    }

    private func cpu(_ path: String) throws -> CPUDevice {
        guard let c = try machine.resolve(path) as? CPUDevice else { throw ChimeraError(.generic, "'\(path)' is not a core") }
        return c
    }

    /// A core's register by name (`x0`, `pc`, `rax`, …).
    public func register(_ name: String, of cpuPath: String) throws -> UInt64 {
        let c = try cpu(cpuPath)
        guard let v = c.readRegister(name) else {
            throw ChimeraError(.generic, "\(c.path) has no register '\(name)'; registers are: " + c.registerNames.joined(separator: ", "))
        }
        return v
    }

    /// Sets a core's register by name.
    public func setRegister(_ name: String, of cpuPath: String, to value: UInt64) throws {
        let c = try cpu(cpuPath)
        guard c.writeRegister(name, value) else { throw ChimeraError(.generic, "\(c.path) cannot write register '\(name)'") }
    }
}
