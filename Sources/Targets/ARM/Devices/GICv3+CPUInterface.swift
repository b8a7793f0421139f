import ChimeraCore

/// The GICv3 CPU interfaces (IHI 0069, chapter 12): priority masking,
/// acknowledge and end of interrupt through `ICC_*_EL1`, SGI generation,
/// and the IRQ/FIQ lines to each core.
struct CPUInterfaceState {
    /// ICC_PMR_EL1 (only the implemented priority bits).
    var priorityMask: UInt8 = 0
    /// ICC_BPR0_EL1 and ICC_BPR1_EL1, at their minimums out of reset.
    var binaryPoint0 = GICv3.minimumBinaryPoint0
    var binaryPoint1 = GICv3.minimumBinaryPoint0 + 1
    /// ICC_CTLR_EL1.CBPR (bit 0) and EOImode (bit 1).
    var control: UInt64 = 0
    /// ICC_IGRPEN0_EL1 and ICC_IGRPEN1_EL1.
    var groupEnabled = [false, false]
    /// ICC_AP0R0_EL1 and ICC_AP1R0_EL1: one bit per active group priority
    /// (priority >> 3 with five priority bits).
    var activePriorities: [UInt32] = [0, 0]

    var eoiMode: Bool { control & 2 != 0 }
    var commonBinaryPoint: Bool { control & 1 != 0 }
}

/// One core's view of a GICv3: what its `ICC_*_EL1` MRS/MSR reach.
final class GICv3CPUInterface: GICSystemRegisterInterface {
    /// Weak: the core may outlive an unrealized GIC; ICC accesses are not on the hot path.
    weak var gic: GICv3?
    let cpu: Int
    init(_ gic: GICv3, cpu: Int) { self.gic = gic; self.cpu = cpu }
    func readGICRegister(_ key: SystemRegister) -> UInt64? { gic?.readICC(cpu, key) }
    func writeGICRegister(_ key: SystemRegister, _ value: UInt64) -> Bool { gic?.writeICC(cpu, key, value) ?? false }
}

extension GICv3 {
    /// With five priority bits the group priority is at most bits 7:3, so BPR0 ≥ 2 (and BPR1 ≥ 3).
    static let minimumBinaryPoint0: UInt64 = UInt64(7 - priorityBits)
    /// Special INTID: nothing to acknowledge.
    static let spurious = 1023

    /// The core an SPI goes to: its IROUTER affinity, or with IRM = 1 the
    /// lowest-numbered awake core with the interrupt's group enabled.
    func target(ofSPI id: Int) -> Int? {
        let route = routes[id - 32]
        if route & (1 << 31) != 0 {
            let g = group1[slot(0, id)] ? 1 : 0
            return (0..<cpuCount).first { !processorSleep[$0] && cpuInterface[$0].groupEnabled[g] }
        }
        let wanted = (route >> 8) & 0xFF00_0000 | route & 0xFF_FFFF
        return affinity.firstIndex(of: wanted)
    }

    /// Highest-priority pending, enabled, inactive interrupt of `cpu` whose
    /// group is enabled in the distributor and the CPU interface (lowest ID on ties), or 1023.
    func highestPending(_ cpu: Int) -> Int {
        var best = GICv3.spurious, bestPriority = 0x100
        let interface = cpuInterface[cpu]
        for id in 0..<irqCount {
            let s = slot(cpu, id)
            guard enabled[s], isPending(s), !active[s], Int(priority[s]) < bestPriority else { continue }
            let g = group1[s] ? 1 : 0
            guard groupEnabled[g], interface.groupEnabled[g], id < 32 || target(ofSPI: id) == cpu else { continue }
            best = id
            bestPriority = Int(priority[s])
        }
        return best
    }

    /// The bits of a priority that decide preemption for group `g` (ICC_BPR0/BPR1, CBPR).
    func groupPriority(_ p: UInt8, group g: Int, _ interface: CPUInterfaceState) -> Int {
        let point = g == 0 || interface.commonBinaryPoint ? interface.binaryPoint0 + 1 : interface.binaryPoint1
        return Int(p) & (0xFF << point) & 0xFF
    }

