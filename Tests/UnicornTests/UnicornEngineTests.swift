import Foundation
import XCTest
@testable import ChimeraUnicorn

// Instruction words are hand-encoded (mnemonic alongside) and were cross-checked with
// `clang --target=aarch64-none-elf` / `x86_64-none-elf` + llvm-objdump; the
// `testClangAssembledCodeMatchesHandEncoding` tests re-check a few at test time.

private let codeBase: UInt64 = 0x1000
private let dataBase: UInt64 = 0x10000
private let page = 0x1000

/// Little-endian bytes of a sequence of A64 instruction words.
private func a64(_ words: [UInt32]) -> [UInt8] {
    words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
}

/// Reads a little-endian 64-bit value from `bytes` at `offset`.
private func le64(_ bytes: [UInt8], _ offset: Int = 0) -> UInt64 {
    (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
}

/// An engine with RWX code at 0x1000 and RW data at 0x10000, code loaded.
private func makeEngine(_ arch: UnicornArchitecture, code: [UInt8],
                        cpuModel: UnicornCPUModel? = nil) throws -> UnicornEngine {
    let engine = try UnicornEngine(architecture: arch, cpuModel: cpuModel)
    try engine.map(address: codeBase, size: page, permissions: .all)
    try engine.map(address: dataBase, size: page, permissions: [.read, .write])
    try engine.write(code, at: codeBase)
    try engine.setProgramCounter(codeBase)
    return engine
}

final class UnicornARM64Tests: XCTestCase {
    func testArithmeticAndFlags() throws {
        let e = try makeEngine(.arm64, code: a64([
            0xD280_00A0,  // movz x0, #5
            0x9100_0C01,  // add  x1, x0, #3
            0xF100_1402,  // subs x2, x0, #5      -> Z, C
            0xB100_0403,  // adds x3, x0, #1      -> flags clear
            0xEB00_0003,  // subs x3, x0, x0      -> Z, C again
        ]))
        XCTAssertEqual(try e.step().reason, .completed)
        XCTAssertEqual(try e.read(.x0), 5)
        let r = try e.step()
        XCTAssertEqual(r.reason, .completed)
        XCTAssertEqual(r.pc, codeBase + 8)
        XCTAssertEqual(try e.read(.x1), 8)
        _ = try e.step()
        XCTAssertEqual(try e.read(.x2), 0)
        XCTAssertEqual(try e.read(.nzcv), 0x6000_0000)  // nZCv
        _ = try e.step()
        XCTAssertEqual(try e.read(.x3), 6)
        XCTAssertEqual(try e.read(.nzcv), 0)
        _ = try e.step()
        XCTAssertEqual(try e.read(.nzcv), 0x6000_0000)
        XCTAssertEqual(try e.read(.pc), codeBase + 20)
        XCTAssertEqual(ARM64Register.x(30), .x30)
        XCTAssertNil(ARM64Register.x(31))
    }

    func testStoreLoadAndWriteTracking() throws {
        let e = try makeEngine(.arm64, code: a64([
            0xF900_0081,  // str x1, [x4]
            0xF940_0085,  // ldr x5, [x4]
            0xA900_0480,  // stp x0, x1, [x4]
            0xAD00_0480,  // stp q0, q1, [x4]
        ]))
        try e.write(.x0, 0xAAAA)
        try e.write(.x1, 0x1234_5678_9ABC_DEF0)
        try e.write(.x4, dataBase + 0x40)
        try e.writeVector(.v0, (low: 1, high: 2))
        try e.writeVector(.v1, (low: 3, high: 4))

        // Not tracking yet: no records.
        XCTAssertEqual(try e.step().writes, [])
        XCTAssertEqual(le64(try e.read(count: 8, at: dataBase + 0x40)), 0x1234_5678_9ABC_DEF0)

        try e.setMemoryWriteTracking(true)
        XCTAssertTrue(e.tracksMemoryWrites)
        let load = try e.step()
        XCTAssertEqual(load.writes, [])
        XCTAssertEqual(try e.read(.x5), 0x1234_5678_9ABC_DEF0)

        XCTAssertEqual(try e.step().writes, [
            MemoryWrite(address: dataBase + 0x40, size: 8, value: 0xAAAA),
            MemoryWrite(address: dataBase + 0x48, size: 8, value: 0x1234_5678_9ABC_DEF0),
        ])
        // A 2x128-bit store arrives as four 8-byte records.
        let q = try e.step().writes
        XCTAssertEqual(q.map(\.address), [0x40, 0x48, 0x50, 0x58].map { dataBase + $0 })
        XCTAssertEqual(q.map(\.value), [1, 2, 3, 4])

        try e.setMemoryWriteTracking(false)
        try e.setProgramCounter(codeBase)
        XCTAssertEqual(try e.step().writes, [])
    }

    func testFaddThroughVectorRegisters() throws {
        let e = try makeEngine(.arm64, code: a64([
            0x1E62_2820,  // fadd d0, d1, d2
        ]))
        try e.writeVector(.v0, (low: ~0, high: ~0))
        try e.writeVector(.v1, (low: (1.5).bitPattern, high: 0xDEAD))
        try e.writeVector(.v2, (low: (2.25).bitPattern, high: 0xBEEF))
        XCTAssertEqual(try e.step().reason, .completed)
        let v0 = try e.readVector(.v0)
        XCTAssertEqual(Double(bitPattern: v0.low), 3.75)
        XCTAssertEqual(v0.high, 0, "scalar FP writes zero the upper 64 bits")
        XCTAssertEqual(try e.read(.fpsr), 0)
    }

    func testInterruptsStopInsteadOfLooping() throws {
        let e = try makeEngine(.arm64, code: a64([
            0xD400_0841,  // svc #0x42
            0xD420_00E0,  // brk #7
            0xD440_0000,  // hlt #0
            0x0000_0000,  // udf #0
            0xD503_207F,  // wfi
            0xD503_201F,  // nop
        ]))
        let svc = try e.step()
        XCTAssertEqual(svc.reason, .interrupt(ARM64Interrupt.svc))
        XCTAssertEqual(svc.pc, codeBase + 4, "svc: PC is the preferred return address (next insn)")
        let brk = try e.step()
        XCTAssertEqual(brk.reason, .interrupt(ARM64Interrupt.brk))
        XCTAssertEqual(brk.pc, codeBase + 4, "brk: PC stays on the brk")
        // Re-running from the brk stops again rather than spinning.
        XCTAssertEqual(try e.run(from: codeBase + 4, until: codeBase + 0x100).reason,
                       .interrupt(ARM64Interrupt.brk))

        XCTAssertEqual(try e.run(from: codeBase + 8, until: codeBase + 0x100).reason, .invalidInstruction)
        XCTAssertEqual(try e.programCounter(), codeBase + 8, "hlt is UNDEF in QEMU")
        XCTAssertEqual(try e.run(from: codeBase + 12, until: codeBase + 0x100).reason, .invalidInstruction)

        try e.setProgramCounter(codeBase + 16)
        let wfi = try e.step()
        XCTAssertEqual(wfi.reason, .halted)
        XCTAssertEqual(wfi.pc, codeBase + 20)
        let run = try e.run(from: codeBase + 16, until: codeBase + 24)
        XCTAssertEqual(run.reason, .halted)
        XCTAssertEqual(try e.step().reason, .completed)  // nop
    }

    func testLSEAtomicsNeedTheMaxModel() throws {
        let code = a64([0xC8E0_FC81])  // casal x0, x1, [x4]
        let max = try makeEngine(.arm64, code: code)
        XCTAssertEqual(max.cpuModel, .arm64Max)
        try max.write(.x4, dataBase)
        try max.write(.x1, 77)
        XCTAssertEqual(try max.step().reason, .completed)
        XCTAssertEqual(le64(try max.read(count: 8, at: dataBase)), 77, "compare 0 == [x4] succeeded")

        let a72 = try makeEngine(.arm64, code: code, cpuModel: .arm64CortexA72)
        try a72.write(.x4, dataBase)
        XCTAssertEqual(try a72.step().reason, .invalidInstruction)
    }

    func testUnmappedAndProtectedStoresFaultWithoutPhantomWrites() throws {
        let e = try makeEngine(.arm64, code: a64([
            0xF900_0081,  // str x1, [x4]
        ]))
        try e.setMemoryWriteTracking(true)
        try e.write(.x4, 0x50_0000)
        let unmapped = try e.step()
        XCTAssertEqual(unmapped.reason, .memoryFault(MemoryFault(kind: .writeUnmapped, address: 0x50_0000, size: 8)))
        XCTAssertEqual(unmapped.pc, codeBase)
        XCTAssertEqual(unmapped.writes, [])

        try e.protect(address: dataBase, size: page, permissions: .read)
        try e.write(.x4, dataBase + 8)
        let prot = try e.step()
        XCTAssertEqual(prot.reason, .memoryFault(MemoryFault(kind: .writeProtected, address: dataBase + 8, size: 8)))
        XCTAssertEqual(prot.writes, [])

        let fetch = try e.run(from: 0x9000, until: 0x9100)
        XCTAssertEqual(fetch.reason, .memoryFault(MemoryFault(kind: .fetchUnmapped, address: 0x9000, size: 4)))
    }

    func testStateRoundTripAndDiff() throws {
        let e = try makeEngine(.arm64, code: a64([0xD503_201F]))  // nop
        var s = ARM64State()
        for i in 0..<31 { s.x[i] = UInt64(i) &* 0x0101_0101_0101 }
        s.sp = dataBase + 0x800
        s.pc = codeBase
        s.nzcv = 0x9000_0000
        s.fpcr = 0x0300_0000  // DN | FZ
        s.fpsr = 0x10         // IXC
        for i in 0..<32 { s.v[i] = Vector128(low: UInt64(i), high: UInt64(100 + i)) }
        try e.writeAll(s)
        XCTAssertEqual(try e.readAllARM64(), s)
        XCTAssertEqual(try e.read(.x7), 7 &* 0x0101_0101_0101)
        XCTAssertEqual(try e.readVector(.v31).high, 131)

        var t = s
        t.x[3] = 6
        t.nzcv = 0x6000_0000
        t.v[0].high = 0xFF
        XCTAssertEqual(s.diff(against: s), [])
        XCTAssertEqual(s.diff(against: t), [
            "X3: 0x0000030303030303 vs 0x0000000000000006",
            "NZCV: 0x0000000090000000 vs 0x0000000060000000 (NzcV vs nZCv)",
            "V0: 0x00000000000000640000000000000000 vs 0x00000000000000ff0000000000000000",
        ])
    }

    func testNZCVAndFPCRWriteMasks() throws {
        let e = try makeEngine(.arm64, code: a64([0xD503_201F]))
        try e.write(.nzcv, ~0)
        XCTAssertEqual(try e.read(.nzcv), 0xF000_0000, "only bits 31:28 are kept")
        try e.write(.fpcr, 0xFFFF_FFFF)
        // Documented quirk: QEMU keeps the AArch32 Len/Stride fields, real AArch64 FPCR would not.
        XCTAssertEqual(try e.read(.fpcr) & 0x07C0_0000, 0x07C0_0000, "AHP, DN, FZ, RMode are writable")
        XCTAssertEqual(try e.read(.pstate) & 0xF, 0x5, "Unicorn runs AArch64 guests at EL1h")
    }

    func testRunCountsAndTimeout() throws {
        let e = try makeEngine(.arm64, code: a64([
            0xD280_0140,  // mov  x0, #10
            0xF100_0400,  // loop: subs x0, x0, #1
            0x54FF_FFE1,  // b.ne loop
            0x1400_0000,  // b .            (at +12)
        ]))
        let plain = try e.run(from: codeBase, until: codeBase + 12, timeout: nil)
        XCTAssertEqual(plain.reason, .completed)
        XCTAssertEqual(plain.pc, codeBase + 12)
        XCTAssertNil(plain.instructions)

        let exact = try e.run(from: codeBase, until: codeBase + 12, timeout: nil, counting: .exact)
        XCTAssertEqual(exact.instructions, 21)
        XCTAssertEqual(try e.read(.x0), 0)
        let blocks = try e.run(from: codeBase, until: codeBase + 12, timeout: nil, counting: .blockEstimate)
        XCTAssertEqual(blocks.instructions, 21)

        let spin = try e.run(from: codeBase + 12, until: codeBase + 16, timeout: .milliseconds(20))
        XCTAssertEqual(spin.reason, .timeout)
        XCTAssertGreaterThanOrEqual(spin.elapsed, .milliseconds(15))

        let limited = try e.run(from: codeBase, until: codeBase + 12, count: 5)
        XCTAssertEqual(limited.reason, .completed)
        XCTAssertEqual(limited.pc, codeBase + 4, "mov, subs, b.ne, subs, b.ne -> back at loop")
        XCTAssertEqual(try e.read(.x0), 8)
        // An unlimited run after a counted one must still complete (and not pay a cache flush).
        XCTAssertEqual(try e.run(from: codeBase, until: codeBase + 12).reason, .completed)
        XCTAssertEqual(try e.read(.x0), 0)
    }

    func testStepAfterRunStillExecutesOneInstruction() throws {
        let e = try makeEngine(.arm64, code: a64([
            0x9100_0400, 0x9100_0400, 0x9100_0400,  // add x0, x0, #1 (x3)
        ]))
        _ = try e.run(from: codeBase, until: codeBase + 12)  // translate the whole block first
        XCTAssertEqual(try e.read(.x0), 3)
        try e.setProgramCounter(codeBase)
        XCTAssertEqual(try e.step().pc, codeBase + 4)
        XCTAssertEqual(try e.read(.x0), 4)
    }

    func testHostMemoryMappingAndMisuse() throws {
        let host = UnsafeMutableRawPointer.allocate(byteCount: page, alignment: page)
        defer { host.deallocate() }
        host.initializeMemory(as: UInt8.self, repeating: 0, count: page)
        do {
            let e = try makeEngine(.arm64, code: a64([0xF900_0081]))  // str x1, [x4]
            try e.map(address: 0x20000, hostMemory: host, size: page)
            try e.write(.x1, 0x0102_0304_0506_0708)
            try e.write(.x4, 0x20010)
            XCTAssertEqual(try e.step().reason, .completed)
            XCTAssertEqual(host.load(fromByteOffset: 0x10, as: UInt64.self), 0x0102_0304_0506_0708)

            XCTAssertThrowsError(try e.map(address: 0x123, size: page)) { error in
                guard case .api = error as? UnicornError else { return XCTFail("\(error)") }
            }
            XCTAssertThrowsError(try e.read(.rax)) { error in
                XCTAssertEqual(error as? UnicornError,
                               .architectureMismatch(engine: .arm64, operation: "read(RAX)"))
            }
            XCTAssertThrowsError(try e.read(count: 4, at: 0x7000_0000))
        }
        // The engine is gone; the host buffer is still ours.
        XCTAssertEqual(host.load(fromByteOffset: 0x10, as: UInt8.self), 0x08)
    }
}

final class UnicornX86Tests: XCTestCase {
    func testMovAddAndFlags() throws {
        let e = try makeEngine(.x86_64, code: [
            0x48, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,  // mov rax, 0x1122334455667788
            0x48, 0x83, 0xC0, 0x01,                                      // add rax, 1
            0x48, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF,                    // mov rax, -1
            0x48, 0x83, 0xC0, 0x01,                                      // add rax, 1
        ])
        _ = try e.step()
        XCTAssertEqual(try e.read(.rax), 0x1122_3344_5566_7788)
        let add = try e.step()
        XCTAssertEqual(add.pc, codeBase + 14)
        XCTAssertEqual(try e.read(.rax), 0x1122_3344_5566_7789)
        XCTAssertEqual(try e.read(.rflags), 0x2, "0x...89: PF clear (3 bits), reserved bit 1 set")
        _ = try e.step()
        _ = try e.step()
        XCTAssertEqual(try e.read(.rax), 0)
        XCTAssertEqual(try e.read(.rflags), 0x57, "CF|PF|AF|ZF plus reserved bit 1")
    }

    func testPushPopAndTrackedStores() throws {
        let e = try makeEngine(.x86_64, code: [
            0x50,                                      // push rax
            0x5B,                                      // pop rbx
            0x48, 0x89, 0x07,                          // mov [rdi], rax
            0xC7, 0x47, 0x08, 0x44, 0x33, 0x22, 0x11,  // mov dword [rdi+8], 0x11223344
            0x0F, 0x11, 0x0F,                          // movups [rdi], xmm1
            0xC6, 0x07, 0xAB,                          // mov byte [rdi], 0xab
        ])
        try e.setMemoryWriteTracking(true)
        try e.write(.rsp, dataBase + 0x800)
        try e.write(.rax, 0xCAFE_F00D_1234_5678)
        try e.write(.rdi, dataBase + 0x100)
        try e.writeVector(.xmm1, (low: 0x1111, high: 0x2222))

        XCTAssertEqual(try e.step().writes, [MemoryWrite(address: dataBase + 0x7F8, size: 8, value: 0xCAFE_F00D_1234_5678)])
        XCTAssertEqual(try e.read(.rsp), dataBase + 0x7F8)
        XCTAssertEqual(try e.step().writes, [])
        XCTAssertEqual(try e.read(.rbx), 0xCAFE_F00D_1234_5678)
        XCTAssertEqual(try e.read(.rsp), dataBase + 0x800)

        let result = try e.run(from: codeBase + 2, until: codeBase + 18)
        XCTAssertEqual(result.reason, .completed)
        XCTAssertEqual(result.writes, [
            MemoryWrite(address: dataBase + 0x100, size: 8, value: 0xCAFE_F00D_1234_5678),
            MemoryWrite(address: dataBase + 0x108, size: 4, value: 0x1122_3344),
            MemoryWrite(address: dataBase + 0x100, size: 8, value: 0x1111),
            MemoryWrite(address: dataBase + 0x108, size: 8, value: 0x2222),
            MemoryWrite(address: dataBase + 0x100, size: 1, value: 0xAB),
        ])
        XCTAssertEqual(try e.read(count: 2, at: dataBase + 0x100), [0xAB, 0x11])
    }

    func testStopsOnInt3IntSyscallHltAndUd2() throws {
        let e = try makeEngine(.x86_64, code: [
            0xCC,        // int3          (+0)
            0xCD, 0x80,  // int 0x80      (+1)
            0x0F, 0x05,  // syscall       (+3)
            0xF4,        // hlt           (+5)
            0x0F, 0x0B,  // ud2           (+6)
            0x90,        // nop           (+8)
        ])
        let int3 = try e.step()
        XCTAssertEqual(int3.reason, .interrupt(3))
        XCTAssertEqual(int3.pc, codeBase + 1, "RIP is past the int3")
        XCTAssertEqual(try e.step().reason, .interrupt(0x80))
        let sys = try e.step()
        XCTAssertEqual(sys.reason, .syscall)
        XCTAssertEqual(sys.pc, codeBase + 5)
        let hlt = try e.step()
        XCTAssertEqual(hlt.reason, .halted)
        XCTAssertEqual(hlt.pc, codeBase + 6)
        let ud2 = try e.step()
        XCTAssertEqual(ud2.reason, .invalidInstruction)
        XCTAssertEqual(ud2.pc, codeBase + 6)

        // The same events stop a free run.
        XCTAssertEqual(try e.run(from: codeBase + 3, until: codeBase + 9).reason, .syscall)
        let run = try e.run(from: codeBase + 5, until: codeBase + 9)
        XCTAssertEqual(run.reason, .halted)
        XCTAssertEqual(run.pc, codeBase + 6)
        XCTAssertEqual(try e.run(from: codeBase + 8, until: codeBase + 9).reason, .completed)
    }

    func testLoopCountingAndUnmappedLoad() throws {
        let e = try makeEngine(.x86_64, code: [
            0xB9, 0x0A, 0x00, 0x00, 0x00,  // mov ecx, 10
            0x48, 0xFF, 0xC9,              // l: dec rcx
            0x75, 0xFB,                    // jnz l
            0x48, 0x8B, 0x07,              // mov rax, [rdi]   (+10)
        ])
        let r = try e.run(from: codeBase, until: codeBase + 10, timeout: nil, counting: .exact)
        XCTAssertEqual(r.instructions, 21)
        XCTAssertEqual(try e.read(.rcx), 0)
        XCTAssertThrowsError(try e.run(from: codeBase, until: codeBase + 10, timeout: nil, counting: .blockEstimate))

        try e.write(.rdi, 0xDEAD_0000)
        let fault = try e.step()
        XCTAssertEqual(fault.reason, .memoryFault(MemoryFault(kind: .readUnmapped, address: 0xDEAD_0000, size: 8)))
        XCTAssertEqual(fault.pc, codeBase + 10)
    }

    func testStateRegistersAndDiff() throws {
        let e = try makeEngine(.x86_64, code: [0x90])
        let initial = try e.readAllX86()
        XCTAssertEqual(initial.mxcsr, 0x1F80, "the binding resets MXCSR architecturally")
        XCTAssertEqual(initial.rflags, 0x2)
        XCTAssertEqual(try e.read(.cr0) & 1, 1, "protected mode")

        var s = X86State()
        for i in 0..<16 { s.gpr[i] = 0x1000 + UInt64(i) }
        s.rip = codeBase
        s.rflags = 0x202
        s.fsBase = 0x7FFF_0000
        s.gsBase = 0x6000
        for i in 0..<16 { s.xmm[i] = Vector128(low: UInt64(i), high: ~UInt64(i)) }
        try e.writeAll(s)
        XCTAssertEqual(try e.readAllX86(), s)
        XCTAssertEqual(try e.read(.rbx), 0x1003)
        XCTAssertEqual(try e.read(.fsBase), 0x7FFF_0000)
        XCTAssertEqual(s[gpr: .r12], 0x100C)

        try e.write(.rflags, 0)
        XCTAssertEqual(try e.read(.rflags), 0x2, "bit 1 reads as one")

        var t = s
        t[gpr: .rbx] = 5
        t.rflags = 0x243
        XCTAssertEqual(s.diff(against: t), [
            "RBX: 0x0000000000001003 vs 0x0000000000000005",
            "RFLAGS: 0x0000000000000202 vs 0x0000000000000243 (- vs CF|ZF)",
        ])
        XCTAssertThrowsError(try e.readAllARM64())
    }
}

/// Assembles with the toolchain's clang at test time and checks it against the hand encodings.
final class UnicornAssemblerTests: XCTestCase {
    func testClangAssembledCodeMatchesHandEncoding() throws {
        let arm = try assemble("movz x0, #5\nadd x1, x0, #3\nfadd d0, d1, d2\n", target: "aarch64-none-elf")
        XCTAssertEqual(arm, a64([0xD280_00A0, 0x9100_0C01, 0x1E62_2820]))
        let x86 = try assemble(".intel_syntax noprefix\npush rax\npop rbx\nint3\nhlt\n", target: "x86_64-none-elf")
        XCTAssertEqual(x86, [0x50, 0x5B, 0xCC, 0xF4])
    }

    func testClangAssembledProgramRunsOnBothEngines() throws {
        let arm = try assemble("""
            mov x0, #0
            mov x1, #100
            1: add x0, x0, x1
            subs x1, x1, #1
            b.ne 1b
            svc #0
            """, target: "aarch64-none-elf")
        let ea = try makeEngine(.arm64, code: arm)
        let ra = try ea.run(from: codeBase, until: codeBase + UInt64(arm.count))
        XCTAssertEqual(ra.reason, .interrupt(ARM64Interrupt.svc))
        XCTAssertEqual(try ea.read(.x0), 5050)

        let x86 = try assemble("""
            .intel_syntax noprefix
            xor eax, eax
            mov ecx, 100
            1: add rax, rcx
            dec rcx
            jnz 1b
            syscall
            """, target: "x86_64-none-elf")
        let ex = try makeEngine(.x86_64, code: x86)
        let rx = try ex.run(from: codeBase, until: codeBase + UInt64(x86.count))
        XCTAssertEqual(rx.reason, .syscall)
        XCTAssertEqual(try ex.read(.rax), 5050)
    }
}

// MARK: - clang helper

/// Assembles `source` with `clang --target=<target> -c` and returns the bytes of `.text`; skips if clang is missing.
func assemble(_ source: String, target: String) throws -> [UInt8] {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("chimera-unicorn-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("in.s")
    let output = dir.appendingPathComponent("out.o")
    try (source + "\n").write(to: input, atomically: true, encoding: .utf8)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["clang", "--target=\(target)", "-c", "-x", "assembler", input.path, "-o", output.path]
    let errors = Pipe()
    process.standardError = errors
    do { try process.run() } catch { throw XCTSkip("cannot run clang: \(error)") }
    process.waitUntilExit()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    if process.terminationStatus == 127 { throw XCTSkip("clang not found on PATH") }
    guard process.terminationStatus == 0 else {
        XCTFail("clang failed: \(message)")
        return []
    }
    return try textSection(ofELF: [UInt8](Data(contentsOf: output)))
}

/// The contents of the `.text` section of a little-endian ELF64 relocatable object.
func textSection(ofELF b: [UInt8]) throws -> [UInt8] {
    struct BadELF: Error {}
    func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
    func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
    func u64(_ o: Int) -> Int { u32(o) | u32(o + 4) << 32 }
    guard b.count >= 64, b[0..<4] == [0x7F, 0x45, 0x4C, 0x46], b[4] == 2, b[5] == 1 else { throw BadELF() }
    let shoff = u64(0x28), shentsize = u16(0x3A), shnum = u16(0x3C), shstrndx = u16(0x3E)
    func header(_ i: Int) -> (name: Int, offset: Int, size: Int) {
        let h = shoff + i * shentsize
        return (u32(h), u64(h + 0x18), u64(h + 0x20))
    }
    guard shoff + shnum * shentsize <= b.count, shstrndx < shnum else { throw BadELF() }
    let strtab = header(shstrndx).offset
    for i in 0..<shnum {
        let h = header(i)
        var end = strtab + h.name
        while end < b.count, b[end] != 0 { end += 1 }
        if String(decoding: b[(strtab + h.name)..<end], as: UTF8.self) == ".text" {
            guard h.offset + h.size <= b.count else { throw BadELF() }
            return Array(b[h.offset..<(h.offset + h.size)])
        }
    }
    throw BadELF()
}
