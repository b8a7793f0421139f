import XCTest
import Foundation
import ChimeraKit
import ChimeraCore
import ChimeraScheduler
import ChimeraTestSupport

/// Debian's own arm64 kernel (the cloud flavour `make test` caches through
/// Tests/Guests/fetch.sh) with the busybox initramfs, booted on virt-arm64
/// through the test API: it reaches /init, which prints the CPU count from
/// /proc/cpuinfo; a command typed on the console runs; `poweroff` ends the
/// run through PSCI SYSTEM_OFF with exit code 0.
///
/// Every run is bounded in instructions, so a boot that goes wrong fails
/// instead of hanging CI. The debug build runs about 30 M instructions a
/// second; a boot to power-off is about 1.0 × 10⁹ instructions on one core
/// or four (the secondaries mostly wait in WFI).
final class LinuxGuestTests: XCTestCase {
    /// Reset to the shell prompt takes 0.94 × 10⁹ instructions on one core.
    static let bootBudget: UInt64 = 3_000_000_000
    static let uart = "/machine/arm/uart"

    func guestFiles() throws -> (image: String, initrd: String) {
        guard let files = LinuxGuest.files else {
            throw XCTSkip("no Debian arm64 kernel in \(LinuxGuest.directory); `make test` fetches it (Tests/Guests/fetch.sh)")
        }
        return files
    }

    struct Boot {
        var output: String
        var result: RunResult
    }

    /// Boots to the shell, types a command and `poweroff`, and returns what
    /// the console showed and how the run ended.
    func bootToShellAndPowerOff(cores: Int, gicVersion: Int, bootEL: Int = 1, kaslrSeed: UInt64? = nil,
                                line: UInt = #line) throws -> Boot {
        let files = try guestFiles()
        let board = try TestMachine(board: "virt-arm64", parameters: ["cores": String(cores), "gic-version": String(gicVersion),
                                                                      "boot-el": String(bootEL)])
        try board.set(Self.uart, "output", .string("buffer"))
        try board.loadLinux(image: files.image, initrd: files.initrd, append: "console=ttyAMA0", kaslrSeed: kaslrSeed, on: "arm")
        let budget = Self.bootBudget * UInt64(cores)

        let atInit = try board.run(until: .output("CHIMERA-INIT: cpus="), within: budget)
        var tail = try board.output(of: Self.uart).suffix(2000)
        XCTAssertEqual(atInit.outcome, .outputMatched, "no /init marker within \(budget) instructions:\n\(tail)", line: line)
        guard atInit.outcome == .outputMatched else { return Boot(output: try board.output(of: Self.uart), result: atInit) }

        // The shell's arithmetic proves the command ran (its echo shows the unexpanded text).
        try board.type("echo $((6*7))CHIMERA\n", into: Self.uart)
        let answered = try board.run(until: .output("42CHIMERA"), within: budget)
        tail = try board.output(of: Self.uart).suffix(2000)
        XCTAssertEqual(answered.outcome, .outputMatched, "typed command gave no answer:\n\(tail)", line: line)

        try board.type("poweroff\n", into: Self.uart)
        let end = try board.run(until: .exit, within: budget)
        XCTAssertEqual(end.outcome, .exited(code: 0, reason: "/machine/arm/cpu[0] requested exit"), "poweroff did not end the run", line: line)
        let text = try board.output(of: Self.uart)
        XCTAssertTrue(text.contains("CHIMERA-INIT: cpus=\(cores)\r\n"), "expected \(cores) CPUs in /proc/cpuinfo", line: line)
        XCTAssertTrue(text.contains("reboot: Power down"), line: line)
        return Boot(output: text, result: end)
    }

    func testOneCoreGICv2BootsToAShellAndPowersOffTheSameEachTime() throws {
        let first = try bootToShellAndPowerOff(cores: 1, gicVersion: 2)
        XCTAssertTrue(first.output.contains("Root IRQ handler: gic_handle_irq"))
        let second = try bootToShellAndPowerOff(cores: 1, gicVersion: 2)
        XCTAssertEqual(first.result.traceHash, second.result.traceHash)
        XCTAssertEqual(first.result.instructions, second.result.instructions)
        XCTAssertEqual(first.result.time, second.result.time)
        XCTAssertEqual(first.output, second.output)
    }

    func testFourCoresGICv2BootToAShellAndPowerOff() throws {
        let boot = try bootToShellAndPowerOff(cores: 4, gicVersion: 2)
        XCTAssertTrue(boot.output.contains("smp: Brought up 1 node, 4 CPUs"))
    }

    func testOneCoreGICv3BootsToAShellAndPowersOff() throws {
        let boot = try bootToShellAndPowerOff(cores: 1, gicVersion: 3)
        XCTAssertTrue(boot.output.contains("GICv3: CPU0: found redistributor 0"))
    }

    /// Four cores on GICv3: the secondaries come up through PSCI, each finds
    /// its redistributor, and IPIs travel as SGIs through ICC_SGI1R_EL1.
    func testFourCoresGICv3BootToAShellAndPowerOff() throws {
        let boot = try bootToShellAndPowerOff(cores: 4, gicVersion: 3)
        XCTAssertTrue(boot.output.contains("GICv3: CPU3: found redistributor 3"), "the fourth core's redistributor")
        XCTAssertTrue(boot.output.contains("smp: Brought up 1 node, 4 CPUs"))
    }

    /// A seed in /chosen turns KASLR on, and KASLR forces KPTI: the kernel
    /// runs with two TTBR1 regimes told apart by ASID, EL0 entry and exit
    /// switching between them, on two cores.
    func testKASLRWithKPTIBootsToAShellAndPowersOff() throws {
        let boot = try bootToShellAndPowerOff(cores: 2, gicVersion: 3, kaslrSeed: 0x5eed_c0ff_ee00_1234)
        XCTAssertFalse(boot.output.contains("KASLR disabled"), "the seed should have enabled KASLR")
        XCTAssertTrue(boot.output.contains("Kernel page table isolation (KPTI)"), "KASLR should force KPTI on")
    }

    /// Entered at EL2 (`boot-el=2`, QEMU's virtualization=on), as Linux
    /// prefers: every core starts there (PSCI CPU_ON included), the kernel
    /// installs its stub, drops to EL1 and finalises EL2 over HVC, and KVM
    /// brings up its nVHE hypervisor with its own EL2 page tables on both
    /// cores. PSCI goes over SMC; poweroff still ends the run.
    func testEL2EntryWithKVMBootsToAShellAndPowersOff() throws {
        let boot = try bootToShellAndPowerOff(cores: 2, gicVersion: 3, bootEL: 2)
        XCTAssertTrue(boot.output.contains("CPU: All CPU(s) started at EL2"), "both cores should start at EL2")
        XCTAssertTrue(boot.output.contains("kvm [1]: Hyp mode initialized successfully"), "KVM's hypervisor should come up")
        XCTAssertFalse(boot.output.contains("hyp panic"))
    }
}
