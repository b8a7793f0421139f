import ChimeraCore
import ChimeraDevices
import ChimeraTestSupport
import ChimeraX86

/// A COM1 stand-in for tests: collects transmitted bytes, always ready (LSR.THRE).
final class SerialStub: MMIOHandler {
    var bytes: [UInt8] = []
    var text: String { String(decoding: bytes, as: UTF8.self) }
    func mmioRead(offset: UInt64, size: Int) -> UInt64 { offset == 5 ? 0x60 : 0 }
    func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        if offset == 0 { bytes.append(UInt8(truncatingIfNeeded: value)) }
    }
}

/// A one-cluster x86 machine: RAM at 0, COM1 stub, debug-exit at 0xF4,
/// IOAPIC at 0xFEC00000, `cores` x86 cores (all but the first start powered off).
final class X86TestMachine {
    let machine: Machine
    let cluster: Cluster
    let cpus: [X86CPU]
    let serial = SerialStub()

    init(cores: Int = 1, ramSize: String = "512M", pageTableBase: UInt64? = nil) throws {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        X86.register(into: &registry)
        machine = try Machine(registry: registry)
        cluster = try machine.addChild("x86", type: "cluster", as: Cluster.self)
        let ram = try machine.addChild("ram", type: "ram")
        try ram.setProperty("size", parsing: ramSize)
        try cluster.map(RegionMapping(objectPath: "/machine/ram", region: "mem", address: 0))
        _ = try cluster.addChild("debug-exit", type: "isa-debug-exit")
        try cluster.map(RegionMapping(space: "io", objectPath: "/machine/x86/debug-exit", region: "io", address: 0xF4))
        _ = try cluster.addChild("ioapic", type: "ioapic")
        try cluster.map(RegionMapping(objectPath: "/machine/x86/ioapic", region: "mmio", address: 0xFEC0_0000))
        var list: [X86CPU] = []
        for n in 0..<cores {
            let cpu = try cluster.addChild("cpu[\(n)]", type: "x86_64-cpu", as: X86CPU.self)
            if n > 0 { try cpu.setProperty("start-powered-off", .bool(true)) }
            if let base = pageTableBase { try cpu.setProperty("page-table-base", .uint(base)) }
            list.append(cpu)
        }
        cpus = list
        try machine.realizeMachine()
        try cluster.io.map(MemoryRegion(name: "com1", size: 8, kind: .mmio(serial, .any), owner: "/test"), at: 0x3F8)
    }

    /// Loads an ELF and points the first core (or `core`) at its entry.
    @discardableResult
    func load(_ path: String, core: Int = 0) throws -> ELFImage {
        let image = try ELFImage(path: path)
        try image.load(into: cluster.memory)
        cpus[core].programCounter = image.entry
        return image
    }

    /// A minimal serial scheduler for tests: quanta of `quantum` instructions
    /// per core, the clock advanced between them; halted cores skip to the next event.
    func run(maxInstructions: UInt64 = 50_000_000, quantum: UInt64 = 10_000) -> StopReason {
        let clock = machine.clock
        var total: UInt64 = 0
        while total < maxInstructions {
            var anyRan = false
            var sliceEnd = VirtualTime.never
            for cpu in cpus {
                guard cpu.powerState == .running || (cpu.powerState == .halted && cpu.hasPendingWakeup) else { continue }
                let before = cpu.instructionsRetired
                cpu.beginSlice()
                clock.beginSlice(of: cpu, until: cpu.localTime + cpu.duration(ofCycles: quantum))
                let reason = cpu.run(budget: quantum)
                clock.endSlice()
                cpu.localTime = cpu.currentTime
                total += cpu.instructionsRetired - before
                anyRan = true
                sliceEnd = min(sliceEnd, cpu.localTime)
                switch reason {
                case .exit, .guestFault, .breakpoint: return reason
                default: break
                }
            }
            if anyRan {
                let now = cpus.filter { $0.powerState == .running }.map(\.localTime).min() ?? sliceEnd
                clock.advance(to: min(now, sliceEnd))
            } else {
                // Everyone waits: jump to the next event.
                let next = clock.nextEventTime
                if next == .never { return .halted }
                clock.advance(to: next)
                for cpu in cpus where cpu.localTime < next { cpu.localTime = next }
            }
        }
        return .budgetExhausted
    }
}
