import ChimeraCore
import ChimeraKit
import ChimeraMonitor
import ChimeraScheduler
import ChimeraTestSupport
import Foundation
import XCTest

/// QMP `stop` and `cont` while Debian's arm64 kernel boots on four cores:
/// wherever the host happens to stop it, the run is the same as one never
/// stopped (pausing happens at quantum boundaries and moves no state).
final class LinuxPauseTests: XCTestCase {
    static let marker = "CHIMERA-INIT: cpus=4"

    static func fourCoreBoot(_ files: (image: String, initrd: String)) throws -> Machine {
        let board = try TestMachine(board: "virt-arm64", parameters: ["cores": "4", "gic-version": "3"])
        try board.set("/machine/arm/uart", "output", .string("buffer"))
        try board.loadLinux(image: files.image, initrd: files.initrd, append: "console=ttyAMA0", on: "arm")
        return board.machine
    }

    func testStopAndContAtManyPointsLeaveAFourCoreBootUnchanged() throws {
        guard let files = LinuxGuest.files else {
            throw XCTSkip("no Debian arm64 kernel in \(LinuxGuest.directory); `make test` fetches it (Tests/Guests/fetch.sh)")
        }
        // Bounded, so a boot that goes wrong fails instead of hanging CI.
        let limits = RunLimits(instructionBudget: 12_000_000_000, outputPattern: Self.marker)

        let plain = ServerHarness(options: MonitorRunOptions(limits: limits, shutdownGrace: 0),
                                  makeMachine: { try Self.fourCoreBoot(files) })
        guard case .success(let reference)? = plain.wait(timeout: 900), let expected = reference.result else {
            return XCTFail("the uninterrupted boot did not end")
        }
        XCTAssertEqual(expected.outcome, .outputMatched)

        let server = ServerHarness(options: MonitorRunOptions(limits: limits, shutdownGrace: 30),
                                   makeMachine: { try Self.fourCoreBoot(files) })
        let client = try server.client()
        var stops: [UInt64] = []
        while stops.count < 1000 {
            // Host-timed gaps of 0.1–0.9 s: where the stops land differs from run to run.
            usleep(UInt32(100_000 + (stops.count * 370_000) % 800_000))
            guard client.execute("stop")?["return"] != nil else { break }
            let time = client.event("STOP", timeout: 5)?["data"]?["virtual-time-ns"]?.uint64
            let status = client.execute("query-status")?["return"]?["status"]?.string
            if status == "shutdown" { break }
            XCTAssertEqual(status, "paused")
            stops.append(time ?? 0)
            guard client.execute("cont")?["return"] != nil else { break }
        }
        client.disconnect()
        guard case .success(let run)? = server.wait(timeout: 900), let result = run.result else {
            return XCTFail("the stopped and continued boot did not end")
        }
        print("LinuxPauseTests: \(stops.count) stops, at virtual times (ns) \(stops)")
        XCTAssertGreaterThanOrEqual(stops.count, 10, "the boot should have been stopped many times")
        XCTAssertEqual(Set(stops).count, stops.count, "each stop at its own point of the boot: \(stops)")
        XCTAssertEqual(result.outcome, .outputMatched)
        XCTAssertEqual(result.traceHash, expected.traceHash, "stopped at virtual times \(stops)")
        XCTAssertEqual(result.instructions, expected.instructions)
        XCTAssertEqual(result.time, expected.time)
    }
}
