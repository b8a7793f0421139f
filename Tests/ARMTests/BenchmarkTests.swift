@testable import ChimeraARM
import ChimeraCore
import ChimeraTestSupport
import ChimeraUnicorn
import XCTest

/// Guest MIPS of Chimera and Unicorn on coremark_like (arm64-lockstep build).
/// Not a test: skipped unless CHIMERA_ARM_BENCH=1; prints numbers, asserts nothing about time.
final class BenchmarkTests: XCTestCase {
    func testCoremarkMIPS() throws {
        guard ProcessInfo.processInfo.environment["CHIMERA_ARM_BENCH"] == "1" else { throw XCTSkip("set CHIMERA_ARM_BENCH=1") }
        let elf = try KernelBuilder().build(program: "coremark_like", platform: .arm64Lockstep)
        let image = try ELFImage(path: elf)
        guard let halt = image.symbols["lockstep_halt"] else { return XCTFail("no lockstep_halt") }

        let board = try ARMTestMachine()
        try board.load(elf)
        let cpu = board.cpus[0]
        let clock = ContinuousClock()
        let start = clock.now
        while cpu.programCounter != halt {
            cpu.beginSlice()
            _ = cpu.run(budget: 100_000)
        }
        let chimera = clock.now - start
        let instructions = cpu.instructionsRetired
        let seconds = Double(chimera.components.seconds) + Double(chimera.components.attoseconds) * 1e-18

        let uc = try UnicornEngine(architecture: .arm64)
        try uc.map(address: 0x4000_0000, size: 256 << 20)
        for s in image.segments { try uc.write(s.bytes, at: s.address) }
        let result = try uc.run(from: image.entry, until: halt, timeout: nil, counting: .none)
        let ucSeconds = Double(result.elapsed.components.seconds) + Double(result.elapsed.components.attoseconds) * 1e-18
        let ours = Double(instructions) / seconds / 1e6, theirs = Double(instructions) / ucSeconds / 1e6
        print(String(format: "coremark_like: %llu instructions; Chimera %.1f MIPS (%.3f s), Unicorn %.1f MIPS (%.3f s), ratio %.2fx",
                     instructions, ours, seconds, theirs, ucSeconds, ours / theirs))
    }
}
