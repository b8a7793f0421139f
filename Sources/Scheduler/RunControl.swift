import Dispatch
import Synchronization

/// Thread-safe handle for steering a running simulation from another
/// thread (a monitor, a signal handler): pause requests and host input.
/// Requests take effect at the next quantum boundary only.
public final class RunControl: Sendable {
    private let pauseFlag = Atomic<Bool>(false)
    private let pending = Mutex<[(device: String, bytes: [UInt8])]>([])
    /// Set when input is queued, so the common case (none) costs one atomic load.
    private let hasInput = Atomic<Bool>(false)
    /// A host source (an interactive console) that may still send input.
    private let live = Atomic<Bool>(false)
    /// Signalled on input, a pause request or the end of the live source:
    /// wakes a run that waits for the host.
    private let wake = DispatchSemaphore(value: 0)

    public init() {}

    /// Asks the run to return `.paused` at the next quantum boundary.
    public func requestPause() {
        pauseFlag.store(true, ordering: .sequentiallyConsistent)
        wake.signal()
    }

    /// Queues host bytes for the UART at `devicePath`.
    public func injectInput(_ bytes: [UInt8], into devicePath: String) {
        pending.withLock { $0.append((devicePath, bytes)) }
        hasInput.store(true, ordering: .sequentiallyConsistent)
        wake.signal()
    }

    /// Marks a host input source as attached (true) or finished (false).
    /// While one is attached, a run whose cores all wait with no event
    /// pending waits for input instead of reporting a deadlock.
    public func setLiveInput(_ attached: Bool) {
        live.store(attached, ordering: .sequentiallyConsistent)
        wake.signal()
    }

    /// Is a live host input source attached?
    public var hasLiveInput: Bool { live.load(ordering: .sequentiallyConsistent) }

    /// Is input queued or a pause requested, i.e. would the next boundary act?
    public var hasWork: Bool {
        hasInput.load(ordering: .sequentiallyConsistent) || pauseFlag.load(ordering: .sequentiallyConsistent)
    }

    /// Blocks the caller until input arrives, a pause is requested or the
    /// live source ends, or `nanoseconds` pass (nil: no limit). Returns
    /// whether it was woken rather than timed out. Only host pacing waits
    /// here; what the run does next depends on the input it then takes,
    /// which is recorded with its virtual time.
    @discardableResult
    public func waitForHost(nanoseconds: UInt64? = nil) -> Bool {
        if hasWork || !hasLiveInput { return true }
        guard let nanoseconds else { wake.wait(); return true }
        return wake.wait(timeout: .now() + .nanoseconds(Int(min(nanoseconds, UInt64(Int.max))))) == .success
    }

    func takePauseRequest() -> Bool { pauseFlag.exchange(false, ordering: .sequentiallyConsistent) }

    func takeInput() -> [(device: String, bytes: [UInt8])] {
        guard hasInput.exchange(false, ordering: .sequentiallyConsistent) else { return [] }
        return pending.withLock { queue in
            let taken = queue
            queue.removeAll()
            return taken
        }
    }
}
