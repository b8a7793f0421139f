import ChimeraCore

/// When `Simulation.run` should return, besides guest exit and deadlock.
public struct RunLimits: Sendable {
    /// Stop when virtual time reaches this point.
    public var deadline: VirtualTime
    /// Stop when all cores together have retired this many instructions.
    public var instructionBudget: UInt64
    /// Stop when the merged UART output contains this text.
    public var outputPattern: String?

    public init(deadline: VirtualTime = .never, instructionBudget: UInt64 = .max, outputPattern: String? = nil) {
        self.deadline = deadline
        self.instructionBudget = instructionBudget
        self.outputPattern = outputPattern
    }

    /// Run until the guest exits (or deadlocks or faults).
    public static let untilExit = RunLimits()
}

/// The state of one core when a run ends, for deadlock and fault reports.
public struct CoreReport: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var powerState: PowerState
    public var pc: UInt64
    public var localTime: VirtualTime
    public var instructions: UInt64

    public var description: String {
        "\(path): \(powerState.rawValue), pc 0x\(String(pc, radix: 16)), time \(localTime), \(instructions) instructions"
    }
}

/// Why a run ended.
public enum RunOutcome: Hashable, Sendable {
    /// The guest (or a device on its behalf) asked to exit.
    case exited(code: Int32, reason: String)
    /// The virtual-time deadline was reached.
    case deadlineReached
    /// The instruction budget was spent.
    case budgetSpent
    /// The UART output matched the pattern.
    case outputMatched
    /// Every core is halted or off and no event is pending: nothing can ever happen again.
    case deadlock([CoreReport])
    /// A core met an exception its guest could not handle.
    case guestFault(GuestFault)
    /// `pause()` was called; `run` may be called again to resume.
    case paused
}

/// What a run produced.
public struct RunResult: Sendable {
    public var outcome: RunOutcome
    /// Virtual time when the run ended.
    public var time: VirtualTime
    /// Instructions retired by all cores since the simulation began.
    public var instructions: UInt64
    /// Rolling hash over slices, events, output and trace lines (hex).
    public var traceHash: String
    /// The host input record, enough to replay the run exactly.
    public var inputRecord: InputRecord

    /// The process exit status a command-line run should end with.
    public var exitStatus: Int32 {
        switch outcome {
        case .exited(let code, _): return code
        case .deadlineReached, .budgetSpent, .outputMatched, .paused: return 0
        case .deadlock, .guestFault: return 1
        }
    }
}
