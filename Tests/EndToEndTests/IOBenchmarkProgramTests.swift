import ChimeraKit
import ChimeraTestSupport
import Foundation
import XCTest

/// The guest programs of `chimera-bench io` (Tests/Kernels/io) keep working:
/// each kind runs to a passing exit on Chimera's shipped board with exactly
/// three instructions per access, the x86 image is one QEMU's Multiboot
/// loader would load byte for byte, and QEMU (when installed) runs them too.
final class IOBenchmarkProgramTests: XCTestCase {
    /// Runs an ELF on the kind's board; returns the exit status and retired instructions.
    private func runOnChimera(_ access: IOAccess, count: UInt64) throws -> (status: Int32, instructions: UInt64) {
        let elf = try KernelBuilder().build(access, count: count)
        let machine = try TestMachine(board: access.board)
        try machine.loadKernel(elf, on: access.cluster)
        let result = try machine.run()
        return (result.exitStatus, result.instructions)
    }

    func testEveryKindPassesOnChimeraWithThreeInstructionsPerAccess() throws {
        for access in IOAccess.allCases {
            let short = try runOnChimera(access, count: 10)
            let long = try runOnChimera(access, count: 2_010)
            XCTAssertEqual(short.status, access.passStatus, "\(access.rawValue), 10 accesses")
            XCTAssertEqual(long.status, access.passStatus, "\(access.rawValue), 2010 accesses")
            XCTAssertEqual(long.instructions - short.instructions, 2_000 * IOAccess.instructionsPerAccess, access.rawValue)
        }
    }

    func testCountsOutsideTheLoopCounterAreRejected() throws {
        XCTAssertThrowsError(try KernelBuilder().build(.x86InLSR, count: 0))
        XCTAssertThrowsError(try KernelBuilder().build(.armRAMLoad, count: 1 << 32))
    }

    /// QEMU's Multiboot loader (hw/i386/multiboot.c) with the address fields:
    /// the header in the first 8 KiB, 4-byte aligned; file bytes from
    /// offset − (header_addr − load_addr) up to load_end_addr go to load_addr.
    func testX86ImageLoadsAsMultibootWithTheSameBytesAsTheELF() throws {
        let path = try KernelBuilder().build(.x86InLSR, count: 10)
        let file = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: path)))
        func word(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(file[at + $1]) << (8 * $1) } }
        let offset = try XCTUnwrap(stride(from: 0, to: min(8192, file.count) - 32, by: 4).first { word($0) == 0x1BAD_B002 },
                                   "no Multiboot header in the first 8 KiB")
        let flags = word(offset + 4)
        XCTAssertEqual(word(offset) &+ flags &+ word(offset + 8), 0, "checksum")
        XCTAssertNotEqual(flags & 1 << 16, 0, "address fields flag")
        let (headerAddress, loadAddress, loadEnd, bssEnd, entry) =
            (word(offset + 12), word(offset + 16), word(offset + 20), word(offset + 24), word(offset + 28))
        XCTAssertLessThanOrEqual(loadAddress, headerAddress)
        XCTAssertLessThanOrEqual(loadEnd, bssEnd)
        let textOffset = offset - Int(headerAddress - loadAddress)
        let loaded = Array(file[textOffset..<textOffset + Int(loadEnd - loadAddress)])

        let elf = try ELFImage(path: path)
        XCTAssertEqual(elf.segments.count, 1, "one PT_LOAD segment")
        let segment = try XCTUnwrap(elf.segments.first)
        XCTAssertEqual(UInt64(loadAddress), segment.address)
        XCTAssertEqual(loaded, segment.bytes, "the Multiboot load is the ELF segment")
        XCTAssertEqual(UInt64(bssEnd - loadAddress), segment.memorySize)
        XCTAssertTrue((loadAddress..<loadEnd).contains(entry), "32-bit entry inside the image")
        XCTAssertNotEqual(UInt64(entry), elf.entry, "Chimera enters the 64-bit _start, QEMU the 32-bit trampoline")
    }

    func testEveryKindPassesUnderQEMUWhenInstalled() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        var ran = 0
        for access in IOAccess.allCases {
            guard let qemu = path.split(separator: ":").map({ "\($0)/\(access.qemuBinary)" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { continue }
            let elf = try KernelBuilder().build(access, count: 1_000)
            let result = try EndToEnd.run(qemu, access.qemuArguments(elf: elf), timeout: 60)
            XCTAssertFalse(result.timedOut, "\(access.rawValue) under \(qemu)")
            XCTAssertEqual(result.status, access.passStatus, "\(access.rawValue) under \(qemu): \(result.stderr)")
            ran += 1
        }
        if ran == 0 { throw XCTSkip("neither qemu-system-x86_64 nor qemu-system-aarch64 is on PATH") }
    }
}