    /// ICC_RPR_EL1 as a comparable value: the highest active group priority, or 0x100 when idle.
    func runningPriority(_ cpu: Int) -> Int {
        let bits = cpuInterface[cpu].activePriorities[0] | cpuInterface[cpu].activePriorities[1]
        return bits == 0 ? 0x100 : bits.trailingZeroBitCount << (8 - GICv3.priorityBits)
    }

    /// The interrupt `cpu` would take now, with its group, if its priority beats PMR and the running priority.
    func signalled(_ cpu: Int) -> (id: Int, group: Int)? {
        guard !processorSleep[cpu] else { return nil }
        let id = highestPending(cpu)
        guard id != GICv3.spurious else { return nil }
        let s = slot(cpu, id), g = group1[s] ? 1 : 0, interface = cpuInterface[cpu]
        guard priority[s] < interface.priorityMask,
              groupPriority(priority[s], group: g, interface) < runningPriority(cpu) else { return nil }
        return (id, g)
    }

    /// Drives every core's IRQ (Group 1) and FIQ (Group 0) line from the current state.
    func update() {
        for cpu in 0..<cpuCount {
            let taken = signalled(cpu)
            irqLines[cpu]?.set(taken?.group == 1)
            fiqLines[cpu]?.set(taken?.group == 0)
        }
    }

    /// ICC_IAR0/IAR1: acknowledges the signalled interrupt of group `g`, or returns 1023.
    func acknowledge(_ cpu: Int, group g: Int) -> UInt64 {
        guard let taken = signalled(cpu), taken.group == g else { return UInt64(GICv3.spurious) }
        let s = slot(cpu, taken.id)
        latched[s] = false
        active[s] = true
        let bit = groupPriority(priority[s], group: g, cpuInterface[cpu]) >> (8 - GICv3.priorityBits)
        cpuInterface[cpu].activePriorities[g] |= 1 << UInt32(bit)
        return UInt64(taken.id)
    }

    /// ICC_EOIR0/EOIR1: drops the highest active priority of group `g`; with EOImode 0 also deactivates `id`.
    func endOfInterrupt(_ cpu: Int, group g: Int, _ id: Int) {
        guard id < GICv3.spurious - 3 else { return }    // 1020–1023 are special
        let bits = cpuInterface[cpu].activePriorities[g]
        cpuInterface[cpu].activePriorities[g] = bits & (bits &- 1)
        if !cpuInterface[cpu].eoiMode { deactivate(cpu, id) }
    }

    func deactivate(_ cpu: Int, _ id: Int) {
        guard id < irqCount else { return }
        active[slot(cpu, id)] = false
    }

    /// ICC_SGI0R/SGI1R/ASGI1R: pends SGI INTID at the targets where it is configured in `group`.
    func generateSGI(from cpu: Int, _ v: UInt64, group: Int) {
        let id = Int((v >> 24) & 0xF)
        let upper = ((v >> 48) & 0xFF) << 24 | ((v >> 32) & 0xFF) << 16 | ((v >> 16) & 0xFF) << 8
        let rangeBase = ((v >> 44) & 0xF) * 16
        for target in 0..<cpuCount {
            if v & (1 << 40) != 0 {
                guard target != cpu else { continue }
            } else {
                let a = affinity[target], aff0 = a & 0xFF
                guard a & ~0xFF == upper, aff0 >= rangeBase, aff0 < rangeBase + 16,
                      (v >> (aff0 - rangeBase)) & 1 == 1 else { continue }
            }
            let s = slot(target, id)
            if (group1[s] ? 1 : 0) == group { latched[s] = true }
        }
    }

