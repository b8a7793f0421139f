/// A first-in first-out queue of bytes for device FIFOs.
///
/// A class held in a `let`, with its length in a plain counter: a status
/// register read (`isEmpty`, `count`) is a field load. A FIFO kept as an
/// `Array` property of the device costs a dynamic exclusivity check
/// (`swift_beginAccess`, a thread-local look-up) on every such read,
/// because the compiler cannot prove that the array's mutations never
/// overlap another access to it.
final class ByteQueue {
    private var bytes: [UInt8] = []
    /// Index of the oldest byte in `bytes`.
    private var head = 0
    /// Bytes queued.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    func append(_ byte: UInt8) {
        if head > 0 && head == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            head = 0
        }
        bytes.append(byte)
        count += 1
    }

    /// Removes and returns the oldest byte; the queue must not be empty.
    func removeFirst() -> UInt8 {
        precondition(count > 0, "removeFirst from an empty ByteQueue")
        let b = bytes[head]
        head += 1
        count -= 1
        if count == 0 {
            bytes.removeAll(keepingCapacity: true)
            head = 0
        }
        return b
    }

    func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        head = 0
        count = 0
    }
}
