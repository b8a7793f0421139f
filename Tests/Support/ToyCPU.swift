import ChimeraCore

/// A deliberately tiny core for scheduler and device tests: 16 registers,
/// 8-byte instructions, word loads/stores through the cluster's address
/// space, WFI that waits for the `irq` pin, and an exit instruction. It
/// obeys the same `CPU` contract as the real cores.
public final class ToyCPU: CPUDevice {
    /// Operation codes (first byte of each instruction).
    public enum Op: UInt8 {
        case exit = 0, li, add, addi, load, store, bnz, bz, wfi, sub, jmp, mov, andi, cmpeq
    }

    public var registers = [UInt64](repeating: 0, count: 16)
    public var pc: UInt64 = 0
    private var retired: UInt64 = 0
    private var irqLevel = false

    public static let type = ObjectType(
        "toy-cpu", parent: "cpu", summary: "Tiny test core (8-byte instructions, 16 registers)",
        pins: [PinDescriptor("irq", .input, doc: "Wakes the core from WFI while high")],
        instanceClass: ToyCPU.self)

    override public var architecture: Architecture { .aarch64 }
    override public func resetCPU() {
        registers = [UInt64](repeating: 0, count: 16)
        pc = uintProperty("reset-pc")
    }
    override public var instructionsRetired: UInt64 { retired }
    override public var programCounter: UInt64 {
        get { pc }
        set { pc = newValue }
    }
    override public var registerNames: [String] { (0..<16).map { "r\($0)" } + ["pc"] }
    override public func readRegister(_ name: String) -> UInt64? {
        if name == "pc" { return pc }
        guard name.hasPrefix("r"), let i = Int(name.dropFirst()), i < 16 else { return nil }
        return registers[i]
    }
    override public func writeRegister(_ name: String, _ value: UInt64) -> Bool {
        if name == "pc" { pc = value; return true }
        guard name.hasPrefix("r"), let i = Int(name.dropFirst()), i < 16 else { return false }
        registers[i] = value
        return true
    }
    override public var hasPendingWakeup: Bool { irqLevel }
    override public func inputChanged(group: String, index: Int, level: Bool) { irqLevel = level }
    override public func disassemble(at address: UInt64) -> String {
        guard let word = cluster?.memory.read(address, size: 8) else { return "<unmapped>" }
        let op = Op(rawValue: UInt8(word & 0xFF)).map { "\($0)" } ?? "illegal"
        return "\(op) r\((word >> 8) & 0xF), r\((word >> 16) & 0xF), \(Int32(truncatingIfNeeded: word >> 32))"
    }

    override public func debugTranslate(_ address: UInt64) -> UInt64? { address }
    override public func breakpointsChanged() {}   // checked per instruction below

    override public func run(budget: UInt64) -> StopReason {
        guard let memory = cluster?.memory else { return .poweredOff }
        var remaining = budget
        while remaining > 0 {
            if stopFlag.pointee != 0 && remaining != budget { return .budgetExhausted }
            if !breakpoints.isEmpty && breakpointStops(at: pc) { return .breakpoint(pc: pc) }
            guard let word = memory.read(pc, size: 8), let op = Op(rawValue: UInt8(word & 0xFF)) else {
                return .guestFault(GuestFault(cpuPath: path, pc: pc, instructionBytes: [], reason: "illegal instruction"))
            }
            let rd = Int((word >> 8) & 0xF), rs = Int((word >> 16) & 0xF)
            let imm = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: word >> 32)))
            var next = pc &+ 8
            retired &+= 1
            remaining -= 1
            switch op {
            case .exit: return .exit(code: Int32(truncatingIfNeeded: registers[rd]))
            case .li: registers[rd] = imm
            case .add: registers[rd] &+= registers[rs]
            case .sub: registers[rd] &-= registers[rs]
            case .addi: registers[rd] &+= imm
            case .andi: registers[rd] &= imm
            case .mov: registers[rd] = registers[rs]
            case .cmpeq: registers[rd] = registers[rd] == imm ? 1 : 0
            case .load:
                guard let v = memory.read(registers[rs] &+ imm, size: 4) else {
                    return .guestFault(GuestFault(cpuPath: path, pc: pc, instructionBytes: [], reason: "load from unmapped address"))
                }
                registers[rd] = v
            case .store:
                guard memory.write(registers[rs] &+ imm, size: 4, value: registers[rd]) else {
                    return .guestFault(GuestFault(cpuPath: path, pc: pc, instructionBytes: [], reason: "store to unmapped address"))
                }
            case .bnz: if registers[rd] != 0 { next = pc &+ imm &* 8 }
            case .bz: if registers[rd] == 0 { next = pc &+ imm &* 8 }
            case .jmp: next = pc &+ imm &* 8
            case .wfi:
                pc = next
                if !irqLevel { return .halted }
                continue
            }
            pc = next
        }
        return .budgetExhausted
    }
}

/// Builds `ToyCPU` programs with labels.
public struct ToyAssembler {
    private var words: [(op: ToyCPU.Op, rd: Int, rs: Int, imm: Int64, label: String?)] = []
    private var labels: [String: Int] = [:]

    public init() {}

    /// Defines `name` at the current position.
    public mutating func label(_ name: String) { labels[name] = words.count }

    /// Emits an instruction; `target` makes `imm` the distance to a label.
    public mutating func emit(_ op: ToyCPU.Op, _ rd: Int = 0, _ rs: Int = 0, _ imm: Int64 = 0, target: String? = nil) {
        words.append((op, rd, rs, imm, target))
    }

    /// The program's bytes.
    public func assemble() -> [UInt8] {
        var out: [UInt8] = []
        for (i, w) in words.enumerated() {
            var imm = w.imm
            if let l = w.label, let at = labels[l] { imm = Int64(at - i) }
            let word = UInt64(w.op.rawValue) | UInt64(w.rd) << 8 | UInt64(w.rs) << 16 | UInt64(UInt32(truncatingIfNeeded: imm)) << 32
            for b in 0..<8 { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(b)))) }
        }
        return out
    }
}
