/// Where a UART's transmitted bytes go besides the machine's log.
public enum SerialDestination: Hashable, Sendable {
    /// Only the in-memory log (tests, `--until uart=`).
    case buffer
    /// Also the process's standard output.
    case stdout
    /// Also appended to a file.
    case file(String)
}

/// Everything the machine's UARTs transmitted, per device and merged, in
/// virtual-time order. Run conditions and tests read it; the CLI echoes it.
public final class SerialLog {
    /// Bytes of all UARTs in the order they were sent.
    public private(set) var merged: [UInt8] = []
    /// Bytes per UART path, in first-use order of paths.
    public private(set) var perDevice: [(path: String, bytes: [UInt8])] = []
    /// Called for every byte (the CLI prints them; traces hash them).
    public var observer: ((String, UInt8) -> Void)?

    public init() {}

    /// Records one transmitted byte from the UART at `path`.
    public func write(_ byte: UInt8, from path: String) {
        merged.append(byte)
        if let i = perDevice.firstIndex(where: { $0.path == path }) {
            perDevice[i].bytes.append(byte)
        } else {
            perDevice.append((path, [byte]))
        }
        observer?(path, byte)
    }

    /// The merged output as text (invalid UTF-8 repaired).
    public var text: String { String(decoding: merged, as: UTF8.self) }

    /// Output of one UART as text.
    public func text(of path: String) -> String {
        String(decoding: perDevice.first { $0.path == path }?.bytes ?? [], as: UTF8.self)
    }
}

/// Implemented by devices that accept host input (UART receive).
public protocol SerialInputReceiver: AnyObject {
    /// Delivers bytes typed on the host; called at quantum boundaries only.
    func receive(_ bytes: [UInt8])
}

/// Implemented by devices that buffer output in virtual time (UARTs): the
/// scheduler flushes them when the guest exits, so nothing it wrote is lost.
public protocol OutputFlushing: AnyObject {
    /// Emits buffered output immediately.
    func flushOutput()
}
