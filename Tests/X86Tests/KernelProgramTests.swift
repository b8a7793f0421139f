import XCTest
import ChimeraCore
import ChimeraTestSupport
import ChimeraX86

/// The shared guest programs on the `x86_64-pc` platform: console output
/// through COM1, exit through port 0xF4.
final class KernelProgramTests: XCTestCase {
    func runProgram(_ name: String, defines: [String: String] = [:], maxInstructions: UInt64 = 400_000_000) throws -> (String, StopReason) {
        let builder = try KernelBuilder()
        let elf = try builder.build(program: name, platform: .x86_64PC, defines: defines)
        let m = try X86TestMachine()
        try m.load(elf)
        let reason = m.run(maxInstructions: maxInstructions, quantum: 100_000)
        return (m.serial.text, reason)
    }

    func check(_ name: String) throws {
        let (out, reason) = try runProgram(name)
        let expected = try KernelBuilder().expectedOutput(program: name, arch: "x86_64")
        XCTAssertEqual(out, expected, "\(name) output")
        XCTAssertEqual(reason, .exit(code: 1), "\(name) stop reason")
    }

    func testHello() throws { try check("hello") }
    func testSort() throws { try check("sort") }
    func testCRC32() throws { try check("crc32") }
    func testSHA256() throws { try check("sha256") }
    func testPrintf() throws { try check("printf") }
    func testDiv64() throws { try check("div64") }
    func testFloat() throws { try check("float") }
    func testCoremarkLike() throws { try check("coremark_like") }
}
