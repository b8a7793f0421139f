import Foundation
import XCTest

/// Regression tests for issue #16 through the `chimera` command line: every
/// hostile or careless invocation ends with a non-zero status and a message
/// naming the file, or with a documented, bounded result.
final class CommandLineRobustnessTests: XCTestCase {
    func demo() throws -> [String] {
        let k = try EndToEnd.demoKernels()
        return ["run", "hetero", "--quiet", "--kernel", "arm=\(k.arm)", "--kernel", "x86=\(k.x86)"]
    }

    func assertFails(_ arguments: [String], mentioning fragments: [String], line: UInt = #line) throws {
        let result = try EndToEnd.chimera(arguments, timeout: 120)
        XCTAssertNotEqual(result.status, 0, "exit 0 for \(arguments)\n\(result.stderr)", line: line)
        for f in fragments { XCTAssertTrue(result.stderr.contains(f), "stderr lacks '\(f)':\n\(result.stderr)", line: line) }
    }

    func testOutputFilesThatCannotBeWrittenFailTheRun() throws {
        let run = try demo() + ["--until", "instructions=1000"]
        try assertFails(run + ["--record", "/nonexistent/r"], mentioning: ["/nonexistent/r", "No such file"])
        try assertFails(run + ["--timeline", "/"], mentioning: ["directory"])
        try assertFails(run + ["--event-trace", "/proc/version"], mentioning: ["/proc/version"])
        try assertFails(run + ["--trace", "/proc/version"], mentioning: ["/proc/version"])
    }

    func testFIFOAndDeviceInputsAreRefusedWithoutBlocking() throws {
        let fifo = NSTemporaryDirectory() + "chimera-cli-\(getpid()).fifo"
        unlink(fifo)
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        try assertFails(["run", "hetero", "--kernel", "arm=\(fifo)"], mentioning: [fifo, "FIFO"])
        try assertFails(["run", "hetero", "--replay", fifo], mentioning: ["FIFO"])
        try assertFails(["check", "hetero", "-device", "loader,id=zero,file=/dev/zero,force-raw=true,cpu=/machine/arm/cpu[0],addr=0x40000000"],
                        mentioning: ["/dev/zero", "character device"])
        try assertFails(["check", "hetero", "-object", "loader,id=zero,file=/dev/zero,force-raw=true,cpu=/machine/arm/cpu[0],addr=0x40000000"],
                        mentioning: ["/dev/zero"])
    }

    /// Bad `--gdb` values and option mixes are one error before anything runs.
    func testBadGDBOptionsAreRefused() throws {
        let run = try demo() + ["--until", "instructions=1000"]
        try assertFails(run + ["--gdb", "foo"], mentioning: ["--gdb 'foo'", "tcp:[HOST]:PORT"])
        try assertFails(run + ["--gdb", "unix:/tmp/x"], mentioning: ["tcp:[HOST]:PORT"])
        try assertFails(run + ["--gdb", "tcp::99999"], mentioning: ["port from 0 to 65535"])
        try assertFails(run + ["--gdb", "tcp:example.org:1234"], mentioning: ["numeric address"])
        try assertFails(run + ["-s", "--gdb", "tcp::1"], mentioning: ["-s is --gdb tcp::1234"])
        try assertFails(run + ["-S"], mentioning: ["needs --qmp or --gdb"])
    }

    func testQuestionableValuesAreRefused() throws {
        try assertFails(["check", "hetero", "--quantum", "0"], mentioning: ["quantum"])
        try assertFails(["check", "hetero", "--quantum", "1ps"], mentioning: ["outside"])
        try assertFails(["check", "hetero", "-global", "ram.size="], mentioning: ["ram.size"])
        try assertFails(["check", "hetero", "-global", "ram.szie=1M"], mentioning: ["did you mean 'size'"])
        try assertFails(["check", "hetero", "--limit", "cores=1"], mentioning: ["more than 1 cores", "cluster.yaml:"])
    }

    func testBudgetIsExactWithALongQuantumAndSlowClocksFinish() throws {
        let exact = try EndToEnd.chimera(try demo() + ["--quantum", "1s", "--until", "instructions=5000"], timeout: 120)
        XCTAssertEqual(exact.status, 0, exact.stderr)
        XCTAssertTrue(exact.stderr.contains(", 5000 instructions"), exact.stderr)
        let slow = try EndToEnd.chimera(try demo() + ["-global", "x86_64-cpu.clock-frequency=1", "-global", "cortex-a53.clock-frequency=1", "--until", "instructions=300"],
                                        timeout: 120)
        XCTAssertEqual(slow.status, 0, slow.stderr)
        XCTAssertTrue(slow.stderr.contains(", 300 instructions"), slow.stderr)
    }

    func testBoardWithoutCoresSaysSo() throws {
        let dir = NSTemporaryDirectory() + "chimera-cli-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "board: empty\nobjects:\n  r: {type: ram}\n".write(toFile: dir + "/empty.yaml", atomically: true, encoding: .utf8)
        try assertFails(["run", dir + "/empty.yaml"], mentioning: ["no cores"])
    }

    func testDuplicateAPICIDsAreRefused() throws {
        let dir = NSTemporaryDirectory() + "chimera-cli-apic-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            board: twins
            objects:
              x86:
                type: cluster
                children:
                  cpu[0]: {type: x86_64-cpu, props: {apic-id: 3}}
                  cpu[1]: {type: x86_64-cpu, props: {apic-id: 3}}
                  ram: {type: ram, props: {size: 1M}, map: {into: x86, address: 0}}
            """.write(toFile: dir + "/twins.yaml", atomically: true, encoding: .utf8)
        try assertFails(["check", dir + "/twins.yaml"], mentioning: ["apic-id 3 is already the local APIC ID of /machine/x86/cpu[0]", "twins.yaml:"])
    }
}
