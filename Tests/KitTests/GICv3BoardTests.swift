import XCTest
import Foundation
import ChimeraKit
import ChimeraCore
import ChimeraLoader
import ChimeraTestSupport

/// virt-arm64 with `gic-version=3`: a bare-metal kernel brings the GICv3
/// up the way Linux does (Tests/Kernels/arm-system/gicv3.S), and the device
/// tree describes it the way QEMU virt does.
final class GICv3BoardTests: XCTestCase {
    func kernel() throws -> String {
        try KernelBuilder().buildSystemKernel("gicv3")
    }

    func testTimerInterruptsAndSGIsThroughTheCPUInterface() throws {
        let elf = try kernel()
        let board = try TestMachine(board: "virt-arm64", parameters: ["cores": "2", "gic-version": "3"])
        try board.loadKernel(elf, on: "cpu[0]")
        let result = try board.run(until: .instructions(20_000_000))
        let failed = (try? board.register("x25", of: "arm/cpu[0]")).flatMap { UnicodeScalar(UInt32($0)) }.map(String.init) ?? "?"
        XCTAssertEqual(try board.output(of: "arm/uart"), "GWTTRSB\n", "failed at check '\(failed)'")
        XCTAssertEqual(result.outcome, .exited(code: 0, reason: "/machine/arm/cpu[0] requested exit"))
        XCTAssertEqual(board.machine.warnings.filter { $0.contains("gic") }, [], "no unmodelled GIC register touched")

        let again = try TestMachine(board: "virt-arm64", parameters: ["cores": "2", "gic-version": "3"])
        try again.loadKernel(elf, on: "cpu[0]")
        XCTAssertEqual(try again.run(until: .instructions(20_000_000)).traceHash, result.traceHash)
    }

    /// The same kernel on the default GICv2 board: ICC_* are UNDEFINED and
    /// ID_AA64PFR0_EL1.GIC reads 0, so the first check fails, architecturally.
    func testWithoutGICv3TheKernelFailsItsFirstCheck() throws {
        let board = try TestMachine(board: "virt-arm64", parameters: ["cores": "2"])
        try board.loadKernel(try kernel(), on: "cpu[0]")
        let result = try board.run(until: .instructions(1_000_000))
        XCTAssertEqual(try board.output(of: "arm/uart"), "!")
        XCTAssertEqual(result.outcome, .exited(code: 1, reason: "/machine/arm/cpu[0] requested exit"))
    }

    func testDeviceTreeDescribesTheGICv3AndDTCAcceptsIt() throws {
        let board = try TestMachine(board: "virt-arm64", parameters: ["cores": "4", "gic-version": "3"])
        try board.start()
        let cluster = try XCTUnwrap(try board.machine.resolve("arm") as? Cluster)
        let tree = try DeviceTree.describe(cluster)
        XCTAssertEqual(tree.children.map(\.name),
                       ["chosen", "psci", "cpus", "timer", "intc@8000000", "memory@40000000", "apb-pclk", "pl011@9000000"])
        let blob = try FlattenedDeviceTree(root: tree)
        guard let dtc = ["/usr/bin/dtc", "/usr/local/bin/dtc"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("dtc is not installed (Debian device-tree-compiler; make test installs it)")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chimera-gicv3-\(getpid()).dtb").path
        try Data(blob.bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dtc)
        process.arguments = ["-I", "dtb", "-O", "dts", path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let dts = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let warnings = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, warnings)
        XCTAssertEqual(warnings, "", "dtc warnings")
        for expected in [
            "intc@8000000 {", "compatible = \"arm,gic-v3\";", "#interrupt-cells = <0x03>;", "interrupt-controller;",
            "#redistributor-regions = <0x01>;",
            // GICD 64 KiB, then four 128 KiB redistributor frames.
            "reg = <0x00 0x8000000 0x00 0x10000 0x00 0x80a0000 0x00 0x80000>;",
            // Timer PPIs level-high without GICv2's CPU mask.
            "interrupts = <0x01 0x0d 0x04 0x01 0x0e 0x04 0x01 0x0b 0x04 0x01 0x0a 0x04>;",
            "interrupts = <0x00 0x01 0x04>;",
        ] {
            XCTAssertTrue(dts.contains(expected), "missing \(expected) in\n\(dts)")
        }
        XCTAssertFalse(dts.contains("arm,cortex-a15-gic"))
        // No maintenance interrupt: there is no virtual CPU interface for KVM to use.
        XCTAssertFalse(dts.contains("interrupts = <0x01 0x09 0x04>;"))
    }
}
