import ChimeraCore

/// The local APIC of one x86 core (SDM Vol. 3A, chapter 10): ID, TPR/PPR,
/// EOI, SVR, ISR/IRR/TMR, the LVT timer (one-shot and periodic, counting
/// core cycles through the machine clock) and the ICR for fixed, NMI,
/// INIT and startup IPIs between the cores of a cluster.
///
/// Each core reaches its own APIC at the xAPIC base (0xFEE00000) from its
/// memory slow path (`X86CPU.isAPICPage`), so no shared MMIO region is
/// needed; x2APIC mode uses MSRs 0x800–0x8FF.
public final class LocalAPIC: SimObject {
    /// A register of the xAPIC page (declared as data for `describe` and reports).
    public struct Register: Sendable {
        public var offset: UInt64
        public var name: String
        public var access: String
        public var reset: UInt32
    }

    public static let registers: [Register] = [
        Register(offset: 0x20, name: "ID", access: "rw", reset: 0),
        Register(offset: 0x30, name: "VERSION", access: "ro", reset: 0x0005_0014),
        Register(offset: 0x80, name: "TPR", access: "rw", reset: 0),
        Register(offset: 0x90, name: "APR", access: "ro", reset: 0),
        Register(offset: 0xA0, name: "PPR", access: "ro", reset: 0),
        Register(offset: 0xB0, name: "EOI", access: "wo", reset: 0),
        Register(offset: 0xD0, name: "LDR", access: "rw", reset: 0),
        Register(offset: 0xE0, name: "DFR", access: "rw", reset: 0xFFFF_FFFF),
        Register(offset: 0xF0, name: "SVR", access: "rw", reset: 0xFF),
        Register(offset: 0x100, name: "ISR[0-7]", access: "ro", reset: 0),
        Register(offset: 0x180, name: "TMR[0-7]", access: "ro", reset: 0),
        Register(offset: 0x200, name: "IRR[0-7]", access: "ro", reset: 0),
        Register(offset: 0x280, name: "ESR", access: "rw", reset: 0),
        Register(offset: 0x300, name: "ICR_LOW", access: "rw", reset: 0),
        Register(offset: 0x310, name: "ICR_HIGH", access: "rw", reset: 0),
        Register(offset: 0x320, name: "LVT_TIMER", access: "rw", reset: 0x1_0000),
        Register(offset: 0x330, name: "LVT_THERMAL", access: "rw", reset: 0x1_0000),
        Register(offset: 0x340, name: "LVT_PERF", access: "rw", reset: 0x1_0000),
        Register(offset: 0x350, name: "LVT_LINT0", access: "rw", reset: 0x1_0000),
        Register(offset: 0x360, name: "LVT_LINT1", access: "rw", reset: 0x1_0000),
        Register(offset: 0x370, name: "LVT_ERROR", access: "rw", reset: 0x1_0000),
        Register(offset: 0x380, name: "TIMER_INITIAL", access: "rw", reset: 0),
        Register(offset: 0x390, name: "TIMER_CURRENT", access: "ro", reset: 0),
        Register(offset: 0x3E0, name: "TIMER_DIVIDE", access: "rw", reset: 0),
    ]

    static let type = ObjectType(
        "x86-local-apic", parent: "device", userCreatable: false,
        summary: "Local APIC of an x86 core: TPR, EOI, LVT timer on virtual time, IPIs (INIT/SIPI/fixed/NMI)",
        instanceClass: LocalAPIC.self)

