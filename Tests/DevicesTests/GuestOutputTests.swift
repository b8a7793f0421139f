import XCTest
import ChimeraCore
import ChimeraDevices
import ChimeraScheduler
import ChimeraTestSupport

/// Devices driven by a guest under the scheduler rather than by the test.
final class GuestOutputTests: XCTestCase {
    static let uartBase: UInt64 = 0x0900_0000
    static let sysctlBase: UInt64 = 0x0B00_0000

    private func makeMachine(program: [UInt8], characterTime: String = "1us") throws -> Machine {
        let m = try Machine(registry: DeviceBench.registry())
        let cluster = try m.addChild("soc", type: "cluster", as: Cluster.self)
        try cluster.addChild("cpu[0]", type: "toy-cpu")
        let ram = try cluster.addChild("ram", type: "ram")
        try ram.setProperty("size", parsing: "64K")
        let uart = try cluster.addChild("uart", type: "pl011")
        try uart.setProperty("output", parsing: "buffer")
        try uart.setProperty("character-time", parsing: characterTime)
        let sysctl = try cluster.addChild("sysctl", type: "sim-control")
        try cluster.map(RegionMapping(objectPath: ram.path, region: "mem", address: 0))
        try cluster.map(RegionMapping(objectPath: uart.path, region: "mmio", address: Self.uartBase))
        try cluster.map(RegionMapping(objectPath: sysctl.path, region: "regs", address: Self.sysctlBase))
        try m.realizeMachine()
        cluster.memory.writeBytes(0, program)
        return m
    }

    /// Writes "hi" to the PL011 and exits with `code` through sim-control.
    private func helloProgram(code: Int64) -> [UInt8] {
        var asm = ToyAssembler()
        asm.emit(.li, 1, 0, Int64(Self.uartBase))
        asm.emit(.li, 2, 0, Int64(Self.sysctlBase))
        asm.emit(.li, 3, 0, 0x301)
        asm.emit(.store, 3, 1, 0x30)         // UARTCR = UARTEN | TXE | RXE
        asm.emit(.li, 3, 0, Int64(UInt8(ascii: "h")))
        asm.emit(.store, 3, 1, 0)
        asm.emit(.li, 3, 0, Int64(UInt8(ascii: "i")))
        asm.emit(.store, 3, 1, 0)
        asm.emit(.li, 3, 0, code)
        asm.emit(.store, 3, 2, 0)            // EXIT
        asm.label("spin")
        asm.emit(.jmp, target: "spin")       // never reached: the exit stops the core
        return asm.assemble()
    }

    func testGuestPrintsThroughPL011AndExitsThroughSimControl() throws {
        let m = try makeMachine(program: helloProgram(code: 7), characterTime: "100us")
        let sim = try Simulation(machine: m)
        let result = sim.run(RunLimits(deadline: .seconds(1)))
        XCTAssertEqual(result.outcome, .exited(code: 7, reason: "/machine/soc/sysctl exit register"))
        XCTAssertLessThan(result.time, .microseconds(100), "the guest exits before the first character time ends")
        XCTAssertEqual(m.serial.text, "hi", "TX is flushed when the guest exits")
        XCTAssertEqual(m.serial.text(of: "/machine/soc/uart"), "hi")
        XCTAssertTrue(m.warnings.isEmpty, "\(m.warnings)")
    }

    func testRunsAreIdentical() throws {
        var hashes: [String] = []
        for _ in 0..<2 {
            let m = try makeMachine(program: helloProgram(code: 0))
            let result = try Simulation(machine: m).run(RunLimits(deadline: .seconds(1)))
            XCTAssertEqual(m.serial.text, "hi")
            hashes.append(result.traceHash)
        }
        XCTAssertEqual(hashes[0], hashes[1])
    }
}
