import XCTest
import ChimeraKit
import ChimeraCore

/// `CPUDevice` has no defaults for the `CPU` requirements (a forgotten one
/// traps): every core type the standard registry ships answers all of them.
final class CPURequirementTests: XCTestCase {
    func testEveryShippedCoreImplementsEveryRequirement() throws {
        let board = try TestMachine(board: "hetero")
        try board.start()
        let cpus = board.machine.cpus
        XCTAssertEqual(Set(cpus.map { $0.architecture }), [.aarch64, .x86_64])
        for cpu in cpus {
            XCTAssertNotNil(Architecture(rawValue: cpu.architecture.rawValue), cpu.path)
            XCTAssertFalse(cpu.registerNames.isEmpty, cpu.path)
            let pc = cpu.programCounter
            cpu.programCounter = pc
            XCTAssertEqual(cpu.programCounter, pc)
            XCTAssertNotNil(cpu.readRegister(cpu.registerNames[0]), cpu.path)
            XCTAssertFalse(cpu.writeRegister("no-such-register", 0), cpu.path)
            _ = cpu.hasPendingWakeup
            _ = cpu.instructionsRetired
            XCTAssertFalse(cpu.disassemble(at: pc).isEmpty, cpu.path)
            cpu.resetCPU()
        }
    }

    func testArchitectureIsAnOpenSetMatchedByELFMachine() {
        let riscv = Architecture("riscv64", elfMachine: 243)
        XCTAssertNotEqual(riscv, .aarch64)
        XCTAssertNil(Architecture(rawValue: "riscv64"), "unknown names are not invented")
        XCTAssertEqual(Architecture(rawValue: "x86_64"), .x86_64)
        XCTAssertEqual(Architecture.known.map(\.elfMachine), [183, 40, 62])
    }
}
