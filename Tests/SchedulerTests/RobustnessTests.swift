import XCTest
import ChimeraCore
import ChimeraDevices
import ChimeraScheduler
import ChimeraTestSupport

/// Regression tests for issue #16 that need a machine: placement of
/// objects, the quantum's range, exact instruction budgets and slow clocks.
final class SchedulerRobustnessTests: XCTestCase {
    func spinningMachine(quantum: String = "10us", frequency: UInt64? = nil) throws -> Machine {
        let m = try Machine(registry: TwoClusterFixture.registry())
        try m.setProperty("quantum", parsing: quantum)
        let cluster = try m.addChild("a", type: "cluster", as: Cluster.self)
        let cpu = try cluster.addChild("cpu[0]", type: "toy-cpu")
        if let frequency { try cpu.setProperty("clock-frequency", .uint(frequency)) }
        try cluster.addChild("ram", type: "ram").setProperty("size", "64K")
        try cluster.map(RegionMapping(objectPath: "/machine/a/ram", region: "mem", address: 0))
        try m.realizeMachine()
        var asm = ToyAssembler()
        asm.label("loop")
        asm.emit(.addi, 1, 0, 1)
        asm.emit(.jmp, target: "loop")
        cluster.memory.writeBytes(0, asm.assemble())
        return m
    }

    func testQuantumOutsideOneNanosecondToOneSecondIsRefused() throws {
        let m = try Machine(registry: TwoClusterFixture.registry())
        for bad in ["0ps", "1ps", "999ps", "2s", "10000s"] {
            XCTAssertThrowsError(try m.setProperty("quantum", parsing: bad), bad) { error in
                XCTAssertTrue("\(error)".contains("outside"), "\(error)")
            }
        }
        for good in ["1ns", "10us", "1s"] { XCTAssertNoThrow(try m.setProperty("quantum", parsing: good), good) }
    }

    func testInstructionBudgetIsExactWhateverTheQuantum() throws {
        for quantum in ["1ns", "10us", "1s"] {
            let m = try spinningMachine(quantum: quantum)
            let result = try Simulation(machine: m).run(RunLimits(instructionBudget: 12_345))
            XCTAssertEqual(result.outcome, .budgetSpent, quantum)
            XCTAssertEqual(result.instructions, 12_345, quantum)
        }
    }

    /// At 1 Hz an instruction lasts 1 s, 10^5 quanta of 10 us: they are skipped,
    /// not crossed one by one (counted through the boundary hook, not the host clock).
    func testSlowClockSkipsEmptyQuanta() throws {
        let m = try spinningMachine(frequency: 1)
        let sim = try Simulation(machine: m)
        var boundaries = 0
        sim.boundaryHook = { _ in boundaries += 1 }
        let result = sim.run(RunLimits(instructionBudget: 20))
        XCTAssertEqual(result.instructions, 20)
        XCTAssertLessThan(boundaries, 200, "\(boundaries) quantum boundaries for 20 instructions")
        // The deadline still lands exactly, even inside a skipped stretch.
        let m2 = try spinningMachine(frequency: 1)
        let timed = try Simulation(machine: m2).run(RunLimits(deadline: VirtualTime(picoseconds: 5_500_000_000_000)))
        XCTAssertEqual(timed.outcome, .deadlineReached)
        XCTAssertEqual(timed.time, VirtualTime(picoseconds: 5_500_000_000_000))
    }

    func testMachinesAndClustersCannotBeCreatedUnderACore() throws {
        let m = try spinningMachine()
        XCTAssertThrowsError(try m.execute(.objectAdd(type: "cluster", path: "/machine/a/cpu[0]/c", properties: [:]))) {
            XCTAssertTrue("\($0)".contains("cannot be created inside the core /machine/a/cpu[0]"), "\($0)")
        }
        XCTAssertThrowsError(try m.execute(.objectAdd(type: "toy-cpu", path: "/machine/a/cpu[0]/inner", properties: [:])))
        XCTAssertThrowsError(try m.execute(.objectAdd(type: "machine", path: "/machine/a/m", properties: [:]))) {
            XCTAssertTrue("\($0)".contains("root of its tree"), "\($0)")
        }
        XCTAssertNil(m.child(named: "a")?.child(named: "cpu[0]")?.child(named: "c"))
    }

    func testCoreLimitAppliesToObjectAdd() throws {
        let m = try spinningMachine()
        m.limits.cores = 2
        XCTAssertNoThrow(try m.execute(.objectAdd(type: "toy-cpu", path: "/machine/a/cpu[1]", properties: ["start-powered-off": true])))
        XCTAssertThrowsError(try m.execute(.objectAdd(type: "toy-cpu", path: "/machine/a/cpu[2]", properties: [:]))) {
            XCTAssertTrue("\($0)".contains("--limit cores"), "\($0)")
        }
    }

    /// The fuzz campaign's leak check: an unrealized machine is freed (MMIO
    /// regions refer to their devices, so they must not outlive unrealize).
    func testUnrealizedMachineIsFreed() throws {
        weak var weakMachine: Machine?
        weak var weakUART: SimObject?
        try {
            let m = try Machine(registry: TwoClusterFixture.registry())
            let cluster = try m.addChild("a", type: "cluster", as: Cluster.self)
            try cluster.addChild("cpu[0]", type: "toy-cpu")
            let uart = try cluster.addChild("uart", type: "pl011")
            try uart.setProperty("output", "buffer")
            try cluster.map(RegionMapping(objectPath: uart.path, region: "mmio", address: 0x0900_0000))
            try m.realizeMachine()
            _ = try Simulation(machine: m).run(RunLimits(instructionBudget: 100))
            m.unrealizeTree()
            weakMachine = m
            weakUART = uart
        }()
        XCTAssertNil(weakUART, "the UART outlived its machine")
        XCTAssertNil(weakMachine, "the machine was not freed")
    }
}
