import ChimeraCore

/// A synthetic core for measuring the scheduler alone: each "instruction"
/// is one step of a linear congruential generator kept in a register, so
/// the core costs about a nanosecond per instruction and any scheduler
/// overhead shows up undiluted.
final class SpinCPU: CPUDevice {
    private var retired: UInt64 = 0
    private var lcg: UInt64 = 1

    static let type = ObjectType(
        "bench-spin-cpu", parent: "cpu", summary: "Benchmark core: one LCG step per instruction",
        instanceClass: SpinCPU.self)

    /// Not a real instruction set: no ELF kernel can be loaded on it.
    static let architecture = Architecture("bench-spin", elfMachine: 0)

    override var architecture: Architecture { SpinCPU.architecture }
    override func resetCPU() { lcg = 1 }
    override var registerNames: [String] { ["lcg"] }
    override func readRegister(_ name: String) -> UInt64? { name == "lcg" ? lcg : nil }
    override func writeRegister(_ name: String, _ value: UInt64) -> Bool {
        guard name == "lcg" else { return false }
        lcg = value
        return true
    }
    override var hasPendingWakeup: Bool { false }
    override func disassemble(at address: UInt64) -> String { "lcg-step" }
    override func debugTranslate(_ address: UInt64) -> UInt64? { nil }
    override func breakpointsChanged() {}   // no addresses to break at
    override var instructionsRetired: UInt64 { retired }
    override var programCounter: UInt64 {
        get { lcg }
        set { lcg = newValue }
    }

    override func run(budget: UInt64) -> StopReason {
        var s = lcg
        var n: UInt64 = 0
        // Blocks of 64 "instructions", checking the stop flag per block like a real core.
        while n < budget {
            let block = min(64, budget - n)
            for _ in 0..<block { s = s &* 6364136223846793005 &+ 1442695040888963407 }
            n += block
            if stopFlag.pointee != 0 { break }
        }
        lcg = s
        retired &+= n
        return .budgetExhausted
    }
}
