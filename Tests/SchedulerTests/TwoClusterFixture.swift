import ChimeraCore
import ChimeraDevices
import ChimeraScheduler
import ChimeraTestSupport

/// A two-cluster machine of toy cores that play ping-pong through the
/// mailbox and shared RAM, each printing on its own PL011.
enum TwoClusterFixture {
    static let uartBase: UInt64 = 0x0900_0000
    static let mailboxBase: UInt64 = 0x0A00_0000
    static let rounds: Int64 = 40

    static func registry() -> TypeRegistry {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        registry.registerBuiltin(ToyCPU.type)
        return registry
    }

    /// Builds and realizes the machine; `quantum` as text (e.g. "10us").
    static func makeMachine(quantum: String = "10us", useInterrupts: Bool = true) throws -> Machine {
        let m = try Machine(registry: registry())
        try m.setProperty("quantum", parsing: quantum)
        let mailbox = try m.addChild("mailbox", type: "mailbox")
        try mailbox.setProperty("latency", "2us")
        try m.addChild("shared", type: "ram").setProperty("size", "64K")
        for (name, sharedAt) in [("a", UInt64(0x8000_0000)), ("b", UInt64(0x2_0000_0000))] {
            let cluster = try m.addChild(name, type: "cluster", as: Cluster.self)
            try cluster.addChild("cpu[0]", type: "toy-cpu")
            let ram = try cluster.addChild("ram", type: "ram")
            try ram.setProperty("size", "1M")
            let uart = try cluster.addChild("uart", type: "pl011")
            try uart.setProperty("output", "buffer")
            try cluster.map(RegionMapping(objectPath: ram.path, region: "mem", address: 0))
            try cluster.map(RegionMapping(objectPath: uart.path, region: "mmio", address: uartBase))
            try cluster.map(RegionMapping(objectPath: "/machine/shared", region: "mem", address: sharedAt))
            try cluster.map(RegionMapping(objectPath: "/machine/mailbox", region: name == "a" ? "port[0]" : "port[1]",
                                          address: mailboxBase))
        }
        if useInterrupts {
            try m.connect("mailbox.irq[0]", to: "a/cpu[0].irq")
            try m.connect("mailbox.irq[1]", to: "b/cpu[0].irq")
        }
        try m.realizeMachine()
        let a = try m.resolve("/machine/a") as! Cluster, b = try m.resolve("/machine/b") as! Cluster
        a.memory.writeBytes(0, pinger(sharedAt: 0x8000_0000, useInterrupts: useInterrupts))
        b.memory.writeBytes(0, ponger(sharedAt: 0x2_0000_0000, useInterrupts: useInterrupts))
        return m
    }

    /// r1 = UART, r2 = mailbox, r3 = shared RAM; waits for a word in r5.
    private static func prologue(_ asm: inout ToyAssembler, sharedAt: UInt64, useInterrupts: Bool) {
        asm.emit(.li, 1, 0, Int64(uartBase))
        asm.emit(.li, 2, 0, Int64(mailboxBase))
        asm.emit(.li, 3, 0, 0)
        asm.emit(.li, 4, 0, Int64(sharedAt >> 16))
        for _ in 0..<16 { asm.emit(.add, 3, 3) }       // r3 = 0
        asm.emit(.mov, 3, 4)
        for _ in 0..<16 { asm.emit(.add, 3, 3) }       // r3 = sharedAt (shifted back)
        if useInterrupts {
            asm.emit(.li, 6, 0, 1)
            asm.emit(.store, 6, 2, 0x10)               // IRQ_ENABLE = RX level
        }
    }

    private static func waitForWord(_ asm: inout ToyAssembler, _ tag: String, useInterrupts: Bool) {
        asm.label("wait\(tag)")
        asm.emit(.load, 6, 2, 0x0C)                    // STATUS
        asm.emit(.andi, 6, 0, 1)
        asm.emit(.bnz, 6, 0, target: "got\(tag)")
        if useInterrupts { asm.emit(.wfi) }
        asm.emit(.jmp, target: "wait\(tag)")
        asm.label("got\(tag)")
        asm.emit(.load, 5, 2, 0x08)                    // RXDATA
    }

    static func pinger(sharedAt: UInt64, useInterrupts: Bool) -> [UInt8] {
        var asm = ToyAssembler()
        prologue(&asm, sharedAt: sharedAt, useInterrupts: useInterrupts)
        asm.emit(.li, 7, 0, 1)                         // i = 1
        asm.label("loop")
        asm.emit(.mov, 8, 7)
        asm.emit(.add, 8, 7); asm.emit(.add, 8, 7)     // r8 = 3i
        asm.emit(.store, 8, 3, 0)                      // shared[0] = 3i
        asm.emit(.store, 7, 2, 0x00)                   // send i
        waitForWord(&asm, "r", useInterrupts: useInterrupts)
        asm.emit(.andi, 5, 0, 15)
        asm.emit(.addi, 5, 0, 0x61)                    // 'a' + reply % 16
        asm.emit(.store, 5, 1, 0)                      // UART
        asm.emit(.addi, 7, 0, 1)
        asm.emit(.mov, 9, 7)
        asm.emit(.cmpeq, 9, 0, rounds + 1)
        asm.emit(.bz, 9, 0, target: "loop")
        asm.emit(.li, 5, 0, 0x0A)
        asm.emit(.store, 5, 1, 0)
        asm.emit(.li, 0, 0, 0)
        asm.emit(.store, 0, 2, 0x00)                   // tell the ponger to stop
        asm.emit(.exit, 0)
        return asm.assemble()
    }

    static func ponger(sharedAt: UInt64, useInterrupts: Bool) -> [UInt8] {
        var asm = ToyAssembler()
        prologue(&asm, sharedAt: sharedAt, useInterrupts: useInterrupts)
        asm.label("loop")
        waitForWord(&asm, "p", useInterrupts: useInterrupts)
        asm.emit(.bz, 5, 0, target: "done")
        asm.emit(.load, 8, 3, 0)                       // shared[0]
        asm.emit(.mov, 9, 5)
        asm.emit(.andi, 9, 0, 7)
        asm.emit(.addi, 9, 0, 0x30)                    // '0' + i % 8
        asm.emit(.store, 9, 1, 0)
        asm.emit(.add, 8, 5)                           // reply = 3i + i
        asm.emit(.store, 8, 2, 0x00)
        asm.emit(.jmp, target: "loop")
        asm.label("done")
        asm.emit(.wfi)
        asm.emit(.jmp, target: "done")
        return asm.assemble()
    }

    /// Runs to exit and returns (merged output, per-UART outputs, hash).
    static func run(quantum: String = "10us", useInterrupts: Bool = true) throws -> (String, String, String, String, RunResult) {
        let m = try makeMachine(quantum: quantum, useInterrupts: useInterrupts)
        let sim = try Simulation(machine: m)
        let result = sim.run(RunLimits(deadline: .seconds(1)))
        return (m.serial.text, m.serial.text(of: "/machine/a/uart"), m.serial.text(of: "/machine/b/uart"), result.traceHash, result)
    }
}
