import ChimeraARM
import ChimeraCore
import ChimeraTestSupport
import XCTest

/// The shared C test programs, compiled for arm64-virt, run on the core.
final class KernelProgramTests: XCTestCase {
    func runProgram(_ name: String) throws {
        let builder = try KernelBuilder()
        let elf = try builder.build(program: name, platform: .arm64Virt)
        let board = try ARMTestMachine()
        try board.load(elf)
        let reason = board.run()
        XCTAssertEqual(reason, .exit(code: 0), "\(name): stopped with \(reason) at pc 0x\(String(board.cpus[0].programCounter, radix: 16))")
        let expected = try builder.expectedOutput(program: name, arch: "arm64")
        XCTAssertEqual(board.uart.text, expected, "\(name): console output differs")
    }

    func testHello() throws { try runProgram("hello") }
    func testSort() throws { try runProgram("sort") }
    func testCRC32() throws { try runProgram("crc32") }
    func testCRC32Intrinsics() throws { try runProgram("crc32_acle") }
    func testSHA256() throws { try runProgram("sha256") }
    func testPrintf() throws { try runProgram("printf") }
    func testFloat() throws { try runProgram("float") }
    func testDiv64() throws { try runProgram("div64") }
    func testCoremarkLike() throws { try runProgram("coremark_like") }
}
