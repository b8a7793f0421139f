import XCTest
import ChimeraCore
import ChimeraX86

/// Port and MMIO accesses through the device TLB: map changes between
/// runs are seen, every access reaches the device once, and the debug-exit
/// port ends the run at the writing instruction through its write effect.
final class DeviceAccessTests: XCTestCase {
    final class Recorder: MMIOHandler {
        var log: [String] = []
        func mmioRead(offset: UInt64, size: Int) -> UInt64 { log.append("r\(offset)"); return 0x40 | offset }
        func mmioWrite(offset: UInt64, size: Int, value: UInt64) { log.append("w\(offset)=\(value)") }
    }

    static let code: UInt64 = 0x10_0000

    /// Runs `bytes` from `code` for `count` instructions.
    func run(_ m: X86TestMachine, _ bytes: [UInt8], count: UInt64) -> StopReason {
        let cpu = m.cpus[0]
        m.cluster.memory.writeBytes(Self.code, bytes + [0xF4])
        cpu.programCounter = Self.code
        cpu.powerState = .running
        return cpu.run(budget: count)
    }

    func testPortMapChangesBetweenRunsAreSeen() throws {
        let m = try X86TestMachine(ramSize: "16M")
        let cpu = m.cpus[0]
        let inAL: [UInt8] = [0xE4, 0x62, 0xE4, 0x61]          // in al, 0x62; in al, 0x61
        _ = run(m, inAL, count: 2)
        XCTAssertEqual(cpu.gprValue(0) & 0xFF, 0xFF, "nothing at 0x60 yet")
        let d = Recorder()
        let region = MemoryRegion(name: "keyboard", size: 8, kind: .mmio(d, .any), owner: "/test")
        try m.cluster.io.map(region, at: 0x60)
        _ = run(m, inAL, count: 2)
        XCTAssertEqual(cpu.gprValue(0) & 0xFF, 0x41)
        _ = run(m, [0xB0, 0x09, 0xE6, 0x63, 0xE6, 0x63], count: 3)  // mov al, 9; out 0x63, al (twice)
        XCTAssertEqual(d.log, ["r2", "r1", "w3=9", "w3=9"])
        m.cluster.io.unmap(region)
        _ = run(m, inAL, count: 2)
        XCTAssertEqual(cpu.gprValue(0) & 0xFF, 0xFF, "unmapped again")
        XCTAssertEqual(d.log.count, 4)
    }

    func testDebugExitEndsTheRunAfterTheOutInstruction() throws {
        let m = try X86TestMachine(ramSize: "16M")
        let cpu = m.cpus[0]
        let before = cpu.instructionsRetired
        // mov al, 3; out 0xF4, al; nop; nop
        XCTAssertEqual(run(m, [0xB0, 0x03, 0xE6, 0xF4, 0x90, 0x90], count: 100), .exit(code: 7))
        XCTAssertEqual(cpu.instructionsRetired - before, 2)
        XCTAssertEqual(cpu.programCounter, Self.code + 4)
    }

    func testMemoryMappedDevicesAreReadAndWrittenThroughTheDeviceTLB() throws {
        let m = try X86TestMachine(ramSize: "16M")
        let cpu = m.cpus[0]
        let d = Recorder()
        try m.cluster.memory.map(MemoryRegion(name: "dev", size: 0x2000, kind: .mmio(d, .any), owner: "/test"), at: 0x4000_0000)
        // mov eax, [0x40001008]; mov [0x40000010], eax; mov eax, [0x40001008]
        let load: [UInt8] = [0x8B, 0x04, 0x25, 0x08, 0x10, 0x00, 0x40]
        let store: [UInt8] = [0x89, 0x04, 0x25, 0x10, 0x00, 0x00, 0x40]
        _ = run(m, load + store + load, count: 3)
        XCTAssertEqual(d.log, ["r4104", "w16=4168", "r4104"])
        XCTAssertEqual(cpu.gprValue(0), 0x40 | 0x1008)
    }
}
