/// The run state `query-status` reports (QEMU's `RunState` names).
public enum MonitorRunState: String, Hashable, Sendable {
    /// Preconfig: the machine is not realized yet; `x-exit-preconfig` starts it.
    case prelaunch
    case running
    case paused
    /// The run ended (guest exit, `quit`, deadline, deadlock).
    case shutdown
    /// The run ended with an unhandled guest exception.
    case guestPanicked = "guest-panicked"

    /// Has the run ended for good?
    public var hasEnded: Bool { self == .shutdown || self == .guestPanicked }
}
