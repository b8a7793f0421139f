import Foundation
import XCTest

/// One gdb-multiarch session debugging both clusters of `hetero`, through
/// one connection (`chimera run -S --gdb tcp::0`) and through a port per
/// cluster (`--gdb arm=tcp::0 --gdb x86=tcp::0`): the ARM kernel stops at
/// a breakpoint, the x86 kernel's registers and its view of the shared RAM
/// are read while both are stopped, a watchpoint the ARM inferior sets on
/// the shared RAM fires when the x86 core writes there, both run to the
/// end, and the run ends with the trace hash of the same run without gdb.
final class HeteroGDBTests: XCTestCase {
    static let gdb = "/usr/bin/gdb-multiarch"

    /// Runs `chimera run hetero -S` with `gdbArguments`, waits for the
    /// stub's hints of `ports` ports, runs gdb-multiarch with the script
    /// `script(ports)`, and returns gdb's transcript, chimera's stderr, its
    /// exit status and the trace hash of the same run without gdb.
    func session(gdbArguments: [String], ports count: Int,
                 script: ([String], EndToEnd.DemoKernels) -> [String]) throws -> (String, String, Int32, String?) {
        guard FileManager.default.isExecutableFile(atPath: Self.gdb) else {
            throw XCTSkip("no \(Self.gdb); `make test-deps` installs Debian's gdb-multiarch")
        }
        let kernels = try EndToEnd.demoKernels()
        let plainRun = try EndToEnd.chimera(["run", "hetero", "--quiet", "--kernel", "arm=\(kernels.arm)",
                                             "--kernel", "x86=\(kernels.x86)"])
        let plainHash = EndToEnd.traceHash(inSummary: plainRun.stderr)

        let chimera = Process()
        chimera.executableURL = URL(fileURLWithPath: try EndToEnd.chimeraBinary())
        chimera.arguments = ["run", "hetero", "--quiet", "-S"] + gdbArguments
            + ["--kernel", "arm=\(kernels.arm)", "--kernel", "x86=\(kernels.x86)"]
        chimera.currentDirectoryURL = URL(fileURLWithPath: EndToEnd.packageRoot)
        let errors = Pipe()
        chimera.standardError = errors
        chimera.standardOutput = FileHandle.nullDevice
        try chimera.run()
        defer { if chimera.isRunning { chimera.terminate() } }

        // The stub names each port it bound in its `target extended-remote` hints.
        var stderrText = ""
        var ports: [String] = []
        while ports.count < count {
            let chunk = errors.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            stderrText += String(decoding: chunk, as: UTF8.self)
            ports = []
            var rest = stderrText[...]
            while let range = rest.range(of: "target extended-remote :") {
                let digits = rest[range.upperBound...].prefix { $0.isNumber }
                if !digits.isEmpty && rest[range.upperBound...].dropFirst(digits.count).first == "'"
                    && !ports.contains(String(digits)) { ports.append(String(digits)) }
                rest = rest[range.upperBound...]
            }
        }
        XCTAssertEqual(ports.count, count, "gdb hints on stderr:\n\(stderrText)")
        guard ports.count == count else { throw XCTSkip("no ports") }

        let commands = ["set pagination off", "set confirm off",
                        // The machine runs as a whole; let gdb resume (and so re-read) both inferiors.
                        "set schedule-multiple on"] + script(ports, kernels)
        let gdb = try EndToEnd.run(Self.gdb, ["-nx", "-batch"] + commands.flatMap { ["-ex", $0] }, timeout: 120)
        chimera.waitUntilExit()
        stderrText += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(EndToEnd.traceHash(inSummary: stderrText), plainHash, "gdb must not perturb the run:\n\(stderrText)")
        return (gdb.stdoutText + gdb.stderr, stderrText, chimera.terminationStatus, plainHash)
    }

    /// What both forms must show: the watchpoint on the shared RAM firing for
    /// the x86 core's store, the ARM breakpoint, the x86 side read while stopped.
    static let expected = [
        "Hardware watchpoint 1: *(unsigned int *)0x80000800",
        "Old value = 0\nNew value = 1\n",
        "hit Breakpoint 2, 0x", " in expect ()",
        "rip            0x", " <kmain+",
        "0xc0000000:\t0x50494e47",      // "PING" in the shared window, as the x86 side sees it
    ]

    /// The ARM side's steps of both scripts, after the inferiors are set up.
    static let armSteps = [
        // The reply's round word, which the x86 core writes (rounds count from 1).
        "inferior 1", "watch *(unsigned int *)0x80000800", "continue",
        "delete", "break expect", "continue",
        "inferior 2", "info registers rip", "x/2xw 0xC0000000",
        "inferior 1", "delete", "continue",
    ]

    func testOneConnectionTwoInferiorsOnHetero() throws {
        let (transcript, stderrText, status, _) = try session(gdbArguments: ["--gdb", "tcp::0"], ports: 1) { ports, kernels in
            ["file \(kernels.arm)", "target extended-remote :\(ports[0])",
             "add-inferior", "inferior 2", "file \(kernels.x86)", "attach 2",
             "info threads"] + Self.armSteps
        }
        for expected in Self.expected + [
            "Thread 1.1 \"/machine/arm/cpu[0]\"", "Thread 2.1 \"/machine/x86/cpu[0]\"",
            "watchpoint: written by /machine/x86/cpu[0] at pc 0x",
            "[Inferior 1 (process 1) exited normally]",
        ] {
            XCTAssertTrue(transcript.contains(expected), "missing '\(expected)' in:\n\(transcript)")
        }
        XCTAssertEqual(status, 0, stderrText)
    }

    /// A port per cluster (`--gdb arm=tcp::0 --gdb x86=tcp::0`), gdb on the
    /// ARM one: its process is the ARM cluster alone, and the x86 core's
    /// store to the shared RAM still fires the watchpoint it set. (One gdb
    /// on both ports needs its multi-target resumption, which wants a
    /// non-stop stub: Documentation/Debugging.md.)
    func testAPortPerClusterOnHetero() throws {
        let (transcript, stderrText, status, _) = try session(gdbArguments: ["--gdb", "arm=tcp::0", "--gdb", "x86=tcp::0"],
                                                              ports: 2) { ports, kernels in
            ["file \(kernels.arm)", "target extended-remote :\(ports[0])", "info threads",
             "watch *(unsigned int *)0x80000800", "continue",
             "delete", "break expect", "continue", "x/2xw 0x80000000",
             "delete", "continue"]
        }
        for expected in [
            "Thread 1.1 \"/machine/arm/cpu[0]\"",
            "Hardware watchpoint 1: *(unsigned int *)0x80000800",
            "watchpoint: written by /machine/x86/cpu[0] at pc 0x",
            "Old value = 0\nNew value = 1\n",
            "Breakpoint 2, 0x", " in expect ()",
            "0x80000000:\t0x50494e47",
            "[Inferior 1 (process 1) exited normally]",
        ] {
            XCTAssertTrue(transcript.contains(expected), "missing '\(expected)' in:\n\(transcript)")
        }
        XCTAssertFalse(transcript.contains("x86/cpu[0]\" "), "the ARM port serves only the ARM cluster:\n\(transcript)")
        XCTAssertTrue(stderrText.contains("gdb: /machine/x86 is process 1"), stderrText)
        XCTAssertEqual(status, 0, stderrText)
    }
}
