import ChimeraCore
import ChimeraMonitor
import Foundation
import XCTest

/// Runs `Tests/Python/test_qmp.py` (QEMU's `qemu.qmp` client) against a
/// toy machine in preconfig mode. Skipped when python3 or qemu.qmp is missing.
final class PythonClientTests: XCTestCase {
    static var scriptURL: URL {
        TranscriptTests.documentURL.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Python/test_qmp.py")
    }

    private func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testQEMUClientDrivesTheMonitor() throws {
        guard (try? python(["-c", "import qemu.qmp"]))?.status == 0 else {
            throw XCTSkip("python3 with qemu.qmp is not available (python3 -m pip install qemu.qmp)")
        }
        let server = ServerHarness(options: MonitorRunOptions(preconfig: true, shutdownGrace: 5),
                                   makeMachine: { try MonitorFixture.makeMachine(realized: false) },
                                   configure: { sim in
                                       MonitorFixture.load(sim.machine, programA: MonitorFixture.countdown(200_000, exitCode: 42))
                                   })
        let (status, output) = try python([Self.scriptURL.path, "--connect", server.path, "--expect-exit-code", "42",
                                           "--timeout", "60"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("guest exit code 42"), output)
        guard case .success(let run)? = server.wait(timeout: 30) else { return XCTFail("the run did not end") }
        XCTAssertEqual(run.exitStatus, 42)
    }
}
