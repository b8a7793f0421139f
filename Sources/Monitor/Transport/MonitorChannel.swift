import ChimeraCore
import Dispatch
import Synchronization

/// The hand-over point between the socket thread and the simulation
/// thread. The socket thread posts framed, classified messages to the
/// inbox; the simulation thread takes them at quantum boundaries and
/// posts replies and events to the outbox, which the socket thread
/// writes. Neither side ever waits for the other while holding a lock,
/// and the simulation thread never blocks on a socket.
final class MonitorChannel: Sendable {
    /// One message from one client, in arrival order.
    struct Incoming: Sendable {
        var client: Int
        var inbound: QMPConnection.Inbound
    }

    /// Something for the socket thread to write.
    enum Outgoing: Sendable {
        case reply(client: Int, text: String, negotiates: Bool)
        case event(text: String)
    }

    private let inbox = Mutex<[Incoming]>([])
    private let outbox = Mutex<[Outgoing]>([])
    private let inboxCount = Atomic<Int>(0)
    /// Signalled whenever the inbox grows, for a paused or preconfig run waiting for commands.
    private let doorbell = DispatchSemaphore(value: 0)
    /// Written to wake the socket thread's `poll` when the outbox grows or the server stops.
    let wakeWriteFD: Int32
    let stopRequested = Atomic<Bool>(false)
    let connectedClients = Atomic<Int>(0)

    init(wakeWriteFD: Int32) {
        self.wakeWriteFD = wakeWriteFD
    }

    // MARK: Socket thread side

    func post(_ items: [Incoming]) {
        guard !items.isEmpty else { return }
        inbox.withLock { $0.append(contentsOf: items) }
        inboxCount.add(items.count, ordering: .sequentiallyConsistent)
        doorbell.signal()
    }

    /// Forgets what `client` queued and the simulation has not taken yet
    /// (the client is gone; nobody would read the replies).
    func discard(client: Int) {
        let removed = inbox.withLock { queue in
            let before = queue.count
            queue.removeAll { $0.client == client }
            return before - queue.count
        }
        if removed > 0 { inboxCount.subtract(removed, ordering: .sequentiallyConsistent) }
    }

    func takeOutgoing() -> [Outgoing] {
        outbox.withLock { queue in
            let taken = queue
            queue.removeAll()
            return taken
        }
    }

    // MARK: Simulation thread side

    /// Messages received so far; cheap when there are none (one atomic load).
    func takeIncoming() -> [Incoming] {
        guard inboxCount.load(ordering: .sequentiallyConsistent) > 0 else { return [] }
        let taken = inbox.withLock { queue in
            let taken = queue
            queue.removeAll()
            return taken
        }
        inboxCount.subtract(taken.count, ordering: .sequentiallyConsistent)
        return taken
    }

    /// Waits until a message arrives or `seconds` pass.
    func waitForIncoming(seconds: Double) {
        if inboxCount.load(ordering: .sequentiallyConsistent) > 0 { return }
        _ = doorbell.wait(timeout: .now() + .milliseconds(Int(seconds * 1000)))
    }

    func send(_ item: Outgoing) {
        outbox.withLock { $0.append(item) }
        wake()
    }

    func wake() {
        var byte: UInt8 = 1
        _ = PosixIO.write(wakeWriteFD, &byte, 1)
    }
}