    func readICC(_ cpu: Int, _ key: SystemRegister) -> UInt64? {
        defer { if key == .iccIAR0EL1 || key == .iccIAR1EL1 { update() } }
        let interface = cpuInterface[cpu]
        switch key {
        case .iccPMREL1: return UInt64(interface.priorityMask)
        case .iccIAR0EL1: return acknowledge(cpu, group: 0)
        case .iccIAR1EL1: return acknowledge(cpu, group: 1)
        case .iccHPPIR0EL1, .iccHPPIR1EL1:
            let id = highestPending(cpu)
            let wanted = key == .iccHPPIR1EL1
            return id != GICv3.spurious && group1[slot(cpu, id)] == wanted ? UInt64(id) : UInt64(GICv3.spurious)
        case .iccBPR0EL1: return interface.binaryPoint0
        case .iccBPR1EL1: return interface.commonBinaryPoint ? min(interface.binaryPoint0 + 1, 7) : interface.binaryPoint1
        case .iccRPREL1: return UInt64(min(runningPriority(cpu), 0xFF))
        case .iccCTLREL1:
            // A3V, IDbits = 0 (16-bit INTIDs), PRIbits = priority bits − 1; no SEIS, PMHE, RSS or ExtRange.
            return 1 << 15 | UInt64(GICv3.priorityBits - 1) << 8 | interface.control
        case .iccSREEL1: return 0b111                       // SRE, DFB, DIB: RAO/WI
        case .iccIGRPEN0EL1: return interface.groupEnabled[0] ? 1 : 0
        case .iccIGRPEN1EL1: return interface.groupEnabled[1] ? 1 : 0
        case .iccAP0R0EL1: return UInt64(interface.activePriorities[0])
        case .iccAP1R0EL1: return UInt64(interface.activePriorities[1])
        default:
            // AP0R1–3/AP1R1–3 exist only with more than five priority bits: RAZ/WI here.
            if isUpperActivePriority(key) { return 0 }
            if !isWriteOnly(key) { unmodelledICC(key, write: false) }
            return nil
        }
    }

    func writeICC(_ cpu: Int, _ key: SystemRegister, _ v: UInt64) -> Bool {
        defer { update() }
        switch key {
        case .iccPMREL1: cpuInterface[cpu].priorityMask = UInt8(truncatingIfNeeded: v) & GICv3.priorityMask
        case .iccEOIR0EL1: endOfInterrupt(cpu, group: 0, Int(v & 0xFF_FFFF))
        case .iccEOIR1EL1: endOfInterrupt(cpu, group: 1, Int(v & 0xFF_FFFF))
        case .iccDIREL1: deactivate(cpu, Int(v & 0xFF_FFFF))
        case .iccBPR0EL1: cpuInterface[cpu].binaryPoint0 = max(v & 7, GICv3.minimumBinaryPoint0)
        case .iccBPR1EL1:
            if !cpuInterface[cpu].commonBinaryPoint { cpuInterface[cpu].binaryPoint1 = max(v & 7, GICv3.minimumBinaryPoint0 + 1) }
        case .iccCTLREL1: cpuInterface[cpu].control = v & 3
        case .iccSREEL1: break
        case .iccIGRPEN0EL1: cpuInterface[cpu].groupEnabled[0] = v & 1 != 0
        case .iccIGRPEN1EL1: cpuInterface[cpu].groupEnabled[1] = v & 1 != 0
        case .iccAP0R0EL1: cpuInterface[cpu].activePriorities[0] = UInt32(truncatingIfNeeded: v)
        case .iccAP1R0EL1: cpuInterface[cpu].activePriorities[1] = UInt32(truncatingIfNeeded: v)
        case .iccSGI1REL1: generateSGI(from: cpu, v, group: 1)
        case .iccSGI0REL1, .iccASGI1REL1: generateSGI(from: cpu, v, group: 0)   // one security state: ASGI1R acts as SGI0R
        default:
            if isUpperActivePriority(key) { break }
            if !isReadOnly(key) { unmodelledICC(key, write: true) }
            return false
        }
        return true
    }

    private func isUpperActivePriority(_ key: SystemRegister) -> Bool {
        (key.crm == 8 && key.op2 >= 5) || (key.crm == 9 && key.op2 >= 1 && key.op2 <= 3)
    }

    private func isWriteOnly(_ key: SystemRegister) -> Bool {
        [.iccEOIR0EL1, .iccEOIR1EL1, .iccDIREL1, .iccSGI0REL1, .iccSGI1REL1, .iccASGI1REL1].contains(key)
    }

    private func isReadOnly(_ key: SystemRegister) -> Bool {
        [.iccIAR0EL1, .iccIAR1EL1, .iccHPPIR0EL1, .iccHPPIR1EL1, .iccRPREL1].contains(key)
    }

    private func unmodelledICC(_ key: SystemRegister, write: Bool) {
        (root as? Machine)?.warn("\(path): \(write ? "MSR" : "MRS") \(key.genericName): ICC register not modelled (UNDEFINED)")
    }
}
