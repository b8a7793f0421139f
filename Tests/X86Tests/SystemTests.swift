import XCTest
import Foundation
import ChimeraCore
import ChimeraTestSupport
import ChimeraX86

/// System-level behaviour with hand-written kernels under `Tests/Kernels/x86-system`.
final class SystemTests: XCTestCase {
    func buildSystemKernel(_ name: String) throws -> String {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Kernels/x86-system/\(name).S")
        let source = try String(contentsOf: dir, encoding: .utf8)
        return try KernelBuilder().buildRaw(assembly: source, platform: .x86_64PC, linkAddress: 0x20_0000)
    }

    func read(_ m: X86TestMachine, _ address: UInt64) -> UInt64 {
        m.cluster.memory.read(address, size: 8) ?? 0xDEAD
    }

    func testExceptionsTimerAndSyscall() throws {
        let m = try X86TestMachine()
        let image = try m.load(try buildSystemKernel("exceptions"))
        let reason = m.run(maxInstructions: 5_000_000, quantum: 1_000)
        XCTAssertEqual(reason, .exit(code: 0x21))
        let r = try XCTUnwrap(image.symbols["results"])
        XCTAssertEqual(read(m, r + 0), 1, "#UD taken once")
        XCTAssertEqual(read(m, r + 8), 0x1_4000_0123, "CR2 holds the faulting address")
        XCTAssertEqual(read(m, r + 16), 0, "#PF error code: not present, read, supervisor")
        let pfRSP = read(m, r + 24)
        let ist = try XCTUnwrap(image.symbols.first { $0.key == "ist1_top" }?.value ?? image.symbols["results"].map { _ in pfRSP + 40 })
        XCTAssertEqual(pfRSP & 0xF, 8, "frame on a 16-byte aligned stack, error code popped")
        XCTAssertTrue(pfRSP < ist && pfRSP > ist - 4096, "#PF runs on the IST1 stack (rsp 0x\(String(pfRSP, radix: 16)))")
        XCTAssertEqual(read(m, r + 32), 1, "#DE taken once")
        XCTAssertEqual(read(m, r + 40), try XCTUnwrap(image.symbols["after_int3_site"]), "INT3 pushes the next RIP")
        XCTAssertEqual(read(m, r + 48), 1)
        XCTAssertGreaterThanOrEqual(read(m, r + 56), 1, "APIC timer interrupt delivered")
        XCTAssertEqual(read(m, r + 64), 42, "SYSCALL number")
        XCTAssertEqual(read(m, r + 80), 0x08, "SYSCALL enters CS from STAR[47:32]")
        XCTAssertEqual(m.cpus[0].lastExceptionVector, 0, "last exception was #DE")
    }

    func testTwoCoresStartWithInitSipiAndExchangeIPIs() throws {
        let m = try X86TestMachine(cores: 2)
        let image = try m.load(try buildSystemKernel("smp"))
        XCTAssertEqual(m.cpus[1].powerState, .off)
        let reason = m.run(maxInstructions: 5_000_000, quantum: 500)
        XCTAssertEqual(reason, .exit(code: 0x41))
        XCTAssertEqual(read(m, try XCTUnwrap(image.symbols["ap_alive"])), 1)
        XCTAssertEqual(read(m, try XCTUnwrap(image.symbols["ap_apic_id"])), 1)
        XCTAssertEqual(read(m, try XCTUnwrap(image.symbols["ap_got_ipi"])), 1)
        XCTAssertEqual(read(m, try XCTUnwrap(image.symbols["bsp_got_ipi"])), 1)
    }

    func testNoIDTReportsGuestFault() throws {
        let elf = try KernelBuilder().buildRaw(assembly: ".text\n.global _start\n_start:\n nop\n ud2\n", platform: .x86_64PC, linkAddress: 0x20_0000)
        let m = try X86TestMachine()
        try m.load(elf)
        guard case .guestFault(let f) = m.run(maxInstructions: 100) else { return XCTFail("expected a guest fault") }
        XCTAssertEqual(f.pc, 0x20_0001)
        XCTAssertEqual(f.instructionBytes, [0x0F, 0x0B])
        XCTAssertTrue(f.reason.contains("#UD"), f.reason)
    }

    func testHaltWithoutInterruptsStops() throws {
        let elf = try KernelBuilder().buildRaw(assembly: ".text\n.global _start\n_start:\n cli\n hlt\n", platform: .x86_64PC, linkAddress: 0x20_0000)
        let m = try X86TestMachine()
        try m.load(elf)
        XCTAssertEqual(m.cpus[0].run(budget: 1000), .halted)
        XCTAssertEqual(m.cpus[0].powerState, .halted)
        XCTAssertEqual(m.cpus[0].instructionsRetired, 2)
        XCTAssertFalse(m.cpus[0].hasPendingWakeup)
    }

    func testSelfModifyingCodeIsSeen() throws {
        // Stores over a translated instruction must take effect the next time it runs.
        let asm = """
        .text
        .global _start
        _start:
            mov $3, %ecx
            xor %ebx, %ebx
        loop:
        patch:
            add $1, %ebx
            movb $5, patch+2(%rip)
            dec %ecx
            jnz loop
            mov %ebx, %eax
            out %al, $0xF4
        """
        let elf = try KernelBuilder().buildRaw(assembly: asm, platform: .x86_64PC, linkAddress: 0x20_0000)
        let m = try X86TestMachine()
        try m.load(elf)
        // 1 + 5 + 5 = 11 -> exit code 23
        XCTAssertEqual(m.run(maxInstructions: 1000), .exit(code: 23))
    }

    func testCPUIDAndRDTSC() throws {
        let asm = """
        .text
        .global _start
        _start:
            xor %eax, %eax
            cpuid
            mov %ebx, %r8d
            rdtsc
            mov %eax, %r9d
            rdtsc
            sub %r9d, %eax
            mov %eax, %r10d
            hlt
        """
        let elf = try KernelBuilder().buildRaw(assembly: asm, platform: .x86_64PC, linkAddress: 0x20_0000)
        let m = try X86TestMachine()
        try m.load(elf)
        _ = m.cpus[0].run(budget: 100)
        XCTAssertEqual(m.cpus[0].gprValue(8), 0x6D69_6843)  // "Chim"
        XCTAssertEqual(m.cpus[0].gprValue(10), 2, "TSC counts one cycle per instruction at 1 GHz")
    }
}
