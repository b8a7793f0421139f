import ChimeraCore
import ChimeraMonitor
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte side of the stub: a listening socket, one client at a time
/// (another is accepted and closed at once), a reader thread that frames
/// packets, acknowledges them and turns Ctrl-C into `onInterrupt`, and an
/// inbox the simulation thread takes commands from.
///
/// Sendable by hand: what its threads share is behind a `Mutex`, an
/// `Atomic` or the semaphore; `onConnect`/`onInterrupt` are set before
/// `start()` and only read afterwards.
final class GDBConnection: @unchecked Sendable {
    enum Event {
        case connected
        case disconnected
        case command(GDBCommand)
    }

    let endpoint: MonitorEndpoint
    var onConnect: @Sendable () -> Void = {}
    var onInterrupt: @Sendable () -> Void = {}

    private let listener: SocketListener
    private let client = Mutex<Int32>(-1)
    private let inbox = Mutex<[Event]>([])
    private let arrived = DispatchSemaphore(value: 0)
    private let noAck = Atomic<Bool>(false)
    private let closed = Atomic<Bool>(false)
    /// The last packet sent, for a `-` (resend) in ack mode.
    private let lastSent = Mutex<[UInt8]>([])

    init(endpoint: MonitorEndpoint, allowRemote: Bool) throws(ChimeraError) {
        listener = try SocketListener.open(endpoint, allowRemote: allowRemote, option: "--gdb")
        self.endpoint = listener.endpoint
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

    /// Blocks until the next event.
    func next() -> Event {
        while true {
            if let event = inbox.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return event }
            arrived.wait()
        }
    }

    /// Sends one packet with `payload`.
    func send(_ payload: String) { send(bytes: Array(payload.utf8)) }

    func send(bytes payload: [UInt8]) {
        let packet = GDBPacket.encode(payload)
        lastSent.withLock { $0 = packet }
        write(packet)
    }

    /// Answers what arrives for up to `seconds` with `answer` (nil: no
    /// reply), then returns; used after the run has ended.
    func drain(seconds: Double, answer: (GDBCommand) -> String?) {
        let deadline = DispatchTime.now() + seconds
        while isConnected {
            if let event = inbox.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                guard case .command(let command) = event else { return }
                if let reply = answer(command) { send(reply) }
                continue
            }
            if arrived.wait(timeout: deadline) == .timedOut { return }
        }
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
            // The stop request first, then the event: a machine already
            // stopped clears the request when it takes the event.
            onConnect()
            post(.connected)
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

    private func post(_ event: Event) {
        inbox.withLock { $0.append(event) }
        arrived.signal()
    }

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
