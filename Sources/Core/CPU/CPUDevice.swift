/// Power state of a core, as the scheduler sees it.
public enum PowerState: String, Hashable, Sendable {
    /// Not started (no kernel yet, or PSCI `CPU_OFF`).
    case off
    /// Executing instructions.
    case running
    /// Waiting for an interrupt (WFI, HLT).
    case halted
    /// Stopped for good after a guest fault or exit.
    case stopped
}

/// Base class of every core: the scheduler's view (local time, power
/// state, stop requests) and the properties all cores share. Concrete
/// cores override the `CPU` requirements.
open class CPUDevice: SimObject, CPU {
    /// The core's virtual time at the start of its current slice.
    public internal(set) var sliceStartTime: VirtualTime = .zero
    /// Instructions retired at the start of the current slice.
    public internal(set) var sliceStartInstructions: UInt64 = 0
    /// Time the core has reached (advanced by the scheduler after each slice).
    public var localTime: VirtualTime = .zero
    /// Running, halted, off or stopped.
    public var powerState: PowerState = .running
    /// A word the hot loop checks once per block: non-zero means "leave the
    /// loop at the next block boundary". Owned by the core, never shared.
    public let stopFlag: UnsafeMutablePointer<UInt32>
    /// Symbols of the kernel loaded for this core (for traces and debuggers).
    public var symbols = SymbolTable()
    /// The ELF file that kernel came from, for a debugger's `file` command.
    public var kernelFile: String?
    /// Registers a kernel loader sets after reset, by name, in order (the
    /// arm64 boot protocol's X0 = device tree address). `resetToBootState`
    /// applies them again, so a system reset boots the kernel as loaded.
    public var bootRegisters: [(name: String, value: UInt64)] = []
    /// Set by a kernel loader for a core that waits for firmware (PSCI
    /// `CPU_ON`) although its cluster has a kernel: Linux's secondary cores.
    public var bootsPoweredOff = false
    /// The clock of the machine this core belongs to, set at realize.
    public private(set) weak var clock: Clock?
    /// Debugger breakpoints: virtual addresses, sorted and unique. The core
    /// stops with `.breakpoint` before executing an instruction at one
    /// (`CPUDevice+Debug.swift`).
    public internal(set) var breakpoints: [UInt64] = []
    /// The breakpoint at this address lets the next fetch there through: a
    /// debugger resuming a core stopped on a breakpoint sets it.
    public var breakpointSkip: UInt64?
    /// True while the machine has data watchpoints (`Machine.insertWatchpoint`).
    public internal(set) var watchpointsArmed = false
    /// The instruction a watchpoint last stopped before: it runs without
    /// stopping again when resumed (`watchpointStops(pc:retired:)`).
    public var watchpointResume: (pc: UInt64, retired: UInt64)?

    public required init(_ creation: ObjectCreation) {
        stopFlag = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
        stopFlag.initialize(to: 0)
        super.init(creation)
    }

    deinit {
        stopFlag.deallocate()
    }

    /// Properties every core has.
    public static let commonProperties: [PropertyDescriptor] = [
        PropertyDescriptor("clock-frequency", .int(IntegerFormat.uint64.limited(to: 1...1_000_000_000_000)),
                           default: .uint(1_000_000_000),
                           doc: "Core clock in Hz; one instruction takes one cycle"),
        PropertyDescriptor("start-powered-off", .bool, default: false,
                           doc: "Stay off at reset until started by firmware (PSCI CPU_ON, INIT/SIPI)"),
        PropertyDescriptor("reset-pc", .int(.uint64), default: .uint(0), access: .runtime,
                           doc: "Program counter at reset; the kernel loader sets it to the ELF entry"),
        PropertyDescriptor("pc", .int(.uint64), access: .readOnly, doc: "Current program counter"),
        PropertyDescriptor("instructions", .int(.uint64), access: .readOnly, doc: "Instructions retired since reset"),
        PropertyDescriptor("power-state", .enumeration(["off", "running", "halted", "stopped"]), access: .readOnly,
                           doc: "Whether the core runs, waits for an interrupt, is off or has stopped"),
    ]

    private weak var cachedCluster: Cluster?

    /// Clock frequency in Hz, cached from the property at realize.
    public private(set) var frequency: UInt64 = 1_000_000_000
    /// Cycle length in picoseconds when it is a whole number (1 GHz: 1000), else 0.
    private var picosecondsPerCycle: UInt64 = 1000

    /// Position among the cluster's cores (`Cluster.cpus`), set at realize.
    public private(set) var clusterIndex = 0

