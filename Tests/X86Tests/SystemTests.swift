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

    /// Builds `asm` at 0x200000 for the PC platform and runs it on one core.
    func runRaw(_ asm: String, maxInstructions: UInt64) throws -> StopReason {
        let elf = try KernelBuilder().buildRaw(assembly: asm, platform: .x86_64PC, linkAddress: 0x20_0000)
        let m = try X86TestMachine()
        try m.load(elf)
        return m.run(maxInstructions: maxInstructions)
    }

    /// Start-up lines that enable SSE (CR0.EM off, CR0.MP and CR4.OSFXSR/OSXMMEXCPT on).
    static let enableSSE = """
            mov %cr0, %rax
            and $~4, %rax
            or $2, %rax
            mov %rax, %cr0
            mov %cr4, %rax
            or $0x600, %rax
            mov %rax, %cr4
    """

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
        // 1 + 5 + 5 = 11 -> exit code 23
        XCTAssertEqual(try runRaw(asm, maxInstructions: 1000), .exit(code: 23))
    }

    func testRemappedCodeAndDataAfterInvlpg() throws {
        // A 2 MiB page is remapped (PD entry rewritten, then INVLPG): the
        // next call through the same call site must run the new code, not a
        // block linked before, and data elsewhere in the 2 MiB page must
        // come from the new frame too (INVLPG drops the whole large page).
        // The code sits where its fetch-TLB slot differs from the caller's,
        // so the call site links to it.
        let asm = """
        .text
        .global _start
        _start:
            mov $0x500000, %rsp
            movl $0x000001B8, 0x6A0000      # mov $1, %eax
            movw $0xC300, 0x6A0004          # ret
            movl $0x000002B8, 0x8A0000      # mov $2, %eax
            movw $0xC300, 0x8A0004
            movl $0x11, 0x6A1000
            movl $0x22, 0x8A1000
            mov $0x6A0000, %rbx
            call callit
            call callit
            mov %eax, %r12d                 # 1
            mov 0x6A1000, %r13d             # 0x11
            mov %cr3, %rax
            and $~0xFFF, %rax
            mov (%rax), %rax                # PML4[0] -> PDPT
            and $~0xFFF, %rax
            mov (%rax), %rax                # PDPT[0] -> PD for the first GiB
            and $~0xFFF, %rax
            mov 32(%rax), %rdx              # PD[4]: 0x800000
            mov %rdx, 24(%rax)              # PD[3]: 0x600000 now maps it
            invlpg (%rbx)
            call callit
            cmp $1, %r12d
            jne fail
            cmp $0x11, %r13d
            jne fail
            cmp $2, %eax
            jne fail
            cmpl $0x22, 0x6A1000
            jne fail
            mov $21, %eax
            out %al, $0xF4
        fail:
            mov $1, %eax
            out %al, $0xF4
        callit:
            call *%rbx
            ret
        """
        XCTAssertEqual(try runRaw(asm, maxInstructions: 1000), .exit(code: 43))
    }

    func testAccessesAcrossPageBoundaries() throws {
        // Loads and stores of every size that straddle a 4 KiB boundary take
        // the slow path and still see and write all their bytes.
        let asm = """
        .text
        .global _start
        _start:
        \(Self.enableSSE)
            mov $0x300FFD, %rdi
            movabs $0x1122334455667788, %rax
            mov %rax, (%rdi)
            cmpb $0x55, 0x301000
            jne fail
            mov 1(%rdi), %ebx
            cmp $0x44556677, %ebx
            jne fail
            movzwl 2(%rdi), %ebx
            cmp $0x5566, %ebx
            jne fail
            movswq 2(%rdi), %rbx
            cmp $0x5566, %rbx
            jne fail
            cmpl $0x44556677, 1(%rdi)
            jne fail
            addl $1, 1(%rdi)
            cmpb $0x78, 0x300FFE
            jne fail
            mov $0x301FF4, %rsi
            movdqu (%rdi), %xmm0
            movdqu %xmm0, (%rsi)
            movq %xmm0, %rax
            movabs $0x1122334455667888, %rbx
            cmp %rbx, %rax
            jne fail
            mov 4(%rsi), %rax
            cmp $0x11223344, %rax
            jne fail
            movdqu 2(%rsi), %xmm1
            movq %xmm1, %rax
            movabs $0x112233445566, %rbx
            cmp %rbx, %rax
            jne fail
            movhlps %xmm1, %xmm1
            movq %xmm1, %rax
            test %rax, %rax
            jne fail
            mov $21, %eax
            out %al, $0xF4
        fail:
            mov $1, %eax
            out %al, $0xF4
        """
        XCTAssertEqual(try runRaw(asm, maxInstructions: 1000), .exit(code: 43))
    }

    /// Records the stores a RAM block reports to its translators, standing in
    /// for a core of another architecture that has code on the page.
    final class ForeignTranslator: CodeWriteObserver {
        var writes: [(offset: UInt64, length: UInt64)] = []
        func codeWritten(in block: RAMBlock, offset: UInt64, length: UInt64) { writes.append((offset, length)) }
    }

    func testStoresReachOtherCoresTranslations() throws {
        // x86 stores into a page that another kind of core translates must
        // reach that core, both when the x86 write TLB held the page before
        // it became code and when x86 code shares the page (data next to code).
        let asm = """
        .text
        .global _start
        _start:
            movl $1, 0x300000
            movl $2, 0x300004
            movl $3, data(%rip)
            movl $4, data(%rip)
            movl $5, data(%rip)
            hlt
        data:
            .long 0
        """
        let elf = try KernelBuilder().buildRaw(assembly: asm, platform: .x86_64PC, linkAddress: 0x20_0000)
        let m = try X86TestMachine()
        let image = try m.load(elf)
        let cpu = m.cpus[0]
        guard case .ram(_, _, let block, let dataPage, _) = m.cluster.memory.target(of: 0x30_0000),
              case .ram(_, _, _, let codePage, _) = m.cluster.memory.target(of: image.entry) else {
            return XCTFail("RAM expected at 0x300000 and at the entry")
        }
        let other = ForeignTranslator()
        block.addCodeObserver(other)

        XCTAssertEqual(cpu.run(budget: 1), .budgetExhausted)   // fills the write TLB for 0x300000
        block.markCode(atOffset: dataPage)                      // another core translates there
        XCTAssertEqual(cpu.run(budget: 1), .budgetExhausted)
        XCTAssertEqual(other.writes.count, 1, "a store through an older TLB entry must still be reported")
        XCTAssertEqual(other.writes.first?.offset, dataPage + 4)
        XCTAssertEqual(m.cluster.memory.read(0x30_0004, size: 4), 2)

        // Data next to x86 code: the first store fills the TLB through the
        // address space (every translator hears it, conservatively); later
        // ones bypass invalidation while only x86 code is on the page.
        XCTAssertEqual(cpu.run(budget: 1), .budgetExhausted)
        let afterFill = other.writes.count
        XCTAssertEqual(cpu.run(budget: 1), .budgetExhausted)
        XCTAssertEqual(other.writes.count, afterFill, "data next to x86-only code stays on the direct path")
        block.markCode(atOffset: codePage)                      // now the other core has code on that page too
        XCTAssertEqual(cpu.run(budget: 1), .budgetExhausted)
        XCTAssertEqual(other.writes.count, afterFill + 1, "a store next to x86 code must reach the other core's translations")
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
