import Foundation
import XCTest

/// One gdb-multiarch session debugging both clusters of `hetero` through
/// one connection (`chimera run -S --gdb tcp::0`): the ARM kernel stops at
/// a breakpoint, the x86 kernel's registers and its view of the shared RAM
/// are read while both are stopped, a watchpoint the ARM inferior sets on
/// the shared RAM fires when the x86 core writes there, both run to the
/// end, and the run ends with the trace hash of the same run without gdb.
final class HeteroGDBTests: XCTestCase {
    static let gdb = "/usr/bin/gdb-multiarch"

    func testOneConnectionTwoInferiorsOnHetero() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.gdb) else {
            throw XCTSkip("no \(Self.gdb); `make test-deps` installs Debian's gdb-multiarch")
        }
        let kernels = try EndToEnd.demoKernels()
        let plainRun = try EndToEnd.chimera(["run", "hetero", "--quiet", "--kernel", "arm=\(kernels.arm)",
                                             "--kernel", "x86=\(kernels.x86)"])
        let plainHash = try XCTUnwrap(EndToEnd.traceHash(inSummary: plainRun.stderr))

        let chimera = Process()
        chimera.executableURL = URL(fileURLWithPath: try EndToEnd.chimeraBinary())
        chimera.arguments = ["run", "hetero", "--quiet", "-S", "--gdb", "tcp::0", "--kernel", "arm=\(kernels.arm)",
                             "--kernel", "x86=\(kernels.x86)"]
        chimera.currentDirectoryURL = URL(fileURLWithPath: EndToEnd.packageRoot)
        let errors = Pipe()
        chimera.standardError = errors
        chimera.standardOutput = FileHandle.nullDevice
        try chimera.run()
        defer { if chimera.isRunning { chimera.terminate() } }

        // The stub names the port it bound in its `target extended-remote` hint.
        var stderrText = ""
        var port: String?
        while port == nil {
            let chunk = errors.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            stderrText += String(decoding: chunk, as: UTF8.self)
            if let range = stderrText.range(of: "target extended-remote :") {
                let digits = stderrText[range.upperBound...].prefix { $0.isNumber }
                if !digits.isEmpty && stderrText[range.upperBound...].dropFirst(digits.count).first == "'" { port = String(digits) }
            }
        }
        let boundPort = try XCTUnwrap(port, "no gdb hint on stderr:\n\(stderrText)")

        let script = [
            "set pagination off", "set confirm off",
            // The machine runs as a whole; let gdb resume (and so re-read) both inferiors.
            "set schedule-multiple on",
            "file \(kernels.arm)", "target extended-remote :\(boundPort)",
            "add-inferior", "inferior 2", "file \(kernels.x86)", "attach 2",
            "info threads",
            // The reply's round word, which the x86 core writes: round 0 leaves
            // it 0 (gdb stays quiet), round 1 makes it 1.
            "inferior 1", "watch *(unsigned int *)0x80000800", "continue",
            "delete", "break expect", "continue",
            "inferior 2", "info registers rip", "x/2xw 0xC0000000",
            "inferior 1", "delete", "continue",
        ]
        let gdb = try EndToEnd.run(Self.gdb, ["-nx", "-batch"] + script.flatMap { ["-ex", $0] }, timeout: 120)
        let transcript = gdb.stdoutText + gdb.stderr
        chimera.waitUntilExit()
        stderrText += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

        for expected in [
            "Thread 1.1 \"/machine/arm/cpu[0]\"", "Thread 2.1 \"/machine/x86/cpu[0]\"",
            "hit Breakpoint 2, 0x", " in expect ()",
            "rip            0x", " <kmain+",
            "0xc0000000:\t0x50494e47",      // "PING" in the shared window, as the x86 side sees it
            "Hardware watchpoint 1: *(unsigned int *)0x80000800",
            "watchpoint: written by /machine/x86/cpu[0] at pc 0x",
            "Old value = 0\nNew value = 1\n",
            "[Inferior 1 (process 1) exited normally]",
        ] {
            XCTAssertTrue(transcript.contains(expected), "missing '\(expected)' in:\n\(transcript)")
        }
        XCTAssertEqual(chimera.terminationStatus, 0, stderrText)
        XCTAssertEqual(EndToEnd.traceHash(inSummary: stderrText), plainHash, "gdb must not perturb the run:\n\(stderrText)")
    }
}
