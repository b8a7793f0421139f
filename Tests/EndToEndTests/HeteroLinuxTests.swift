import ChimeraKit
import ChimeraScheduler
import ChimeraTestSupport
import XCTest

/// Linux on the ARM cluster of `hetero` next to the bare-metal x86-64 demo
/// kernel (kernels/x86/demo.c): from the busybox shell, `devmem` writes the
/// shared RAM window and the mailbox and reads them back, speaking the
/// demo's protocol (kernels/common/pingpong.h) by hand; the x86 side
/// greets, upper-cases the request and adds its numbers, and answers.
final class HeteroLinuxTests: XCTestCase {
    static let budget: UInt64 = 3_000_000_000
    static let armUART = "/machine/arm/uart", x86UART = "/machine/x86/com1"

    func testLinuxShellTalksToTheX86ClusterThroughSharedRAMAndTheMailbox() throws {
        guard let guest = LinuxGuest.files else {
            throw XCTSkip("no Debian arm64 kernel in \(LinuxGuest.directory); `make test` fetches it (Tests/Guests/fetch.sh)")
        }
        let demo = try EndToEnd.demoKernels()
        let board = try TestMachine(board: "hetero")
        try board.loadLinux(image: guest.image, initrd: guest.initrd, append: "console=ttyAMA0", on: "arm")
        try board.loadKernel(demo.x86, on: "x86")

        func step(_ command: String, until marker: String, line: UInt = #line) throws {
            // The console echoes the command, so `marker` must only appear in what it prints.
            if !command.isEmpty { try board.type(command + "\n", into: Self.armUART) }
            let r = try board.run(until: .output(marker), within: Self.budget)
            let tail = try board.output(of: Self.armUART).suffix(1500)
            XCTAssertEqual(r.outcome, .outputMatched, "no '\(marker)':\n\(tail)", line: line)
        }
        try step("", until: "CHIMERA-INIT: cpus=1")
        // HELLO with the header the x86 side checks (magic "PING", one round).
        try step("devmem 0x80000000 32 0x50494e47; devmem 0x80000004 32 1; devmem 0x0a000000 32 0x48454c4f; echo SENT-$((1+1))",
                 until: "SENT-2\r\n")
        try step("echo STATUS=$(devmem 0x0a00000c 32) READY=$(devmem 0x0a000008 32) END-$((2+1))", until: "END-3\r\n")
        // Round 0: "hello" and the numbers 40 and 2 at SHARED_REQUEST, then PING | 0.
        try step("devmem 0x80000100 32 0; devmem 0x80000104 32 5; devmem 0x80000108 32 0x6c6c6568; devmem 0x8000010c 32 0x6f; "
                 + "devmem 0x80000138 32 40; devmem 0x8000013c 32 2; devmem 0x0a000000 32 0x50490000; echo SENT-$((3+1))",
                 until: "SENT-4\r\n")
        try step("echo PONG=$(devmem 0x0a000008 32) TEXT=$(devmem 0x80000808 32) SUM=$(devmem 0x80000838 32) END-$((4+1))", until: "END-5\r\n")

        let arm = try board.output(of: Self.armUART).lowercased()
        XCTAssertTrue(arm.contains("status=0x00010001 ready=0x52454459 end-3"), "one word waiting, READY:\n\(arm.suffix(600))")
        XCTAssertTrue(arm.contains("pong=0x504f0000 text=0x4c4c4548 sum=0x0000002a end-5"), "PONG, \"HELL\", 42:\n\(arm.suffix(600))")
        let x86 = try board.output(of: Self.x86UART)
        XCTAssertTrue(x86.contains("[x86] hello from x86-64 (long mode), shared RAM at 0xc0000000, 1 rounds"), x86)
        XCTAssertTrue(x86.contains("[x86] round 0: 5 bytes, 8 numbers -> \"HELLO\" sum=42"), x86)

        try board.type("poweroff\n", into: Self.armUART)
        let end = try board.run(until: .exit, within: Self.budget)
        XCTAssertEqual(end.outcome, .exited(code: 0, reason: "/machine/arm/cpu[0] requested exit"))
    }
}
