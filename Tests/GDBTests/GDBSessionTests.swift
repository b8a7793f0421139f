import ChimeraCore
import ChimeraGDB
import ChimeraKit
import ChimeraScheduler
import ChimeraTestSupport
import Foundation
import XCTest

/// Debian's gdb-multiarch against the stub, in batch mode, on a program
/// built with -O0 -g (Tests/Kernels/debug/gdb-target.c): breakpoints by
/// function name, backtraces, locals, step into and over, finish, a thread
/// switch, a watchpoint on a global, continue to the exit code; and the run
/// ends exactly as without gdb.
final class GDBSessionTests: XCTestCase {
    static let gdb = "/usr/bin/gdb-multiarch"

    struct Session {
        var transcript: String
        var debugged: RunResult
        var plain: RunResult
    }

    func runSession(board: String, cores: Int, core: String, platform: KernelPlatform, script: [String]) throws -> Session {
        guard FileManager.default.isExecutableFile(atPath: Self.gdb) else {
            throw XCTSkip("no \(Self.gdb); `make test-deps` installs Debian's gdb-multiarch")
        }
        let builder = try KernelBuilder()
        let elf = try builder.build(program: "gdb-target", platform: platform, directory: "debug", debugInfo: true)
        let limits = RunLimits(instructionBudget: 50_000_000)

        let plainMachine = try TestMachine(board: board, parameters: ["cores": String(cores)])
        try plainMachine.loadKernel(elf, on: core)
        let plain = try plainMachine.run(until: .exit, within: limits.instructionBudget)

        let board = try TestMachine(board: board, parameters: ["cores": String(cores)])
        try board.loadKernel(elf, on: core)
        let stub = try board.startGDB(waitForDebugger: true)
        let background = BackgroundRun(board, within: limits.instructionBudget)

        guard case .tcp(_, let port) = stub.endpoint else { throw XCTSkip("no TCP port") }
        let commands = ["set pagination off", "set confirm off", "file \(elf)", "target extended-remote :\(port)"] + script
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.gdb)
        process.arguments = ["-nx", "-batch"] + commands.flatMap { ["-ex", $0] }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        // Source paths as the checks spell them: relative to Tests/Kernels/debug.
        let transcript = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .replacingOccurrences(of: builder.kernelsDirectory + "/debug/", with: "")
        process.waitUntilExit()
        guard let debugged = background.wait() else {
            XCTFail("the debugged run did not end:\n\(transcript)")
            throw XCTSkip("hung")
        }
        return Session(transcript: transcript, debugged: debugged, plain: plain)
    }

    static let script = [
        "info threads",
        "break accumulate",
        "continue",
        "bt",
        "print round",
        "step",
        "bt",
        "finish",
        "next",
        "print step",
        "thread 2",
        "info threads",
        "thread 1",
        "continue",
        "print round",
        "print watched_total",
        "delete",
        // The store of round 1 and then of round 2 fire it (1 + 2, then 3 + 5).
        "watch watched_total",
        "continue",
        "continue",
        "delete",
        "continue",
    ]

    func check(_ session: Session, exitCode: String, file: StaticString = #filePath, line: UInt = #line) {
        let t = session.transcript
        for expected in [
            "Breakpoint 1, accumulate (round=0) at gdb-target.c:17",
            " in kmain () at gdb-target.c:25",
            "$1 = 0",
            "square (x=0) at gdb-target.c:12",
            " in accumulate (round=0) at gdb-target.c:17",
            "Value returned is $2 = 0",
            "18\t    watched_total += step;",
            "$3 = 1",
            "[Switching to thread 2 (Thread 1.2)]",
            "Breakpoint 1, accumulate (round=1) at gdb-target.c:17",
            "$4 = 1",
            "$5 = 1",
            "Hardware watchpoint 2: watched_total",
            "Old value = 1\nNew value = 3\n",
            "Old value = 3\nNew value = 8\n",
            "[Inferior 1 (process 1) exited with code \(exitCode)]",
        ] {
            XCTAssertTrue(t.contains(expected), "missing '\(expected)' in:\n\(t)", file: file, line: line)
        }
        // Debugging does not perturb the run.
        XCTAssertEqual(session.debugged.outcome, session.plain.outcome, file: file, line: line)
        XCTAssertEqual(session.debugged.traceHash, session.plain.traceHash, file: file, line: line)
        XCTAssertEqual(session.debugged.instructions, session.plain.instructions, file: file, line: line)
        XCTAssertEqual(session.debugged.time, session.plain.time, file: file, line: line)
    }

    func testAArch64SessionOnVirtWithTwoCores() throws {
        // The program runs on the first core; the second waits for a PSCI CPU_ON that never comes.
        let session = try runSession(board: "virt-arm64", cores: 2, core: "arm/cpu[0]", platform: .arm64Virt, script: Self.script)
        check(session, exitCode: "043")   // 35
    }

    func testX86SessionOnPCWithTwoCores() throws {
        // Only the first core runs the program (the platform code is not SMP-safe); the second stays off.
        let session = try runSession(board: "pc-x86_64", cores: 2, core: "x86/cpu[0]", platform: .x86_64PC, script: Self.script)
        check(session, exitCode: "0107")  // isa-debug-exit: (35 << 1) | 1
    }
}
