import ChimeraCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The socket thread: accepts clients, reads and frames their messages,
/// writes replies and events. All of its state is owned by that thread;
/// it talks to the simulation only through the `MonitorChannel`.
final class SocketLoop {
    /// Limits that keep one misbehaving client from exhausting the host.
    struct Limits {
        var maxClients = 32
        /// A client that stops reading is dropped once this much output is pending.
        var maxPendingOutput = 64 << 20
        var messageLimit = QMPFramer.defaultLimit
        /// Commands of one client queued or executing at once. Beyond it the
        /// client is not read until replies come back, so a flood of requests
        /// costs at most this much simulation-thread work.
        var maxQueuedCommands = 64
        /// A client with this much unread output is not read from either:
        /// its replies are not being read, so its next commands must wait.
        var readPauseOutput = 1 << 20
    }

    private struct Client {
        let id: Int
        let fd: Int32
        var connection: QMPConnection
        var output: [UInt8] = []
        var written = 0
        /// Events start after the `qmp_capabilities` reply has been queued for writing.
        var receivesEvents = false
        var pendingOutput: Int { output.count - written }
        /// Messages posted whose replies have not come back yet.
        var inFlight = 0
        /// Framed messages not yet posted because `inFlight` reached the limit.
        var backlog: [QMPConnection.Inbound] = []
        /// The client shut down its sending side: it still gets the replies
        /// to what it sent, then the connection closes.
        var readClosed = false
    }

    private let listeners: [SocketListener]
    private let wakeReadFD: Int32
    private let channel: MonitorChannel
    private let limits: Limits
    private var clients: [Client] = []
    private var nextClientID = 1

    init(listeners: [SocketListener], wakeReadFD: Int32, channel: MonitorChannel, limits: Limits = Limits()) {
        self.listeners = listeners
        self.wakeReadFD = wakeReadFD
        self.channel = channel
        self.limits = limits
    }

    func run() {
        while !channel.stopRequested.load(ordering: .sequentiallyConsistent) {
            var fds = [pollfd(fd: wakeReadFD, events: Int16(POLLIN), revents: 0)]
            for l in listeners { fds.append(pollfd(fd: l.fd, events: Int16(POLLIN), revents: 0)) }
            for c in clients {
                let reading = wantsInput(c)
                fds.append(pollfd(fd: c.fd, events: (reading ? Int16(POLLIN) : 0) | (c.pendingOutput > 0 ? Int16(POLLOUT) : 0),
                                  revents: 0))
            }
            let ready = poll(&fds, nfds_t(fds.count), 500)
            if ready < 0 && !PosixIO.wouldBlock(PosixIO.errorNumber) { break }
            if fds[0].revents != 0 { drainWakePipe() }
            for (i, l) in listeners.enumerated() where fds[1 + i].revents & Int16(POLLIN) != 0 { accept(on: l) }
            let polled = fds.dropFirst(1 + listeners.count)
            for pfd in polled where pfd.revents != 0 {
                guard let index = clients.firstIndex(where: { $0.fd == pfd.fd }) else { continue }
                if pfd.revents & Int16(POLLERR) != 0 || pfd.revents & Int16(POLLNVAL) != 0 {
                    drop(at: index)
                } else if pfd.revents & (Int16(POLLIN) | Int16(POLLHUP)) != 0 && wantsInput(clients[index]) {
                    readFrom(fd: pfd.fd)
                }
            }
            deliverOutgoing()
            flushAll()
            closeFinished()
        }
        shutdown()
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while buffer.withUnsafeMutableBytes({ PosixIO.read(wakeReadFD, $0.baseAddress!, $0.count) }) > 0 {}
    }

