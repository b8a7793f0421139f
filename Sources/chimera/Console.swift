import ChimeraCore
import ChimeraScheduler
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The interactive console of `chimera run`, as `qemu -nographic` gives one:
/// host standard input goes to one UART's receiver, the terminal is in raw
/// mode (so Ctrl-C reaches the guest), and Ctrl-A starts a command for
/// Chimera itself: Ctrl-A x quits, Ctrl-A h lists the commands, Ctrl-A
/// Ctrl-A sends one Ctrl-A to the guest.
///
/// Typed bytes enter the run through its RunControl, which delivers them at
/// the next quantum boundary and records them with their virtual time, so
/// `--record` then `--replay` reproduces an interactive session exactly.
/// While the console is attached, idle stretches of virtual time are paced
/// to the host's clock (a guest's `sleep 1` takes a second, as in QEMU) and
/// a machine with nothing left to do waits for typing instead of ending in
/// a deadlock. When standard input ends (a file or pipe at EOF), the console
/// detaches and the run continues as without one.
final class Console {
    static let escape: UInt8 = 0x01    // Ctrl-A
    static let helpText = """
        Ctrl-A x   quit (the run ends as if paused; the summary line follows)
        Ctrl-A h   this help
        Ctrl-A Ctrl-A   send Ctrl-A to the guest

        """

    let devicePath: String
    private let control: RunControl
    private var savedTerminal: termios?
    private let quitFlag = QuitFlag()
    /// Host nanoseconds at which virtual time zero is pinned for pacing.
    private var origin: UInt64 = 0

    /// Did the user quit with Ctrl-A x?
    var quit: Bool { quitFlag.value.load(ordering: .sequentiallyConsistent) }

    /// The receiver typing goes to: `choice` is a device path, "none", or
    /// "auto": when standard input is a terminal, the first UART that prints
    /// on standard output, else the first UART. Nil: no console.
    static func device(in machine: Machine, choice: String) throws(ChimeraError) -> String? {
        if choice == "none" || (choice == "auto" && isatty(0) == 0) { return nil }
        if choice != "auto" {
            guard let object = try? machine.resolve(choice) else {
                throw ChimeraError(.generic, "--console \(choice): no such device")
            }
            guard object is any SerialInputReceiver else {
                throw ChimeraError.object(object.path, "--console: \(object.objectType.name) takes no serial input")
            }
            return object.path
        }
        let receivers = machine.subtree.filter { $0 is any SerialInputReceiver }
        let printing = receivers.first { $0.propertyDescriptors.contains { $0.name == "output" } && $0.stringProperty("output") == "stdout" }
        return (printing ?? receivers.first)?.path
    }

    init(devicePath: String, control: RunControl) {
        self.devicePath = devicePath
        self.control = control
    }

    /// Puts a terminal on standard input into raw mode and starts reading it.
    func start() {
        origin = Console.hostNanoseconds()
        if isatty(0) != 0 {
            var t = termios()
            if tcgetattr(0, &t) == 0 {
                savedTerminal = t
                // Raw input (no echo, no line editing, no signals from Ctrl-C/Ctrl-Z)
                // but output post-processing kept, as QEMU keeps it.
                t.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON)
                t.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN)
                t.c_cflag = (t.c_cflag & ~tcflag_t(CSIZE | PARENB)) | tcflag_t(CS8)
                withUnsafeMutableBytes(of: &t.c_cc) { cc in
                    cc[Int(VMIN)] = 1
                    cc[Int(VTIME)] = 0
                }
                _ = tcsetattr(0, TCSANOW, &t)
            }
        }
        control.setLiveInput(true)
        let (control, device, raw, quitFlag) = (control, devicePath, savedTerminal != nil, quitFlag)
        let thread = Thread { Console.readLoop(into: control, device: device, raw: raw, quit: quitFlag) }
        thread.name = "chimera console"
        thread.start()
    }

    /// Restores the terminal; safe to call more than once.
    func stop() {
        if var t = savedTerminal { _ = tcsetattr(0, TCSANOW, &t) }
        savedTerminal = nil
    }

    /// Reads standard input until EOF (or Ctrl-A x on a raw terminal) and queues what was typed.
    private static func readLoop(into control: RunControl, device devicePath: String, raw: Bool, quit: QuitFlag) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var escaped = false
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            var bytes: [UInt8] = []
            for b in buffer[0..<n] {
                if escaped {
                    escaped = false
                    switch b {
                    case UInt8(ascii: "x"), UInt8(ascii: "X"):
                        quit.value.store(true, ordering: .sequentiallyConsistent)
                        control.requestPause()
                        if !bytes.isEmpty { control.injectInput(bytes, into: devicePath) }
                        return
                    case UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "?"):
                        printError("\r\n" + Console.helpText.replacingOccurrences(of: "\n", with: "\r\n"))
                    case Console.escape: bytes.append(b)
                    default: break
                    }
                } else if b == Console.escape && raw {
                    escaped = true
                } else {
                    bytes.append(b)
                }
            }
            if !bytes.isEmpty { control.injectInput(bytes, into: devicePath) }
        }
        control.setLiveInput(false)
    }

    /// Paces an idle stretch to the host clock: waits until the host has
    /// caught up with `target` or input arrives, and returns the virtual time
    /// the wait reached.
    func pace(from now: VirtualTime, to target: VirtualTime) -> VirtualTime {
        guard control.hasLiveInput else { return target }
        let elapsed = Console.hostNanoseconds() &- origin
        let targetNanoseconds = target.picoseconds / 1000
        if elapsed < targetNanoseconds {
            if control.waitForHost(nanoseconds: targetNanoseconds - elapsed), control.hasWork {
                // Woken by typing: the idle stretch ends where the host clock is.
                let reached = VirtualTime(picoseconds: (Console.hostNanoseconds() &- origin) &* 1000)
                return max(now, min(reached, target))
            }
        } else {
            // Behind the host (the guest was busy): pin virtual time to it again.
            origin = Console.hostNanoseconds() &- targetNanoseconds
        }
        return target
    }

    static func hostNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// Set by the console's reader thread when the user quits.
final class QuitFlag: Sendable {
    let value = Atomic<Bool>(false)
}
