@testable import ChimeraARM
import ChimeraCore
import ChimeraTestSupport
import XCTest

/// Exception, interrupt, timer and PSCI behaviour, driven by kernels in
/// Tests/Kernels/arm-system.
final class SystemKernelTests: XCTestCase {
    /// mmu.S keeps its own ending (its UART pointer is x19, x20 its ESR copy).
    func buildSystemKernel(_ name: String) throws -> String {
        try KernelBuilder().buildSystemKernel(name, sharedFinish: name != "mmu")
    }

    func testExceptionsInterruptsAndPSCI() throws {
        let board = try ARMTestMachine(cores: 2, gic: true)
        try board.load(try buildSystemKernel("exceptions"))
        let reason = board.run(limit: 10_000_000, slice: 1000)
        XCTAssertEqual(board.uart.text, "SUDT2\n")
        XCTAssertEqual(reason, .exit(code: 0))
        XCTAssertEqual(board.cpus[1].powerState, .off, "core 1 should be off again after CPU_OFF")
        XCTAssertEqual(board.cpus[0].readRegister("esr_el1").map { $0 >> 26 }, 0x25, "last synchronous exception was the data abort")
    }

    /// WFE sleeps until an event: the clearing of the exclusive monitor by
    /// another core's plain store, and the generic timer's event stream
    /// (Tests/Kernels/arm-system/events.S). Core 1 must sleep, not spin.
    func testWaitForEventWakesOnMonitorClearAndEventStream() throws {
        let board = try ARMTestMachine(cores: 2)
        try board.load(try buildSystemKernel("events"))
        let reason = board.run(limit: 10_000_000, slice: 1000)
        XCTAssertEqual(board.uart.text, "ME\n")
        XCTAssertEqual(reason, .exit(code: 0))
        XCTAssertLessThan(board.cpus[1].instructionsRetired, 200, "core 1 should sleep in WFE, not spin")
    }

    /// Stage-1 translation, permissions and fault syndromes, AT, TLBI and
    /// EL0 (see the letters in Tests/Kernels/arm-system/mmu.S).
    func testStageOneTranslationFaultsAndEL0() throws {
        let board = try ARMTestMachine()
        try board.load(try buildSystemKernel("mmu"))
        let reason = board.run(limit: 1_000_000, slice: 1000)
        XCTAssertEqual(board.uart.text, "MAPFTRIUKXL\n")
        XCTAssertEqual(reason, .exit(code: 0), "failed at check '\(board.cpus[0].readRegister("x25").flatMap { UnicodeScalar(UInt32($0)) }.map(String.init) ?? "?")'")
    }

    /// The same run twice and with quanta of one instruction: identical
    /// instruction counts and guest output (the TLB is invisible).
    func testTranslationIsIndependentOfSlicing() throws {
        var results: [String] = []
        for slice in [1, 7, 1000] as [UInt64] {
            let board = try ARMTestMachine()
            try board.load(try buildSystemKernel("mmu"))
            let reason = board.run(limit: 1_000_000, slice: slice)
            results.append("\(reason) \(board.cpus[0].instructionsRetired) \(board.uart.text)")
        }
        XCTAssertEqual(Set(results).count, 1, results.joined(separator: " | "))
    }

    /// EL2: entry, ERET to EL1, HVC, the CNTHCTL, TSC and IMO/VI controls,
    /// EL2's own translation regime with AT and an abort, and PSCI CPU_ON
    /// over SMC into EL2 (the letters in Tests/Kernels/arm-system/el2.S).
    func testEL2EntryTrapsRoutingAndTranslation() throws {
        let board = try ARMTestMachine(cores: 2, gic: true, resetEL: 2)
        XCTAssertEqual(board.cpus[0].stringProperty("psci-conduit"), "smc", "auto is SMC when the guest owns EL2")
        try board.load(try buildSystemKernel("el2"))
        let reason = board.run(limit: 10_000_000, slice: 1000)
        XCTAssertEqual(board.uart.text, "ELVHCSIvM2\n")
        XCTAssertEqual(reason, .exit(code: 0), "failed at step '\(board.cpus[0].readRegister("x25").flatMap { UnicodeScalar(UInt32($0)) }.map(String.init) ?? "?")'")
        XCTAssertEqual(board.cpus[1].powerState, .off, "core 1 should be off again after CPU_OFF")
    }

