import ChimeraCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The timed transmit side shared by the UART models: a FIFO drained one
/// character per character time, each character appearing in the machine's
/// serial log (and on stdout or in a file) when its transmission completes.
final class SerialTransmitter {
    private unowned let device: SimObject
    private let fifo = ByteQueue()
    private var pendingEvent: EventHandle?
    private var file: UnsafeMutablePointer<FILE>?
    /// Characters the FIFO holds before "full".
    var depth: Int
    /// Time one character takes on the wire.
    var characterTime: VirtualTime
    /// Called when a character has left the FIFO (space appeared / became empty).
    var onDrain: () -> Void = {}

    init(device: SimObject, depth: Int, characterTime: VirtualTime) {
        self.device = device
        self.depth = depth
        self.characterTime = characterTime
    }

    deinit { if let file { fclose(file) } }

    /// Opens the destination named by the device's `output` properties.
    func open(destination: String, file path: String) throws(ChimeraError) {
        if let file { fclose(file); self.file = nil }
        switch destination {
        case "file":
            // A regular, new or /dev/null file only: fopen of a FIFO would block until a reader appears.
            let fd: Int32
            do { fd = try HostFile.createForWriting(path, what: "UART output file") } catch {
                throw ChimeraError.object(device.path, "cannot open output file '\(path)': \(error.message)")
            }
            guard let f = fdopen(fd, "wb") else {
                Glibc.close(fd)
                throw ChimeraError.object(device.path, "cannot open output file '\(path)'")
            }
            file = f
        case "stdout":
            file = nil
            toStdout = true
            return
        default: break
        }
        toStdout = false
    }

    private var toStdout = false

    var isFull: Bool { fifo.count >= depth }
    var isEmpty: Bool { fifo.isEmpty }
    var count: Int { fifo.count }

    /// Queues a character. A write while the FIFO reports full is kept
    /// rather than lost: QEMU never drops output, and code written for it
    /// often does not poll the full flag.
    func send(_ byte: UInt8) {
        fifo.append(byte)
        if pendingEvent == nil { scheduleNext() }
    }

    /// Emits every queued character now (the guest exited; what it wrote
    /// before exiting should still be seen).
    func flush() {
        guard let machine = device.root as? Machine else { return }
        while !fifo.isEmpty { emit(fifo.removeFirst(), machine: machine) }
        if let e = pendingEvent { machine.clock.cancel(e) }
        pendingEvent = nil
    }

    private func scheduleNext() {
        guard let machine = device.root as? Machine else { return }
        pendingEvent = machine.clock.schedule(after: characterTime, "\(device.path) tx") { [unowned self] in
            self.pendingEvent = nil
            guard !self.fifo.isEmpty else { return }
            let byte = self.fifo.removeFirst()
            self.emit(byte, machine: machine)
            if !self.fifo.isEmpty { self.scheduleNext() }
            self.onDrain()
        }
    }

    private func emit(_ byte: UInt8, machine: Machine) {
        machine.serial.write(byte, from: device.path)
        if toStdout {
            HostOutput.writeStandardOutput(byte)
        } else if let file {
            fputc(Int32(byte), file)
            fflush(file)
        }
    }

    /// Drops queued characters and the pending event (reset).
    func reset() {
        fifo.removeAll()
        if let e = pendingEvent, let machine = device.root as? Machine { machine.clock.cancel(e) }
        pendingEvent = nil
    }

    /// Properties every UART has for its output side.
    static let outputProperties: [PropertyDescriptor] = [
        PropertyDescriptor("output", .enumeration(["stdout", "buffer", "file"]), default: "stdout",
                           doc: "Where transmitted characters go besides the machine's serial log"),
        PropertyDescriptor("output-file", .string, default: "", doc: "File for output=file"),
        PropertyDescriptor("character-time", .time, default: .uint(VirtualTime.microseconds(1).picoseconds),
                           doc: "Time per character (unless baud-timing is on and the guest programs a baud rate)"),
        PropertyDescriptor("baud-timing", .bool, default: false,
                           doc: "Pace characters at the baud rate the guest programs (10 bits each), as hardware does; "
                              + "off, every character takes character-time, close to QEMU, which sends at once"),
    ]
}