    /// The owning core (set when the core realizes).
    weak var cpu: X86CPU?
    public private(set) var id: UInt32 = 0
    var taskPriority: UInt32 = 0
    var logicalDestination: UInt32 = 0
    var destinationFormat: UInt32 = 0xFFFF_FFFF
    var spurious: UInt32 = 0xFF
    var errorStatus: UInt32 = 0
    var icrLow: UInt32 = 0, icrHigh: UInt32 = 0
    var lvt = [UInt32](repeating: 0x1_0000, count: 6)  // timer, thermal, perf, lint0, lint1, error
    var timerInitial: UInt32 = 0
    var timerDivide: UInt32 = 0
    var timerStart: VirtualTime = .zero
    var timerEvent: EventHandle?
    var isr = [UInt32](repeating: 0, count: 8)
    var irr = [UInt32](repeating: 0, count: 8)
    var tmr = [UInt32](repeating: 0, count: 8)
    var nmiInService = false
    /// Registers touched that are not modelled, by name, for reports.
    public private(set) var unmodelledAccesses: [String] = []

    func resetAPIC() {
        if let c = cpu {
            let configured = c.uintProperty("apic-id")
            if configured != 0xFFFF_FFFF { id = UInt32(configured) }
            else { id = UInt32(c.cluster?.cpus.filter { $0 is X86CPU }.firstIndex { $0 === c } ?? 0) }
        }
        taskPriority = 0; logicalDestination = 0; destinationFormat = 0xFFFF_FFFF; spurious = 0xFF
        errorStatus = 0; icrLow = 0; icrHigh = 0
        lvt = [UInt32](repeating: 0x1_0000, count: 6)
        timerInitial = 0; timerDivide = 0
        if let e = timerEvent { clock?.cancel(e) }
        timerEvent = nil
        isr = [UInt32](repeating: 0, count: 8)
        irr = [UInt32](repeating: 0, count: 8)
        tmr = [UInt32](repeating: 0, count: 8)
        nmiInService = false
    }

    var clock: Clock? { (root as? Machine)?.clock }
    var enabled: Bool { spurious & 0x100 != 0 }

    // MARK: Interrupt acceptance

    /// Accepts a fixed interrupt (from the timer, an IPI or the IOAPIC).
    public func accept(vector: UInt8, level: Bool = false) {
        guard vector >= 16 else { errorStatus |= 1 << 6; return }
        irr[Int(vector >> 5)] |= 1 << (UInt32(vector) & 31)
        if level { tmr[Int(vector >> 5)] |= 1 << (UInt32(vector) & 31) }
        cpu?.interruptStateChanged()
    }

    private func highest(_ bits: [UInt32]) -> Int? {
        for w in stride(from: 7, through: 0, by: -1) where bits[w] != 0 {
            return w * 32 + 31 - bits[w].leadingZeroBitCount
        }
        return nil
    }

    /// Processor priority (SDM §10.8.3.1).
    var processorPriority: UInt32 {
        let isrv = UInt32(highest(isr) ?? 0)
        return (taskPriority >> 4) >= (isrv >> 4) ? taskPriority : isrv & 0xF0
    }

    /// The vector the core would take now, if any.
    func highestDeliverable() -> UInt8? {
        guard let v = highest(irr) else { return nil }
        return UInt32(v) >> 4 > processorPriority >> 4 ? UInt8(v) : nil
    }

    /// INTA: moves the highest deliverable vector from IRR to ISR.
    func acknowledge() -> UInt8? {
        guard let v = highestDeliverable() else { return nil }
        irr[Int(v >> 5)] &= ~(1 << (UInt32(v) & 31))
        isr[Int(v >> 5)] |= 1 << (UInt32(v) & 31)
        return v
    }

    func endOfInterrupt() {
        guard let v = highest(isr) else { return }
        isr[v >> 5] &= ~(1 << (UInt32(v) & 31))
        tmr[v >> 5] &= ~(1 << (UInt32(v) & 31))
        cpu?.interruptStateChanged()
    }

    // MARK: Register file

