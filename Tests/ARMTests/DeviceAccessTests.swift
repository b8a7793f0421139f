import XCTest
import ChimeraARM
import ChimeraCore

/// AArch64 MMIO through the device TLB: each access reaches the device
/// once at the right offset, and a device's write effect ends the run.
final class ARMDeviceAccessTests: XCTestCase {
    final class Device: MMIOHandler {
        var log: [String] = []
        func mmioRead(offset: UInt64, size: Int) -> UInt64 { log.append("r\(offset)/\(size)"); return 0x100 | offset }
        func mmioWrite(offset: UInt64, size: Int, value: UInt64) { log.append("w\(offset)=\(value)") }
        func mmioWriteFromCPU(offset: UInt64, size: Int, value: UInt64) -> DeviceWriteEffect {
            mmioWrite(offset: offset, size: size, value: value)
            return offset == 0x40 ? .exit(code: Int32(value)) : .none
        }
    }

    func testReadsWritesAndAnExitingWrite() throws {
        let m = try ARMTestMachine()
        let d = Device()
        try m.cluster.memory.map(MemoryRegion(name: "dev", size: 0x1000, kind: .mmio(d, .upToWord), owner: "/test"),
                                 at: 0x0A00_0000)
        let cpu = m.cpus[0]
        let words: [UInt32] = [
            0xB9401822,  // ldr w2, [x1, #0x18]
            0xB9000822,  // str w2, [x1, #8]
            0xF9401423,  // ldr x3, [x1, #0x28]: split into two word reads
            0xB9004020,  // str w0, [x1, #0x40]: the device asks for an exit
            0xD503201F,  // nop (still runs: the exit is taken at the block's end)
            0x14000000,  // b .
        ]
        m.cluster.memory.writeBytes(0x4000_0000, words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } })
        cpu.programCounter = 0x4000_0000
        _ = cpu.writeRegister("x0", 5)
        _ = cpu.writeRegister("x1", 0x0A00_0000)
        XCTAssertEqual(cpu.run(budget: 1000), .exit(code: 5))
        XCTAssertEqual(d.log, ["r24/4", "w8=280", "r40/4", "r44/4", "w64=5"])
        XCTAssertEqual(cpu.readRegister("x3"), 0x12C << 32 | 0x128)
        XCTAssertEqual(cpu.instructionsRetired, 6, "the block ran to its end, the branch included")
    }
}
