import ChimeraBoards
import ChimeraCore
import ChimeraKit
import ChimeraScheduler
import ChimeraTestSupport
import Foundation
import XCTest

/// Every shipped board parses, realizes and matches its golden composition tree and memory maps;
/// per-core kernels start at their own entries.
final class ShippedBoardTests: XCTestCase {
    static let expectedBoards = ["hetero", "pc-x86_64", "virt-arm64"]

    /// `info qom-tree` followed by `info mtree` of every cluster's memory and I/O space.
    static func dump(_ machine: Machine) -> String {
        var out = machine.qomTreeText()
        for cluster in machine.clusters {
            out += "\n== \(cluster.path) memory ==\n" + cluster.memory.mtreeText()
            out += "\n== \(cluster.path) io ==\n" + cluster.io.mtreeText()
        }
        return out
    }

    func testEveryShippedBoardMatchesItsGoldenDump() throws {
        let registry = ChimeraKit.standardRegistry()
        let listed = BoardLoader(searchPaths: [EndToEnd.boardsDirectory]).list().map(\.name)
        XCTAssertEqual(listed.sorted(), Self.expectedBoards, "shipped boards changed: add or remove their goldens")
        for name in listed {
            let machine = try EndToEnd.machine(board: name, registry: registry)
            try machine.realizeMachine()
            XCTAssertEqual(machine.state, .realized, name)
            try EndToEnd.assertGolden(Self.dump(machine), "boards/\(name).txt")
        }
    }

    /// The dump is a pure function of the board: building it twice gives the same text.
    func testDumpIsDeterministic() throws {
        let a = try EndToEnd.machine(board: "hetero", parameters: [("arm-cores", "2"), ("x86-cores", "3")])
        let b = try EndToEnd.machine(board: "hetero", parameters: [("arm-cores", "2"), ("x86-cores", "3")])
        try a.realizeMachine()
        try b.realizeMachine()
        XCTAssertEqual(Self.dump(a), Self.dump(b))
        XCTAssertEqual(a.cpus.map(\.path), ["/machine/arm/cpu[0]", "/machine/arm/cpu[1]",
                                            "/machine/x86/cpu[0]", "/machine/x86/cpu[1]", "/machine/x86/cpu[2]"])
    }

    // MARK: - Per-core kernels on a 2+2 hetero

    /// A raw kernel for ARM core `index`: stores 0xA0+index at shared+8*index, then waits forever.
    static func armKernel(_ index: Int) -> String {
        """
            .global _start
        _start:
            movz x0, #0x8000, lsl #16
            mov x1, #\(0xA0 + index)
            str x1, [x0, #\(8 * index)]
        1:  wfi
            b 1b
        """
    }

    /// A raw kernel for x86 core `index`: stores 0xB0+index at shared+0x40+8*index, then halts.
    static func x86Kernel(_ index: Int) -> String {
        """
            .global _start
        _start:
            movl $0xC0000000, %eax
            movq $\(0xB0 + index), %rbx
            movq %rbx, \(0x40 + 8 * index)(%rax)
        1:  cli
            hlt
            jmp 1b
        """
    }

    func testPerCoreKernelsStartAtTheirOwnEntries() throws {
        let builder = try KernelBuilder()
        var entries: [(cpu: String, elf: String, entry: UInt64)] = []
        for i in 0..<2 {
            let armEntry: UInt64 = 0x4010_0000 + UInt64(i) * 0x1_0000
            let x86Entry: UInt64 = 0x30_0000 + UInt64(i) * 0x1_0000
            entries.append(("/machine/arm/cpu[\(i)]",
                            try builder.buildRaw(assembly: Self.armKernel(i), platform: .arm64Virt, linkAddress: armEntry),
                            armEntry))
            entries.append(("/machine/x86/cpu[\(i)]",
                            try builder.buildRaw(assembly: Self.x86Kernel(i), platform: .x86_64PC, linkAddress: x86Entry),
                            x86Entry))
        }
        let machine = try EndToEnd.machine(board: "hetero", parameters: [("arm-cores", "2"), ("x86-cores", "2")])
        XCTAssertEqual(machine.cpus.count, 4)
        for e in entries { try machine.execute(.loadKernel(cpu: e.cpu, file: e.elf)) }
        try machine.holdCoresWithoutKernels()
        try machine.realizeMachine()
        for e in entries {
            let cpu = try XCTUnwrap(machine.cpus.first { $0.path == e.cpu })
            XCTAssertEqual(cpu.uintProperty("reset-pc"), e.entry, "\(e.cpu) reset-pc")
            XCTAssertEqual(cpu.programCounter, e.entry, "\(e.cpu) pc after reset")
            XCTAssertNotEqual(cpu.powerState, .off, "\(e.cpu) has a kernel and must not be held off")
        }

        // Each core ran its own code: every marker is in the shared RAM.
        let simulation = try Simulation(machine: machine)
        let result = simulation.run(RunLimits(deadline: .microseconds(200)))
        switch result.outcome {
        case .deadlock, .deadlineReached: break
        default: XCTFail("unexpected outcome \(result.outcome)")
        }
        let arm = try XCTUnwrap(machine.clusters.first { $0.path == "/machine/arm" })
        let x86 = try XCTUnwrap(machine.clusters.first { $0.path == "/machine/x86" })
        for i in 0..<2 {
            XCTAssertEqual(arm.memory.read(0x8000_0000 + UInt64(8 * i), size: 8), UInt64(0xA0 + i), "arm.cpu[\(i)] marker")
            XCTAssertEqual(x86.memory.read(0xC000_0040 + UInt64(8 * i), size: 8), UInt64(0xB0 + i), "x86.cpu[\(i)] marker")
            // The same RAM through the other cluster's window.
            XCTAssertEqual(x86.memory.read(0xC000_0000 + UInt64(8 * i), size: 8), UInt64(0xA0 + i))
        }
    }

    /// Without a kernel, the second ARM core is held off (it waits for PSCI CPU_ON).
    func testCoresWithoutKernelsStayOff() throws {
        let builder = try KernelBuilder()
        let elf = try builder.buildRaw(assembly: Self.armKernel(0), platform: .arm64Virt, linkAddress: 0x4010_0000)
        let machine = try EndToEnd.machine(board: "hetero", parameters: [("arm-cores", "2")])
        try machine.execute(.loadKernel(cpu: "/machine/arm/cpu[0]", file: elf))
        try machine.holdCoresWithoutKernels()
        try machine.realizeMachine()
        XCTAssertEqual(machine.cpus.map(\.powerState), [.running, .off, .off])
    }
}