    /// Reads a register by xAPIC offset.
    func readRegister(_ offset: UInt64) -> UInt32 {
        switch offset {
        case 0x20: return ((cpu?.apicBaseMSR ?? 0) & (1 << 10)) != 0 ? id : id << 24
        case 0x30: return 0x0005_0014
        case 0x80: return taskPriority
        case 0x90: return 0
        case 0xA0: return processorPriority
        case 0xB0: return 0
        case 0xD0: return logicalDestination
        case 0xE0: return destinationFormat
        case 0xF0: return spurious
        case 0x100..<0x180: return isr[Int((offset - 0x100) >> 4)]
        case 0x180..<0x200: return tmr[Int((offset - 0x180) >> 4)]
        case 0x200..<0x280: return irr[Int((offset - 0x200) >> 4)]
        case 0x280: return errorStatus
        case 0x300: return icrLow & ~(1 << 12)
        case 0x310: return icrHigh
        case 0x320...0x370 where offset & 0xF == 0: return lvt[Int((offset - 0x320) >> 4)]
        case 0x380: return timerInitial
        case 0x390: return currentCount()
        case 0x3E0: return timerDivide
        default:
            note("read of unmodelled APIC register 0x\(String(offset, radix: 16))")
            return 0
        }
    }

    /// Writes a register by xAPIC offset.
    func writeRegister(_ offset: UInt64, _ value: UInt32) {
        switch offset {
        case 0x20: id = value >> 24
        case 0x80: taskPriority = value & 0xFF; cpu?.interruptStateChanged()
        case 0xB0: endOfInterrupt()
        case 0xD0: logicalDestination = value & 0xFF00_0000
        case 0xE0: destinationFormat = value | 0x0FFF_FFFF
        case 0xF0: spurious = value & 0x13FF; cpu?.interruptStateChanged()
        case 0x280: errorStatus = 0
        case 0x300: icrLow = value & ~(1 << 12); sendIPI()
        case 0x310: icrHigh = value
        case 0x320...0x370 where offset & 0xF == 0:
            lvt[Int((offset - 0x320) >> 4)] = value
            if offset == 0x320 { restartTimer(keepStart: true) }
        case 0x380: timerInitial = value; restartTimer(keepStart: false)
        case 0x3E0: timerDivide = value & 0xB
        default:
            note("write of unmodelled APIC register 0x\(String(offset, radix: 16)) = 0x\(String(value, radix: 16))")
        }
    }

    private func note(_ s: String) {
        if unmodelledAccesses.count < 64 { unmodelledAccesses.append(s) }
    }

    func mmioRead(offset: UInt64, size: Int) -> UInt64 {
        UInt64(readRegister(offset & 0xFF0)) >> (8 * (offset & 3))
    }