    private func accept(on listener: SocketListener) {
        while true {
            #if canImport(Glibc)
            let fd = Glibc.accept(listener.fd, nil, nil)
            #else
            let fd = Darwin.accept(listener.fd, nil, nil)
            #endif
            guard fd >= 0 else { return }
            guard clients.count < limits.maxClients else {
                PosixIO.close(fd)
                continue
            }
            PosixIO.setNonBlocking(fd)
            let id = nextClientID
            nextClientID += 1
            var client = Client(id: id, fd: fd, connection: QMPConnection(client: id, limit: limits.messageLimit))
            client.output = Array((QMPMessage.greeting().jsonText + "\n").utf8)
            clients.append(client)
            channel.connectedClients.add(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Reads only from clients that may queue more work and read their replies.
    private func wantsInput(_ c: Client) -> Bool {
        !c.readClosed && c.backlog.isEmpty && c.inFlight < limits.maxQueuedCommands && c.pendingOutput < limits.readPauseOutput
    }

    private func readFrom(fd: Int32) {
        guard let index = clients.firstIndex(where: { $0.fd == fd }) else { return }
        var buffer = [UInt8](repeating: 0, count: 65536)
        // At most 1 MiB per wake-up, so one flooding client cannot starve the others.
        for _ in 0..<16 {
            let n = buffer.withUnsafeMutableBytes { PosixIO.read(fd, $0.baseAddress!, $0.count) }
            if n > 0 {
                clients[index].backlog += clients[index].connection.receive(buffer[0..<n])
                if n < buffer.count || !clients[index].backlog.isEmpty { break }
                continue
            }
            if n < 0 && PosixIO.errorNumber == EINTR { continue }
            if n < 0 && PosixIO.wouldBlock(PosixIO.errorNumber) { break }
            if n == 0 {
                // Half-close: the client sent everything it will send. A message
                // cut off by it is forgotten; complete ones are still answered.
                clients[index].readClosed = true
                break
            }
            drop(at: index)
            return
        }
        postBacklog(at: index)
    }

    /// Hands framed messages to the simulation while the client's queue has room.
    private func postBacklog(at index: Int) {
        let room = limits.maxQueuedCommands - clients[index].inFlight
        guard room > 0, !clients[index].backlog.isEmpty else { return }
        let batch = clients[index].backlog.prefix(room)
        clients[index].backlog.removeFirst(batch.count)
        clients[index].inFlight += batch.count
        let id = clients[index].id
        channel.post(batch.map { MonitorChannel.Incoming(client: id, inbound: $0) })
    }

    /// Closes half-closed clients once every reply has been written.
    private func closeFinished() {
        var i = 0
        while i < clients.count {
            let c = clients[i]
            if c.readClosed && c.inFlight == 0 && c.backlog.isEmpty && c.pendingOutput == 0 { drop(at: i) } else { i += 1 }
        }
    }

    private func deliverOutgoing() {
        for item in channel.takeOutgoing() {
            switch item {
            case .reply(let client, let text, let negotiates):
                guard let i = clients.firstIndex(where: { $0.id == client }) else { continue }
                clients[i].output.append(contentsOf: text.utf8)
                clients[i].output.append(UInt8(ascii: "\n"))
                if negotiates { clients[i].receivesEvents = true }
                clients[i].inFlight = max(clients[i].inFlight - 1, 0)
                postBacklog(at: i)
            case .event(let text):
                for i in clients.indices where clients[i].receivesEvents {
                    clients[i].output.append(contentsOf: text.utf8)
                    clients[i].output.append(UInt8(ascii: "\n"))
                }
            }
        }
        // A client that does not read its replies must not grow our memory without bound.
        var i = 0
        while i < clients.count {
            if clients[i].pendingOutput > limits.maxPendingOutput { drop(at: i) } else { i += 1 }
        }
    }

    private func flushAll() {
        var i = 0
        while i < clients.count {
            if flush(at: i) { i += 1 } else { drop(at: i) }
        }
    }

    /// Writes what the socket takes; `false` if the client is gone.
    private func flush(at index: Int) -> Bool {
        while clients[index].pendingOutput > 0 {
            let fd = clients[index].fd
            let start = clients[index].written
            let n = clients[index].output.withUnsafeBytes { raw in
                PosixIO.send(fd, raw.baseAddress! + start, raw.count - start)
            }
            if n > 0 {
                clients[index].written += n
            } else if n < 0 && PosixIO.wouldBlock(PosixIO.errorNumber) {
                break
            } else {
                return false
            }
        }
        if clients[index].written == clients[index].output.count {
            clients[index].output.removeAll(keepingCapacity: true)
            clients[index].written = 0
        } else if clients[index].written > 1 << 20 {
            clients[index].output.removeFirst(clients[index].written)
            clients[index].written = 0
        }
        return true
    }

    private func drop(at index: Int) {
        // Commands it queued and the simulation has not taken yet go with it.
        channel.discard(client: clients[index].id)
        PosixIO.close(clients[index].fd)
        clients.remove(at: index)
        channel.connectedClients.subtract(1, ordering: .sequentiallyConsistent)
    }

    /// Delivers what is still queued (the final reply and SHUTDOWN) for up
    /// to a second, then closes every socket.
    private func shutdown() {
        deliverOutgoing()
        var deadline = 20
        while deadline > 0 && clients.contains(where: { $0.pendingOutput > 0 }) {
            flushAll()
            var fds = clients.filter { $0.pendingOutput > 0 }.map { pollfd(fd: $0.fd, events: Int16(POLLOUT), revents: 0) }
            if fds.isEmpty { break }
            _ = poll(&fds, nfds_t(fds.count), 50)
            deadline -= 1
        }
        flushAll()
        while !clients.isEmpty { drop(at: clients.count - 1) }
        for l in listeners { l.close() }
        PosixIO.close(wakeReadFD)
    }
}