    /// What EL2 cannot do here stops the run with a report instead of
    /// silently doing something else: stage 2 (HCR_EL2.VM).
    func testStageTwoRequestStopsWithAReport() throws {
        let board = try ARMTestMachine(resetEL: 2)
        let elf = try KernelBuilder().buildRaw(assembly: """
                ldr     x0, =(1 << 31) | 1
                msr     hcr_el2, x0
                b       .
                .ltorg
            """, platform: .arm64Virt, linkAddress: 0x4008_0000)
        try board.load(elf)
        let reason = board.run(limit: 1000)
        guard case .guestFault(let fault) = reason else { return XCTFail("expected a stop report, got \(reason)") }
        XCTAssertTrue(fault.reason.contains("HCR_EL2.VM"), fault.reason)
        XCTAssertEqual(board.cpus[0].instructionsRetired, 2)
    }

    /// Below EL2 the EL2 registers and HVC are UNDEFINED when the core has
    /// no EL2, and HVC reaches PSCI as before; a guest owning EL2 cannot
    /// have PSCI over HVC.
    func testEL2RegistersAreUndefinedWithoutEL2AndConduitIsChecked() throws {
        let board = try ARMTestMachine()
        XCTAssertEqual(board.cpus[0].stringProperty("psci-conduit"), "hvc")
        let elf = try KernelBuilder().buildRaw(assembly: "    mrs x0, hcr_el2\n", platform: .arm64Virt, linkAddress: 0x4008_0000)
        try board.load(elf)
        guard case .guestFault(let fault) = board.run(limit: 1000) else { return XCTFail("expected UNDEFINED without vectors") }
        XCTAssertTrue(fault.reason.contains("undefined instruction"), fault.reason)

        var registry = TypeRegistry.withCoreTypes()
        ARM.register(into: &registry)
        let machine = try Machine(registry: registry)
        let cluster = try machine.addChild("arm", type: "cluster")
        let cpu = try cluster.addChild("cpu[0]", type: "cortex-a53")
        try cpu.setProperty("reset-el", .uint(2))
        try cpu.setProperty("psci-conduit", .string("hvc"))
        XCTAssertThrowsError(try machine.realizeMachine()) { error in
            XCTAssertTrue("\(error)".contains("psci-conduit hvc"), "\(error)")
        }
        let other = try Machine(registry: registry)
        let core = try other.addChild("arm", type: "cluster").addChild("cpu[0]", type: "cortex-a53")
        try core.setProperty("reset-el", .uint(3))
        XCTAssertThrowsError(try other.realizeMachine()) { error in
            XCTAssertTrue("\(error)".contains("reset-el 3"), "\(error)")
        }
    }

    func testUnhandledExceptionStopsWithGuestFault() throws {
        let board = try ARMTestMachine()
        let elf = try KernelBuilder().buildRaw(assembly: "    .inst 0x00000000\n", platform: .arm64Virt, linkAddress: 0x4008_0000)
        try board.load(elf)
        let reason = board.run(limit: 1000)
        guard case .guestFault(let fault) = reason else { return XCTFail("expected a guest fault, got \(reason)") }
        XCTAssertEqual(fault.pc, 0x4008_0000)
        XCTAssertTrue(fault.reason.contains("undefined instruction"), fault.reason)
    }

    func testSemihostingWriteAndExitCode() throws {
        let board = try ARMTestMachine()
        let asm = """
            adr x1, msg
            mov x0, #4
            hlt #0xf000
            adr x1, block
            mov x0, #0x18
            hlt #0xf000
        msg: .asciz "hi"
            .balign 8
        block: .quad 0x20026, 7
        """
        try board.load(try KernelBuilder().buildRaw(assembly: asm, platform: .arm64Virt, linkAddress: 0x4008_0000))
        XCTAssertEqual(board.run(limit: 1000), .exit(code: 7))
        XCTAssertEqual(String(decoding: board.semihosting, as: UTF8.self), "hi")
    }

    func testSelfModifyingCodeIsRetranslated() throws {
        // Patch the `mov x0, #1` at `patch` into `mov x0, #2` after it ran once, then run it again.
        let asm = """
            mov x5, #0
        again:
        patch: mov x0, #1
            add x5, x5, x0
            cbnz x6, done
            mov x6, #1
            adr x1, patch
            ldr w2, =0xd2800040
            str w2, [x1]
            b again
        done:
            adr x1, block
            mov x0, #0x18
            hlt #0xf000
            .balign 8
        block: .quad 0x20026, 0
            .ltorg
        """
        let board = try ARMTestMachine()
        try board.load(try KernelBuilder().buildRaw(assembly: asm, platform: .arm64Virt, linkAddress: 0x4008_0000))
        XCTAssertEqual(board.run(limit: 1000), .exit(code: 0))
        XCTAssertEqual(board.cpus[0].readRegister("x5"), 3)
    }
}
