/// The receive side shared by the UART models: a FIFO of the depth the
/// guest has configured, fed from a backlog of host bytes.
///
/// Host input arrives in bursts (a pasted line, a test's `sendInput`, a
/// replayed record) that can be longer than the FIFO. Like QEMU's
/// character back ends, which hold bytes until the device can take them,
/// the backlog keeps them and moves one into the FIFO each time the guest
/// reads one out, so nothing typed is lost while the guest is busy. The
/// refill happens on guest reads only, so it is deterministic.
final class SerialReceiver {
    /// Host bytes kept beyond this are dropped (a runaway paste, not typing).
    static let backlogLimit = 1 << 20

    private let fifo = ByteQueue()
    private let backlog = ByteQueue()
    /// Bytes the FIFO holds before it reports full (1 with the FIFO off).
    var depth: Int = 16 {
        didSet { refill() }
    }

    var isEmpty: Bool { fifo.isEmpty }
    var count: Int { fifo.count }
    var isFull: Bool { fifo.count >= depth }
    /// Host bytes not yet in the FIFO.
    var waiting: Int { backlog.count }

    /// Queues host bytes; returns how many were dropped at the backlog limit.
    @discardableResult
    func receive(_ bytes: [UInt8]) -> Int {
        var dropped = 0
        for b in bytes {
            if backlog.count >= SerialReceiver.backlogLimit { dropped += 1; continue }
            backlog.append(b)
        }
        refill()
        return dropped
    }

    /// The oldest received byte, refilling the FIFO from the backlog.
    func pop() -> UInt8? {
        guard !fifo.isEmpty else { return nil }
        let b = fifo.removeFirst()
        refill()
        return b
    }

    /// Empties the FIFO (a guest FIFO reset); the backlog, still on the
    /// host side of the line, then flows in.
    func clearFIFO() {
        fifo.removeAll()
        refill()
    }

    /// Empties both (device reset).
    func removeAll() {
        fifo.removeAll()
        backlog.removeAll()
    }

    private func refill() {
        while fifo.count < depth && !backlog.isEmpty { fifo.append(backlog.removeFirst()) }
    }
}
