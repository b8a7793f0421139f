// The example of Documentation/Testing.md, kept identical so the documentation cannot rot.
import XCTest
import ChimeraKit
import ChimeraTestSupport  // KernelBuilder: compiles the guest program with clang

final class TestMachineExampleTests: XCTestCase {
    func testHelloOnVirtARM64() throws {
        // A bare-metal C program built for QEMU's virt layout.
        let elf = try KernelBuilder().build(program: "hello", platform: .arm64Virt)

        let board = try TestMachine(board: "virt-arm64", parameters: ["cores": "1"])
        try board.loadKernel(elf, on: "cpu[0]")

        // Stop as soon as the greeting appears, then look around.
        let first = try board.run(until: .output("Hello"))
        XCTAssertEqual(first.outcome, .outputMatched)
        XCTAssertGreaterThan(try board.register("pc", of: "arm/cpu[0]"), 0x4008_0000)

        // Poke a word into RAM and read it back through the bus.
        try board.poke(0x4100_0000, 0xC0FFEE, in: "arm")
        XCTAssertEqual(try board.peek(0x4100_0000, in: "arm"), 0xC0FFEE)

        // Run to the end: the program exits through semihosting with status 0.
        let result = try board.run()
        XCTAssertEqual(result.outcome, .exited(code: 0, reason: "/machine/arm/cpu[0] requested exit"))
        XCTAssertTrue(try board.output(of: "arm/uart").hasPrefix("Hello from arm64"))

        // Deterministic: a second machine gives the same trace hash.
        let again = try TestMachine(board: "virt-arm64")
        try again.loadKernel(elf, on: "cpu[0]")
        XCTAssertEqual(try again.run().traceHash, result.traceHash)
    }
}
