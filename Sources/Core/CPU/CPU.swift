/// The instruction-set architecture of a core: an open set, so a new core
/// adds its own (`extension Architecture { static let riscv64 = … }`)
/// without touching Core. Each names its ELF machine number.
public struct Architecture: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The name users see (`aarch64`, `x86_64`), as in QMP's `target`.
    public let rawValue: String
    /// The ELF `e_machine` value of kernels for this architecture.
    public let elfMachine: UInt16

    public init(_ name: String, elfMachine: UInt16) {
        self.rawValue = name
        self.elfMachine = elfMachine
    }

    /// A known architecture by name (`RawRepresentable`); nil for others.
    public init?(rawValue: String) {
        guard let a = Architecture.known.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = a
    }

    public var description: String { rawValue }

    public static let aarch64 = Architecture("aarch64", elfMachine: 183)  // EM_AARCH64
    public static let arm = Architecture("arm", elfMachine: 40)           // EM_ARM
    public static let x86_64 = Architecture("x86_64", elfMachine: 62)     // EM_X86_64

    /// The architectures Core knows by name (for ELF identification).
    public static let known: [Architecture] = [.aarch64, .arm, .x86_64]
}

/// Why a guest exception reached the host: the guest had no handler for it
/// (or could not take it), so the run stops with a report instead.
public struct GuestFault: Hashable, Sendable, CustomStringConvertible {
    /// The core's canonical path.
    public var cpuPath: String
    /// Program counter of the faulting instruction.
    public var pc: UInt64
    /// The instruction bytes at `pc`, when readable.
    public var instructionBytes: [UInt8]
    /// What happened, in the architecture's terms.
    public var reason: String

    public init(cpuPath: String, pc: UInt64, instructionBytes: [UInt8], reason: String) {
        self.cpuPath = cpuPath
        self.pc = pc
        self.instructionBytes = instructionBytes
        self.reason = reason
    }

    public var description: String {
        let bytes = instructionBytes.map { b in let s = String(b, radix: 16); return s.count == 1 ? "0" + s : s }
        return "\(cpuPath): \(reason) at pc 0x\(String(pc, radix: 16))"
            + (bytes.isEmpty ? "" : " (bytes \(bytes.joined(separator: " ")))")
    }
}

/// Why `CPU.run(budget:)` returned.
public enum StopReason: Hashable, Sendable {
    /// The instruction budget was spent (or the scheduler asked for a stop).
    case budgetExhausted
    /// WFI/WFE/HLT: nothing to do until an interrupt or event.
    case halted
    /// The core is powered off (PSCI `CPU_OFF`, not yet started).
    case poweredOff
    /// The guest asked the simulation to end with this exit code.
    case exit(code: Int32)
    /// A breakpoint was hit at this address.
    case breakpoint(pc: UInt64)
    /// A data watchpoint fired (`Machine.watchpoints.pendingHit` says which).
    case watchpoint
    /// An exception the guest could not handle.
    case guestFault(GuestFault)
}

/// What the scheduler and monitors need from a core of any architecture.
public protocol CPU: AnyObject {
    /// The core's instruction set.
    var architecture: Architecture { get }
    /// Puts the core into its architectural boot state.
    func resetCPU()
    /// Executes at most `budget` instructions and says why it stopped.
    func run(budget: UInt64) -> StopReason
    /// Instructions retired since reset (exact whenever the core calls out).
    var instructionsRetired: UInt64 { get }
    /// The program counter.
    var programCounter: UInt64 { get set }
    /// Register names for monitors and debuggers, in display order.
    var registerNames: [String] { get }
    /// Reads a register by name (case-insensitive); `nil` if unknown.
    func readRegister(_ name: String) -> UInt64?
    /// Writes a register by name; `false` if unknown or read-only.
    func writeRegister(_ name: String, _ value: UInt64) -> Bool
    /// Is an interrupt that the core would take now pending? Wakes halted cores.
    var hasPendingWakeup: Bool { get }
}
