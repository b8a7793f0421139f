import ChimeraCore
import ChimeraScheduler
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A QMP server: listening sockets and a socket thread that frames
/// client traffic. Commands are executed by `run(machine:options:)` on
/// the caller's thread, which is also the simulation thread.
public final class MonitorServer: Sendable {
    /// The endpoints as bound (TCP port 0 replaced by the chosen port).
    public let boundEndpoints: [MonitorEndpoint]
    let channel: MonitorChannel
    private let thread: pthread_t

    /// Binds every endpoint and starts the socket thread. Non-loopback TCP
    /// addresses are refused unless `allowRemote` is set.
    public init(endpoints: [MonitorEndpoint], allowRemote: Bool = false) throws(ChimeraError) {
        var listeners: [SocketListener] = []
        do {
            for e in endpoints { listeners.append(try SocketListener.open(e, allowRemote: allowRemote)) }
        } catch {
            for l in listeners { l.close() }
            throw error
        }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            for l in listeners { l.close() }
            throw ChimeraError(.generic, "monitor: pipe() failed: \(PosixIO.lastError)")
        }
        PosixIO.setNonBlocking(pipeFDs[0])
        PosixIO.setNonBlocking(pipeFDs[1])
        let channel = MonitorChannel(wakeWriteFD: pipeFDs[1])
        let bound = listeners
        let readFD = pipeFDs[0]
        guard let thread = PosixIO.startThread({
            SocketLoop(listeners: bound, wakeReadFD: readFD, channel: channel).run()
        }) else {
            for l in listeners { l.close() }
            PosixIO.close(pipeFDs[0])
            PosixIO.close(pipeFDs[1])
            throw ChimeraError(.generic, "monitor: cannot start the socket thread")
        }
        self.channel = channel
        self.thread = thread
        self.boundEndpoints = listeners.map(\.endpoint)
    }

    deinit { close() }

    /// Clients connected right now.
    public var connectedClients: Int { channel.connectedClients.load(ordering: .sequentiallyConsistent) }

    /// Delivers queued output (for up to a second), closes every connection
    /// and socket and removes Unix socket files. Idempotent.
    public func close() {
        guard !channel.stopRequested.exchange(true, ordering: .sequentiallyConsistent) else { return }
        channel.wake()
        PosixIO.join(thread)
        PosixIO.close(channel.wakeWriteFD)
    }

    // MARK: Simulation-thread side

    /// Sends a dispatcher output to its client(s).
    func send(_ output: MonitorOutput) {
        switch output {
        case .reply(let client, let value, let negotiates):
            channel.send(.reply(client: client, text: value.jsonText, negotiates: negotiates))
        case .event(let event):
            channel.send(.event(text: event.json.jsonText))
        }
    }

    /// Executes every message received so far, in arrival order.
    func serve(_ dispatcher: MonitorDispatcher) {
        for item in channel.takeIncoming() {
            switch item.inbound {
            case .request(let request): dispatcher.handle(request)
            case .reply(let value, let negotiates):
                dispatcher.output(.reply(client: item.client, value, negotiates: negotiates))
            }
        }
    }

    /// Waits up to `seconds` for a message, then executes what arrived.
    func waitAndServe(_ dispatcher: MonitorDispatcher, seconds: Double) {
        channel.waitForIncoming(seconds: seconds)
        serve(dispatcher)
    }
}
