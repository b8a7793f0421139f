import ChimeraCore
import ChimeraMonitor
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the stub's connections tell the simulation thread, in arrival
/// order across all of them: each event carries the index of the
/// connection it came from. Shared by every connection of one stub, so the
/// stub waits on one queue however many ports it serves.
final class GDBInbox: Sendable {
    enum Event {
        case connected
        case disconnected
        /// Ctrl-C (also raises the stub's interrupt flag).
        case interrupt
        case command(GDBCommand)
    }

    private let queue = Mutex<[(Int, Event)]>([])
    private let arrived = DispatchSemaphore(value: 0)

    func post(_ event: Event, from connection: Int) {
        queue.withLock { $0.append((connection, event)) }
        arrived.signal()
    }

    /// The next event if one is queued.
    func poll() -> (Int, Event)? {
        queue.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    /// Blocks until the next event.
    func next() -> (Int, Event) {
        while true {
            if let event = poll() { return event }
            arrived.wait()
        }
    }

    /// The next event within `deadline`, else nil.
    func next(before deadline: DispatchTime) -> (Int, Event)? {
        while true {
            if let event = poll() { return event }
            if arrived.wait(timeout: deadline) == .timedOut { return nil }
        }
    }
}

/// The byte side of one port of the stub: a listening socket, one client
/// at a time (another is accepted and turned away), a reader thread that
/// frames packets, acknowledges them and turns Ctrl-C into `onInterrupt`,
/// and the shared inbox the simulation thread takes commands from.
///
/// Sendable by hand: what its threads share is behind a `Mutex`, an
/// `Atomic` or the inbox; `onConnect`/`onInterrupt` are set before
/// `start()` and only read afterwards.
final class GDBConnection: @unchecked Sendable {
    let endpoint: MonitorEndpoint
    /// Called on a reader thread after the event is posted.
    var onConnect: @Sendable () -> Void = {}
    var onInterrupt: @Sendable () -> Void = {}

    private let listener: SocketListener
    private let client = Mutex<Int32>(-1)
    private let inbox: GDBInbox
    private let index: Int
    private let noAck = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)
    /// The last packet sent, for a `-` (resend) in ack mode.
    private let lastSent = Mutex<[UInt8]>([])

    init(endpoint: MonitorEndpoint, allowRemote: Bool, inbox: GDBInbox, index: Int) throws(ChimeraError) {
        listener = try SocketListener.open(endpoint, allowRemote: allowRemote, option: "--gdb")
        self.endpoint = listener.endpoint
        self.inbox = inbox
        self.index = index
    }

    var isConnected: Bool { client.withLock { $0 } >= 0 }

    func start() {
        _ = PosixIO.startThread { [self] in acceptLoop() }
    }

    func close() {
        guard !closed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        listener.close()
        client.withLock { fd in
            if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Sends one packet with `payload`.
    func send(_ payload: String) { send(bytes: Array(payload.utf8)) }

    func send(bytes payload: [UInt8]) {
        let packet = GDBPacket.encode(payload)
        lastSent.withLock { $0 = packet }
        write(packet)
    }

    // MARK: Threads

    private func acceptLoop() {
        while !closed.load(ordering: .sequentiallyConsistent) {
            var pfd = pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 200) > 0 else { continue }
            let fd = accept(listener.fd, nil, nil)
            guard fd >= 0 else { continue }
            let taken = client.withLock { current -> Bool in
                guard current < 0 else { return false }
                current = fd
                return true
            }
            guard taken else {
                // One debugger at a time: a second one is turned away.
                let busy = GDBPacket.encode("E10")
                busy.withUnsafeBytes { _ = PosixIO.send(fd, $0.baseAddress!, $0.count) }
                PosixIO.close(fd)
                continue
            }
            noAck.store(false, ordering: .sequentiallyConsistent)
            // The event first, then the stop request: the stop the request
            // makes finds the event queued.
            post(.connected)
            onConnect()
            _ = PosixIO.startThread { [self] in readLoop(fd) }
        }
    }

    private func readLoop(_ fd: Int32) {
        var framer = GDBPacketFramer()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { PosixIO.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && PosixIO.wouldBlock(PosixIO.errorNumber) { continue }
            guard n > 0 else { break }
            for inbound in framer.feed(buffer[0..<n]) {
                switch inbound {
                case .ack:
                    break
                case .nack:
                    write(lastSent.withLock { $0 })
                case .interrupt:
                    post(.interrupt)
                    onInterrupt()
                case .badChecksum:
                    if !noAck.load(ordering: .sequentiallyConsistent) { write([UInt8(ascii: "-")]) }
                case .oversized:
                    // gdb keeps to the PacketSize we advertise: this client is broken or hostile.
                    _ = shutdown(fd, Int32(SHUT_RDWR))
                case .packet(let payload):
                    if !noAck.load(ordering: .sequentiallyConsistent) { write([UInt8(ascii: "+")]) }
                    let command = GDBCommand.parse(payload)
                    // This packet is acknowledged; what follows it is not (its
                    // OK comes from the simulation thread, perhaps later).
                    if case .startNoAckMode = command { noAck.store(true, ordering: .sequentiallyConsistent) }
                    post(.command(command))
                }
            }
        }
        // The disconnect is queued before the slot frees, so the next
        // client's `.connected` can only come after it.
        post(.disconnected)
        client.withLock { current in
            current = -1
            PosixIO.close(fd)
        }
    }

    private func post(_ event: GDBInbox.Event) { inbox.post(event, from: index) }

    /// Sends under the client lock, so the reader cannot close the socket
    /// (and a new client get its number) while a reply is on its way.
    private func write(_ bytes: [UInt8]) {
        client.withLock { fd in
            guard fd >= 0 else { return }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { PosixIO.send(fd, $0.baseAddress! + offset, bytes.count - offset) }
                if n < 0 && PosixIO.wouldBlock(PosixIO.errorNumber) { continue }
                guard n > 0 else { return }
                offset += n
            }
        }
    }
}