    func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
        writeRegister(offset & 0xFF0, UInt32(truncatingIfNeeded: value))
    }

    /// x2APIC MSR read (SDM §10.12.1.2): MSR 0x800 + offset/16; ICR is 64-bit.
    func x2apicRead(_ msr: UInt32) -> UInt64? {
        let offset = UInt64(msr - 0x800) << 4
        if offset == 0x300 { return UInt64(icrLow) | UInt64(icrHigh) << 32 }
        if offset == 0x20 { return UInt64(id) }
        if offset == 0xB0 || offset == 0x310 { return nil }
        return UInt64(readRegister(offset))
    }

    func x2apicWrite(_ msr: UInt32, _ v: UInt64) -> Bool {
        let offset = UInt64(msr - 0x800) << 4
        switch offset {
        case 0x300:
            icrHigh = UInt32(truncatingIfNeeded: v >> 32)
            icrLow = UInt32(truncatingIfNeeded: v)
            sendIPI(x2apic: true)
        case 0x3F0:  // SELF IPI
            accept(vector: UInt8(truncatingIfNeeded: v))
        case 0x20, 0x30, 0x90, 0xA0, 0x310: return false
        default: writeRegister(offset, UInt32(truncatingIfNeeded: v))
        }
        return true
    }

    // MARK: Timer

    var divisor: UInt64 {
        let v = ((timerDivide & 8) >> 1) | (timerDivide & 3)
        return v == 7 ? 1 : 2 << UInt64(v)
    }

    /// Cycles elapsed on this core's clock since the timer was started.
    private func elapsedTicks() -> UInt64 {
        guard let c = cpu, let clock else { return 0 }
        let now = clock.now
        guard now > timerStart else { return 0 }
        return c.cycles(in: now - timerStart) / divisor
    }

    func currentCount() -> UInt32 {
        guard timerInitial != 0 else { return 0 }
        let ticks = elapsedTicks()
        let initial = UInt64(timerInitial)
        if lvt[0] & (1 << 17) != 0 { return UInt32(initial - ticks % initial) }
        return ticks >= initial ? 0 : UInt32(initial - ticks)
    }

    private func restartTimer(keepStart: Bool) {
        guard let clock, let c = cpu else { return }
        if let e = timerEvent { clock.cancel(e) }
        timerEvent = nil
        if !keepStart { timerStart = clock.now }
        guard timerInitial != 0 else { return }
        let periodic = lvt[0] & (1 << 17) != 0
        var ticks = UInt64(timerInitial)
        if keepStart {
            let done = elapsedTicks()
            if periodic { ticks = UInt64(timerInitial) - done % UInt64(timerInitial) }
            else if done >= ticks { return } else { ticks -= done }
        }
        let at = clock.now + c.duration(ofCycles: ticks * divisor)
        timerEvent = clock.schedule(at: at, "\(path) timer") { [weak self] in self?.timerFired(at: at) }
    }

    private func timerFired(at time: VirtualTime) {
        timerEvent = nil
        let entry = lvt[0]
        if entry & (1 << 16) == 0 { accept(vector: UInt8(entry & 0xFF)) }
        if entry & (1 << 17) != 0, timerInitial != 0, let clock, let c = cpu {
            timerStart = time
            let next = time + c.duration(ofCycles: UInt64(timerInitial) * divisor)
            timerEvent = clock.schedule(at: next, "\(path) timer") { [weak self] in self?.timerFired(at: next) }
        }
    }

    // MARK: IPIs (SDM §10.6)

    private func sendIPI(x2apic: Bool = false) {
        guard let c = cpu, let cluster = c.cluster else { return }
        let vector = UInt8(icrLow & 0xFF)
        let mode = (icrLow >> 8) & 7
        let logical = icrLow & (1 << 11) != 0
        let assert = icrLow & (1 << 14) != 0
        let trigger = icrLow & (1 << 15) != 0
        let shorthand = (icrLow >> 18) & 3
        let destination = x2apic ? icrHigh : icrHigh >> 24
        let broadcast: UInt32 = x2apic ? 0xFFFF_FFFF : 0xFF
        let cores = cluster.cpus.compactMap { $0 as? X86CPU }
        for target in cores {
            let t = target.apic!
            let selected: Bool
            switch shorthand {
            case 1: selected = target === c
            case 2: selected = true
            case 3: selected = target !== c
            default:
                if logical { selected = (t.logicalDestination >> 24) & destination != 0 }
                else { selected = destination == broadcast || t.id == destination }
            }
            guard selected else { continue }
            LocalAPIC.deliver(to: target, mode: mode, vector: vector, assert: assert, levelTriggered: trigger)
        }
    }

    /// Delivers an interrupt message to `target` (the APIC bus of the cluster).
    static func deliver(to target: X86CPU, mode: UInt32, vector: UInt8, assert: Bool = true, levelTriggered: Bool = false) {
        switch mode {
        case 0, 1: target.apic.accept(vector: vector, level: levelTriggered)  // fixed, lowest priority
        case 4: target.nmiPending = true; target.interruptStateChanged()
        case 5:
            // INIT level de-assert only synchronises arbitration IDs.
            if assert || !levelTriggered {
                if target.powerState == .off { target.sipiVector = -1 }
                else { target.initPending = true; target.interruptStateChanged() }
            }
        case 6:
            if target.powerState == .off {
                target.sipiVector = Int(vector)
                target.startFromSIPI()
            }
        default: break
        }
    }
}
