import Synchronization

/// Thread-safe handle for steering a running simulation from another
/// thread (a monitor, a signal handler): pause requests and host input.
/// Requests take effect at the next quantum boundary only.
public final class RunControl: Sendable {
    private let pauseFlag = Atomic<Bool>(false)
    private let pending = Mutex<[(device: String, bytes: [UInt8])]>([])
    /// Set when input is queued, so the common case (none) costs one atomic load.
    private let hasInput = Atomic<Bool>(false)

    public init() {}

    /// Asks the run to return `.paused` at the next quantum boundary.
    public func requestPause() { pauseFlag.store(true, ordering: .sequentiallyConsistent) }

    /// Queues host bytes for the UART at `devicePath`.
    public func injectInput(_ bytes: [UInt8], into devicePath: String) {
        pending.withLock { $0.append((devicePath, bytes)) }
        hasInput.store(true, ordering: .sequentiallyConsistent)
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