    override open func realize() throws(ChimeraError) {
        clock = (root as? Machine)?.clock
        cachedCluster = nil
        cachedCluster = cluster
        clusterIndex = cachedCluster?.cpus.firstIndex { $0 === self } ?? 0
        frequency = max(uintProperty("clock-frequency"), 1)
        picosecondsPerCycle = 1_000_000_000_000 % frequency == 0 ? 1_000_000_000_000 / frequency : 0
        powerState = boolProperty("start-powered-off") ? .off : .running
        resetCPU()
    }

    /// A system reset: the power state and architectural boot state, then
    /// the loader's `bootRegisters`.
    public func resetToBootState() {
        powerState = boolProperty("start-powered-off") || bootsPoweredOff ? .off : .running
        resetCPU()
        for register in bootRegisters { _ = writeRegister(register.name, register.value) }
    }

    /// Cycle length in picoseconds times cycles, exact for any frequency.
    public func duration(ofCycles cycles: UInt64) -> VirtualTime {
        if picosecondsPerCycle != 0 {
            let (p, overflow) = cycles.multipliedReportingOverflow(by: picosecondsPerCycle)
            return overflow ? .never : VirtualTime(picoseconds: p)
        }
        let hz = frequency
        let product = cycles.multipliedFullWidth(by: 1_000_000_000_000)
        guard product.high < hz else { return .never }
        return VirtualTime(picoseconds: hz.dividingFullWidth(product).quotient)
    }

    /// Cycles that fit in `time` at this core's frequency (rounded down).
    public func cycles(in time: VirtualTime) -> UInt64 {
        if picosecondsPerCycle != 0 { return time.picoseconds / picosecondsPerCycle }
        let hz = frequency
        let product = time.picoseconds.multipliedFullWidth(by: hz)
        guard product.high < 1_000_000_000_000 else { return .max }
        return (1_000_000_000_000 as UInt64).dividingFullWidth(product).quotient
    }

    /// The core's time right now, including instructions of the running slice.
    public var currentTime: VirtualTime {
        sliceStartTime + duration(ofCycles: instructionsRetired &- sliceStartInstructions)
    }

    /// Asks the hot loop to return at the next block boundary.
    public func requestStop() { stopFlag.pointee = 1 }

    /// Marks the start of a slice (scheduler use).
    public func beginSlice() {
        sliceStartTime = localTime
        sliceStartInstructions = instructionsRetired
        stopFlag.pointee = 0
    }

    // MARK: CPU requirements
    //
    // No defaults: a concrete core that forgets one traps the moment it is
    // used (a simulator bug, caught by the first test that builds the core),
    // instead of silently claiming to be some other architecture.

    open var architecture: Architecture { missing() }
    open func resetCPU() { missing() }
    open func run(budget: UInt64) -> StopReason { missing() }
    open var instructionsRetired: UInt64 { missing() }
    open var programCounter: UInt64 {
        get { missing() }
        set { missing() }
    }
    open var registerNames: [String] { missing() }
    open func readRegister(_ name: String) -> UInt64? { missing() }
    open func writeRegister(_ name: String, _ value: UInt64) -> Bool { missing() }
    open var hasPendingWakeup: Bool { missing() }
    /// One instruction at `address` in the architecture's assembly syntax, for traces.
    open func disassemble(at address: UInt64) -> String { missing() }
    /// The physical address of virtual `address` in the core's current
    /// translation regime, for debuggers: no fault is taken, nothing cached.
    open func debugTranslate(_ address: UInt64) -> UInt64? { missing() }
    /// The breakpoint list changed: drop whatever translation skipped the check.
    open func breakpointsChanged() { missing() }
    /// The machine's watchpoints changed: drop read-TLB entries of pages
    /// that became watched (MemoryWatchpoints.swift).
    open func watchpointsChanged() { missing() }
    /// A write made through an address space while this core ran (its own
    /// store, or a device it drove) fired a watchpoint; the data is
    /// written. Returns whether the core stops for it: by default at the
    /// next block boundary; a core that can end a block after any store
    /// stops after the instruction, and one resuming an instruction a
    /// watchpoint stopped before (`watchpointStops`) goes on.
    open func watchpointTriggered() -> Bool {
        requestStop()
        return true
    }

    private func missing(_ requirement: String = #function) -> Never {
        preconditionFailure("\(type(of: self)) does not implement the CPU requirement '\(requirement)'")
    }

    /// Live state shown as read-only properties.
    override open func readOnlyValue(of name: String) -> Value? {
        switch name {
        case "pc": return .uint(programCounter)
        case "instructions": return .uint(instructionsRetired)
        case "power-state": return .string(powerState.rawValue)
        default: return nil
        }
    }

    /// The cluster that owns this core (cached at realize; memory slow paths read it often).
    public var cluster: Cluster? {
        if let c = cachedCluster { return c }
        var node = parent
        while let n = node {
            if let c = n as? Cluster { return c }
            node = n.parent
        }
        return nil
    }
}
