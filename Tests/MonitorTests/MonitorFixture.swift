import ChimeraCore
import ChimeraDevices
import ChimeraTestSupport

/// Two clusters of toy cores, built in code: the machine the
/// documentation transcripts and the socket tests talk to.
///
///     /machine/a  cpu[0] (toy-cpu), ram (64K at 0), uart (pl011 at 0x9000000)
///     /machine/b  cpu[0] (toy-cpu), ram (64K at 0)
enum MonitorFixture {
    static let uartBase: UInt64 = 0x0900_0000

    static func registry() -> TypeRegistry {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        registry.registerBuiltin(ToyCPU.type)
        registry.registerBuiltin(RecordingLoader.type)
        return registry
    }

    /// The machine, unrealized (for preconfig) or realized with programs loaded.
    static func makeMachine(realized: Bool = true, programA: [UInt8] = spin(), programB: [UInt8] = idle()) throws -> Machine {
        let m = try Machine(registry: registry())
        for name in ["a", "b"] {
            let cluster = try m.addChild(name, type: "cluster", as: Cluster.self)
            try cluster.addChild("cpu[0]", type: "toy-cpu")
            let ram = try cluster.addChild("ram", type: "ram")
            try ram.setProperty("size", "64K")
            try cluster.map(RegionMapping(objectPath: ram.path, region: "mem", address: 0))
            if name == "a" {
                let uart = try cluster.addChild("uart", type: "pl011")
                try uart.setProperty("output", "buffer")
                try cluster.map(RegionMapping(objectPath: uart.path, region: "mmio", address: uartBase))
            }
        }
        if realized {
            try m.realizeMachine()
            load(m, programA: programA, programB: programB)
        }
        return m
    }

    /// Writes the programs at address 0 of each cluster (after realize).
    static func load(_ m: Machine, programA: [UInt8] = spin(), programB: [UInt8] = idle()) {
        for (name, program) in [("a", programA), ("b", programB)] {
            if let cluster = try? m.resolve("/machine/\(name)") as? Cluster { cluster.memory.writeBytes(0, program) }
        }
    }

    /// Counts in r1 forever.
    static func spin() -> [UInt8] {
        var asm = ToyAssembler()
        asm.emit(.li, 1, 0, 0)
        asm.label("loop")
        asm.emit(.addi, 1, 0, 1)
        asm.emit(.jmp, target: "loop")
        return asm.assemble()
    }

    /// Waits for an interrupt forever.
    static func idle() -> [UInt8] {
        var asm = ToyAssembler()
        asm.label("loop")
        asm.emit(.wfi)
        asm.emit(.jmp, target: "loop")
        return asm.assemble()
    }

    /// Counts `iterations` down, prints "ok\n" on the UART and exits with `code`.
    static func countdown(_ iterations: Int64, exitCode code: Int64) -> [UInt8] {
        var asm = ToyAssembler()
        asm.emit(.li, 1, 0, iterations)
        asm.emit(.li, 3, 0, Int64(uartBase))
        asm.label("loop")
        asm.emit(.addi, 1, 0, -1)
        asm.emit(.bnz, 1, 0, target: "loop")
        for c in "ok\n".utf8 {
            asm.emit(.li, 4, 0, Int64(c))
            asm.emit(.store, 4, 3, 0)
        }
        asm.emit(.li, 2, 0, code)
        asm.emit(.exit, 2)
        return asm.assemble()
    }

    /// Jumps to an unmapped address: a guest fault.
    static func crash() -> [UInt8] {
        var asm = ToyAssembler()
        asm.emit(.li, 1, 0, 0x7000_0000)
        asm.emit(.load, 2, 1, 0)
        return asm.assemble()
    }
}

/// Stands in for ChimeraLoader's `loader` type so `load-kernel` can be
/// shown without an ELF file: it records the file and does nothing.
final class RecordingLoader: SimObject {
    static let type = ObjectType(
        "loader", parent: "object", summary: "Test double of the kernel loader: records the file name",
        properties: [PropertyDescriptor("file", .string, doc: "Kernel file"),
                     PropertyDescriptor("cpu", .link("cpu"), doc: "Core that runs the kernel")],
        instanceClass: RecordingLoader.self)
}
