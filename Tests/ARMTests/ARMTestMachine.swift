import ChimeraARM
import ChimeraCore
import ChimeraDevices
import ChimeraTestSupport
import XCTest

/// A minimal PL011 stand-in for tests: DR collects bytes, FR reads 0 (never full).
final class UARTStub: MMIOHandler {
    var output: [UInt8] = []
    func mmioRead(offset: UInt64, size: Int) -> UInt64 { 0 }
    func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        if offset == 0 { output.append(UInt8(truncatingIfNeeded: value)) }
    }
    var text: String { String(decoding: output, as: UTF8.self) }
}

/// A virt-like test board: RAM at 0x4000_0000, UART stub at 0x0900_0000,
/// optional GICv2 at 0x0800_0000 (dist) / 0x0801_0000 (cpu) or, with
/// `gicVersion` 3, GICv3 at 0x0800_0000 (dist) / 0x080A_0000 (redist), `cores` Cortex-A53s.
final class ARMTestMachine {
    let machine: Machine
    let cluster: Cluster
    let cpus: [AArch64CPU]
    let uart = UARTStub()
    var semihosting: [UInt8] = []

    init(cores: Int = 1, gic: Bool = false, gicVersion: Int = 2, ramSize: String = "256M", resetEL: UInt64 = 1) throws {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        ARM.register(into: &registry)
        machine = try Machine(registry: registry)
        cluster = try machine.addChild("arm", type: "cluster", as: Cluster.self)
        let ram = try machine.addChild("ram", type: "ram")
        try ram.setProperty("size", parsing: ramSize)
        try cluster.map(RegionMapping(objectPath: "/machine/ram", region: "mem", address: 0x4000_0000))
        var list: [AArch64CPU] = []
        for i in 0..<max(cores, 1) {
            let cpu = try cluster.addChild("cpu[\(i)]", type: "cortex-a53", as: AArch64CPU.self)
            try cpu.setProperty("mpidr", .uint(UInt64(i)))
            try cpu.setProperty("reset-el", .uint(resetEL))
            if i > 0 { try cpu.setProperty("start-powered-off", .bool(true)) }
            list.append(cpu)
        }
        cpus = list
        if gic {
            let g = try cluster.addChild("gic", type: gicVersion == 3 ? "gic-v3" : "gic-v2")
            try g.setProperty("num-cpus", .uint(UInt64(list.count)))
            try cluster.map(RegionMapping(objectPath: "/machine/arm/gic", region: "dist", address: 0x0800_0000))
            if gicVersion == 3 {
                try cluster.map(RegionMapping(objectPath: "/machine/arm/gic", region: "redist", address: 0x080A_0000))
            } else {
                try cluster.map(RegionMapping(objectPath: "/machine/arm/gic", region: "cpu", address: 0x0801_0000))
            }
        }
        try machine.realizeMachine()
        try cluster.memory.map(MemoryRegion(name: "uart", size: 0x1000, kind: .mmio(uart, .any), owner: "test"), at: 0x0900_0000)
        if gic {
            for i in 0..<list.count {
                try machine.connect("/machine/arm/gic.cpu-irq[\(i)]", to: "/machine/arm/cpu[\(i)].irq")
                if gicVersion == 3 { try machine.connect("/machine/arm/gic.cpu-fiq[\(i)]", to: "/machine/arm/cpu[\(i)].fiq") }
                try machine.connect("/machine/arm/cpu[\(i)].timer-phys", to: "/machine/arm/gic.ppi[\(i * 16 + 14)]")
                try machine.connect("/machine/arm/cpu[\(i)].timer-virt", to: "/machine/arm/gic.ppi[\(i * 16 + 11)]")
            }
        }
        for c in cpus { c.semihostingOutput = { [unowned self] b in self.semihosting.append(b) } }
    }

    /// Loads an ELF and points core 0 at its entry.
    @discardableResult
    func load(_ path: String) throws -> ELFImage {
        let image = try ELFImage(path: path)
        try image.load(into: cluster.memory)
        cpus[0].programCounter = image.entry
        return image
    }

    /// Runs all cores round-robin in slices until one exits or faults, or
    /// `limit` instructions pass; advances virtual time between slices.
    func run(limit: UInt64 = 500_000_000, slice: UInt64 = 10_000) -> StopReason {
        var total: UInt64 = 0
        while total < limit {
            var anyRunning = false
            for cpu in cpus {
                guard cpu.powerState == .running || (cpu.powerState == .halted && cpu.hasPendingWakeup) else { continue }
                // A core woken after waiting resumes at the current time, as under the scheduler.
                if cpu.powerState == .halted { cpu.localTime = max(cpu.localTime, machine.clock.now) }
                anyRunning = true
                let before = cpu.instructionsRetired
                cpu.beginSlice()
                machine.clock.beginSlice(of: cpu, until: .never)
                let reason = cpu.run(budget: slice)
                machine.clock.endSlice()
                cpu.localTime = cpu.currentTime
                total += cpu.instructionsRetired - before
                switch reason {
                case .exit, .guestFault: return reason
                default: break
                }
            }
            // Advance time to the latest core (or to the next event when all wait).
            let now = cpus.map(\.localTime).max() ?? .zero
            if !anyRunning {
                let next = machine.clock.nextEventTime
                if next == .never { return .halted }
                for c in cpus { c.localTime = max(c.localTime, next) }
                machine.clock.advance(to: next)
            } else {
                machine.clock.advance(to: now)
            }
        }
        return .budgetExhausted
    }
}
