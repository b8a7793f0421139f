import ChimeraTestSupport
import Foundation
import XCTest

/// An ELF built for QEMU `virt` runs unchanged on `virt-arm64` and prints the same bytes.
final class QEMUCompatibilityTests: XCTestCase {
    func testHelloPrintsTheSameBytesUnderQEMUAndChimera() throws {
        guard let qemu = EndToEnd.which("qemu-system-aarch64") else {
            throw XCTSkip("qemu-system-aarch64 is not installed (Debian package qemu-system-arm)")
        }
        let builder = try KernelBuilder()
        let elf = try builder.build(program: "hello", platform: .arm64Virt)
        let expected = try builder.expectedOutput(program: "hello", arch: "arm64")

        let reference = try EndToEnd.run(qemu, ["-M", "virt", "-cpu", "cortex-a53", "-nographic", "-semihosting",
                                                "-kernel", elf], timeout: 120)
        XCTAssertFalse(reference.timedOut, "QEMU did not exit; stderr:\n\(reference.stderr)")
        XCTAssertEqual(reference.status, 0, "QEMU exit status; stderr:\n\(reference.stderr)")
        XCTAssertEqual(reference.stdoutText, expected, "QEMU output differs from Tests/Kernels/expected")

        let chimera = try EndToEnd.chimera(["run", "virt-arm64", "--kernel", "cpu[0]=\(elf)"], timeout: 120)
        XCTAssertFalse(chimera.timedOut, "chimera did not exit; stderr:\n\(chimera.stderr)")
        XCTAssertEqual(chimera.status, 0, "chimera exit status; stderr:\n\(chimera.stderr)")
        XCTAssertEqual(chimera.stdout, reference.stdout, "chimera and QEMU print different bytes")
    }
}
