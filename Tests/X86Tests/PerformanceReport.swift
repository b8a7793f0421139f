import XCTest
import Foundation
import ChimeraCore
import ChimeraTestSupport
import ChimeraUnicorn
import ChimeraX86

/// Prints guest MIPS for coremark_like on Chimera and Unicorn (not a test of speed:
/// it never asserts on time). Runs only with CHIMERA_X86_BENCH=1, ideally in release:
/// `swift test -c release --filter PerformanceReport`.
final class PerformanceReport: XCTestCase {
    func testCoremarkLikeMIPS() throws {
        guard ProcessInfo.processInfo.environment["CHIMERA_X86_BENCH"] != nil else { throw XCTSkip("set CHIMERA_X86_BENCH=1") }
        let elf = try KernelBuilder().build(program: "coremark_like", platform: .x86_64Lockstep)
        let image = try ELFImage(path: elf)
        let halt = try XCTUnwrap(image.symbols["lockstep_halt"])
        let m = try X86TestMachine(ramSize: "16M")
        try m.load(elf)
        let cpu = m.cpus[0]
        let start = DispatchTime.now().uptimeNanoseconds
        while cpu.programCounter != halt { _ = cpu.run(budget: 1_000_000) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let instructions = cpu.instructionsRetired
        let chimeraMIPS = Double(instructions) / seconds / 1e6

        let uc = try UnicornEngine(architecture: .x86_64, cpuModel: .x86Haswell)
        try uc.map(address: 0, size: 16 << 20)
        for s in image.segments { try uc.write(s.bytes, at: s.address) }
        _ = try uc.run(from: image.entry, until: halt, timeout: nil)  // warm-up
        for s in image.segments { try uc.write(s.bytes, at: s.address) }
        try uc.invalidateTranslations(address: 0, size: 16 << 20)
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = try uc.run(from: image.entry, until: halt, timeout: nil)
        let ucSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let ucMIPS = Double(instructions) / ucSeconds / 1e6
        print(String(format: "coremark_like: %llu instructions; Chimera %.3f s = %.0f MIPS; Unicorn %.3f s = %.0f MIPS; ratio %.2f",
                     instructions, seconds, chimeraMIPS, ucSeconds, ucMIPS, chimeraMIPS / ucMIPS))
    }
}
