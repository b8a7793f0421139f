import ChimeraCore
import ChimeraDevices
import ChimeraARM
import ChimeraX86
import ChimeraUnicorn
import ChimeraTestSupport
import Foundation

/// Guest MIPS of Chimera's interpretive cores against Unicorn on the
/// project's CoreMark-class workload (`Tests/Kernels/programs/coremark_like.c`),
/// compiled for the lockstep platform so both engines run the same bytes
/// until the program reaches `lockstep_halt`.
enum CoreBenchmark {
    struct Measurement {
        var instructions: UInt64
        var seconds: Double
        var mips: Double { Double(instructions) / seconds / 1e6 }
    }

    enum Target: String {
        case aarch64, x86_64

        var platform: KernelPlatform { self == .aarch64 ? .arm64Lockstep : .x86_64Lockstep }
        var cpuType: String { self == .aarch64 ? "cortex-a53" : "x86_64-cpu" }
        var ramBase: UInt64 { self == .aarch64 ? 0x4000_0000 : 0 }
        var unicorn: UnicornArchitecture { self == .aarch64 ? .arm64 : .x86_64 }
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Runs Chimera's core until the program spins at `lockstep_halt`.
    static func chimera(_ target: Target, elf: ELFImage) throws -> Measurement {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        ARM.register(into: &registry)
        X86.register(into: &registry)
        let m = try Machine(registry: registry)
        let cluster = try m.addChild("c", type: "cluster", as: Cluster.self)
        let cpu = try cluster.addChild("cpu[0]", type: target.cpuType, as: CPUDevice.self)
        let ram = try m.addChild("ram", type: "ram")
        try ram.setProperty("size", "256M")
        try cluster.map(RegionMapping(objectPath: "/machine/ram", region: "mem", address: target.ramBase))
        try m.realizeMachine()
        try elf.load(into: cluster.memory)
        try cpu.setProperty("reset-pc", .uint(elf.entry))
        cpu.resetCPU()
        guard let halt = elf.symbols["lockstep_halt"] else { throw ChimeraError(.generic, "no lockstep_halt symbol") }
        let start = now()
        var guardCount = 0
        while cpu.programCounter != halt {
            switch cpu.run(budget: 1_000_000) {
            case .budgetExhausted: break
            case let other: throw ChimeraError(.generic, "\(target) stopped early: \(other) at pc 0x\(String(cpu.programCounter, radix: 16))")
            }
            guardCount += 1
            if guardCount > 100_000 { throw ChimeraError(.generic, "\(target) did not reach lockstep_halt") }
        }
        let seconds = now() - start
        let code = cluster.memory.read(elf.symbols["lockstep_exit_code"] ?? 0, size: 4) ?? 99
        guard code == 0 else { throw ChimeraError(.generic, "\(target): workload reported failure (exit code \(code))") }
        return Measurement(instructions: cpu.instructionsRetired, seconds: seconds)
    }

    /// Runs the same image on Unicorn from the entry to `lockstep_halt`.
    static func unicorn(_ target: Target, elf: ELFImage, instructions: UInt64) throws -> Measurement {
        let engine = try UnicornEngine(architecture: target.unicorn)
        try engine.map(address: target.ramBase, size: 256 << 20)
        for s in elf.segments {
            try engine.write(s.bytes + [UInt8](repeating: 0, count: Int(s.memorySize) - s.bytes.count), at: s.address)
        }
        guard let halt = elf.symbols["lockstep_halt"] else { throw ChimeraError(.generic, "no lockstep_halt symbol") }
        let start = now()
        _ = try engine.run(from: elf.entry, until: halt, timeout: nil)
        let seconds = now() - start
        return Measurement(instructions: instructions, seconds: seconds)
    }

    static func run(_ targets: [Target]) throws {
        let builder = try KernelBuilder()
        for target in targets {
            let path = try builder.build(program: "coremark_like", platform: target.platform)
            let elf = try ELFImage(path: path)
            // The best of `runs` rounds per engine (3 unless CHIMERA_BENCH_RUNS says;
            // 1 for a single run under callgrind, say). Each round runs Chimera and
            // then Unicorn, so both see the same host conditions: this machine's
            // speed drifts within a minute, and measuring all of one engine's
            // rounds before the other's moved the ratio by up to 20 %.
            // CHIMERA_BENCH_ENGINES=chimera skips Unicorn (for profiling Chimera alone).
            let runs = max(1, ProcessInfo.processInfo.environment["CHIMERA_BENCH_RUNS"].flatMap { Int($0) } ?? 3)
            let chimeraOnly = ProcessInfo.processInfo.environment["CHIMERA_BENCH_ENGINES"] == "chimera"
            var best: Measurement?
            var bestU: Measurement?
            for _ in 0..<runs {
                let m = try chimera(target, elf: elf)
                if best == nil || m.seconds < best!.seconds { best = m }
                guard !chimeraOnly else { continue }
                let u = try unicorn(target, elf: elf, instructions: m.instructions)
                if bestU == nil || u.seconds < bestU!.seconds { bestU = u }
            }
            let c = best!
            guard let u = bestU else {
                print("| \(target.rawValue) | coremark_like | \(c.instructions) | \(String(format: "%.3f", c.seconds)) s | \(String(format: "%.0f", c.mips)) | – | – | – |")
                continue
            }
            print("| \(target.rawValue) | coremark_like | \(c.instructions) | \(String(format: "%.3f", c.seconds)) s | \(String(format: "%.0f", c.mips)) | \(String(format: "%.3f", u.seconds)) s | \(String(format: "%.0f", u.mips)) | \(String(format: "%.2f", c.mips / u.mips))× |")
        }
    }

    static func printHeader() {
        print("| core | workload | guest instructions | Chimera time | Chimera MIPS | Unicorn time | Unicorn MIPS | ratio |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
    }
}
