import ChimeraCore
import ChimeraScheduler
import ChimeraDevices
import ChimeraARM
import ChimeraTestSupport
import Foundation

/// Scheduler overhead: guest MIPS of N spin cores over a fixed virtual time,
/// per core count and quantum, against one core run directly in a loop.
enum SchedulerBenchmark {
    static func machine(cores: Int, quantum: String) throws -> Machine {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        registry.registerBuiltin(SpinCPU.type)
        let m = try Machine(registry: registry)
        try m.setProperty("quantum", parsing: quantum)
        let cluster = try m.addChild("c", type: "cluster")
        for i in 0..<cores { try cluster.addChild("cpu[\(i)]", type: "bench-spin-cpu") }
        try m.realizeMachine()
        return m
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Runs the table; total guest instructions per cell ≈ `instructions`.
    static func run(instructions: UInt64 = 200_000_000) throws {
        // Baseline: one core driven directly, in the same 10 µs slices.
        let baselineMachine = try machine(cores: 1, quantum: "10us")
        let cpu = baselineMachine.cpus[0]
        let baseline = seconds {
            var done: UInt64 = 0
            while done < instructions { _ = cpu.run(budget: 10_000); done += 10_000 }
        }
        let baselineMIPS = Double(instructions) / baseline / 1e6
        print("Scheduler overhead (spin core, 1 GHz, \(instructions / 1_000_000)M guest instructions per cell)")
        print("baseline: one core driven directly: \(String(format: "%.0f", baselineMIPS)) MIPS")
        print("")
        print("| cores | quantum | MIPS | overhead vs baseline | ns per instruction |")
        print("|---:|---:|---:|---:|---:|")
        for cores in [1, 2, 8, 64, 256] {
            for quantum in ["1us", "10us", "100us"] {
                let m = try machine(cores: cores, quantum: quantum)
                let sim = try Simulation(machine: m)
                // Each core runs at 1 GHz, so virtual time = instructions / cores nanoseconds.
                let deadline = VirtualTime.nanoseconds(instructions / UInt64(cores))
                var result: RunResult?
                let t = seconds { result = sim.run(RunLimits(deadline: deadline)) }
                let executed = Double(result!.instructions)
                let mips = executed / t / 1e6
                let overhead = (baselineMIPS / mips - 1) * 100
                print("| \(cores) | \(quantum) | \(String(format: "%.0f", mips)) | \(String(format: "%+.1f%%", overhead)) | \(String(format: "%.2f", t * 1e9 / executed)) |")
            }
        }
    }
}

/// The same table with real AArch64 cores: each core has its own cluster
/// and RAM running `coremark_like`, so cores never share data.
enum RealCoreSchedulerBenchmark {
    static func machine(cores: Int, quantum: String, elf: ChimeraTestSupport.ELFImage) throws -> Machine {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        ARM.register(into: &registry)
        let m = try Machine(registry: registry)
        try m.setProperty("quantum", parsing: quantum)
        for i in 0..<cores {
            let cluster = try m.addChild("c\(i)", type: "cluster", as: Cluster.self)
            try cluster.addChild("cpu", type: "cortex-a53")
            try cluster.addChild("ram", type: "ram").setProperty("size", "16M")
            try cluster.map(RegionMapping(objectPath: cluster.path + "/ram", region: "mem", address: 0x4000_0000))
        }
        try m.realizeMachine()
        for cluster in m.clusters {
            try elf.load(into: cluster.memory)
            let cpu = cluster.cpus[0]
            try cpu.setProperty("reset-pc", .uint(elf.entry))
            cpu.resetCPU()
        }
        return m
    }

    static func run(instructions: UInt64 = 60_000_000) throws {
        let path = try KernelBuilder().build(program: "coremark_like", platform: .arm64Lockstep)
        let elf = try ChimeraTestSupport.ELFImage(path: path)
        // Baseline: one core driven directly in 10 µs budgets, no scheduler.
        let single = try machine(cores: 1, quantum: "10us", elf: elf)
        let cpu = single.cpus[0]
        let baseline = try SchedulerBenchmark.seconds {
            while cpu.instructionsRetired < instructions {
                guard cpu.run(budget: 10_000) == .budgetExhausted else { throw ChimeraError(.generic, "stopped early") }
            }
        }
        let baselineMIPS = Double(cpu.instructionsRetired) / baseline / 1e6
        print("Scheduler overhead with AArch64 cores (coremark_like, \(instructions / 1_000_000)M guest instructions per cell)")
        print("baseline: one core driven directly: \(String(format: "%.0f", baselineMIPS)) MIPS")
        print("")
        print("| cores | quantum | MIPS | overhead vs baseline |")
        print("|---:|---:|---:|---:|")
        for cores in [1, 2, 8, 64, 256] {
            for quantum in ["1us", "10us", "100us"] {
                let m = try machine(cores: cores, quantum: quantum, elf: elf)
                let sim = try Simulation(machine: m)
                let deadline = VirtualTime.nanoseconds(instructions / UInt64(cores))
                var result: RunResult?
                let t = SchedulerBenchmark.seconds { result = sim.run(RunLimits(deadline: deadline)) }
                let mips = Double(result!.instructions) / t / 1e6
                print("| \(cores) | \(quantum) | \(String(format: "%.0f", mips)) | \(String(format: "%+.1f%%", (baselineMIPS / mips - 1) * 100)) |")
            }
        }
    }
}
