import ChimeraCore

/// ARM Generic Interrupt Controller v2 (ARM IHI 0048B): distributor and
/// CPU interfaces for up to 8 cores. SGIs (0–15) and PPIs (16–31) are banked
/// per core; SPIs (32+) are routed by ITARGETSR. Owned by the cluster.
///
/// Pins: `spi[n]` is interrupt ID 32 + n; `ppi[c * 16 + k]` is PPI 16 + k of
/// core c (so the EL1 physical timer of core 0, PPI 30, is `ppi[14]`);
/// `cpu-irq[c]` goes to core c's `irq` input. The banked registers of the
/// accessing core are chosen from the clock's running core (`Clock.activeCPU`).
public final class GICv2: SimObject, MMIOHandler {
    static let type = ObjectType(
        "gic-v2", parent: "device",
        summary: "ARM GICv2 interrupt controller: distributor (region dist) and CPU interface (region cpu)",
        properties: [
            PropertyDescriptor("num-cpus", .int(IntegerFormat.uint64.limited(to: 1...8)), default: .uint(1),
                               doc: "Number of CPU interfaces"),
            PropertyDescriptor("num-irqs", .int(IntegerFormat.uint64.limited(to: 64...1020)), default: .uint(256),
                               doc: "Interrupt IDs implemented, including the 32 private ones"),
        ],
        pins: [
            PinDescriptor("spi", .input, count: 988, doc: "Shared peripheral interrupt inputs (ID 32 + n)"),
            PinDescriptor("ppi", .input, count: 128, doc: "Private peripheral interrupts: ppi[cpu * 16 + (ID - 16)]"),
            PinDescriptor("cpu-irq", .output, count: 8, doc: "IRQ line to each core"),
        ],
        regions: [
            RegionDescriptor("dist", doc: "Distributor registers (4 KiB, usually at 0x08000000 on virt)"),
            RegionDescriptor("cpu", doc: "CPU interface registers (8 KiB, usually at 0x08010000 on virt)"),
        ],
        instanceClass: GICv2.self)

    private var cpuCount = 1
    private var irqCount = 256
    private var distributorEnabled = false
    private var cpuEnabled = [Bool](repeating: false, count: 8)
    private var priorityMask = [UInt8](repeating: 0, count: 8)
    /// Per-interrupt state; private IDs have one copy per core.
    private var enabled: [Bool] = []
    private var pending: [Bool] = []
    private var active: [Bool] = []
    private var level: [Bool] = []
    private var priority: [UInt8] = []
    private var edgeTriggered: [Bool] = []
    private var targets: [UInt8] = []
    private var sgiSource = [UInt8](repeating: 0, count: 8 * 16)
    /// Active interrupts per core, most recent last (for the running priority and EOI).
    private var activeStack = [[Int]](repeating: [], count: 8)
    private var dist: Dispatcher?
    private var cpuRegion: Dispatcher?

    /// Forwards one region's accesses with its own offset base.
    final class Dispatcher: MMIOHandler {
        /// Unretained: the GIC owns its dispatchers and outlives every
        /// access to its regions (cores drop their device entries when the
        /// map changes); a safe `unowned` costs two atomic operations per access.
        let gic: Unmanaged<GICv2>
        let isCPU: Bool
        init(_ gic: GICv2, isCPU: Bool) { self.gic = .passUnretained(gic); self.isCPU = isCPU }
        func mmioRead(offset: UInt64, size: Int) -> UInt64 {
            gic._withUnsafeGuaranteedRef { $0.access(isCPU, offset, size, nil) }
        }
        func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
            _ = gic._withUnsafeGuaranteedRef { $0.access(isCPU, offset, size, value) }
        }
    }

    override public func realize() throws(ChimeraError) {
        running = (root as? Machine)?.clock.running
        clusterID = (parent as? Cluster).map(ObjectIdentifier.init)
        cpuCount = Int(uintProperty("num-cpus"))
        irqCount = Int(uintProperty("num-irqs")) & ~31
        let n = cpuCount * 32 + irqCount - 32
        enabled = .init(repeating: false, count: n)
        pending = .init(repeating: false, count: n)
        active = .init(repeating: false, count: n)
        level = .init(repeating: false, count: n)
        priority = .init(repeating: 0, count: n)
        edgeTriggered = .init(repeating: false, count: n)
        for c in 0..<cpuCount { for i in 0..<16 { edgeTriggered[c * 32 + i] = true; enabled[c * 32 + i] = true } }
        targets = .init(repeating: 0, count: irqCount)
        let d = Dispatcher(self, isCPU: false), c = Dispatcher(self, isCPU: true)
        dist = d
        cpuRegion = c
        try exportRegion("dist", MemoryRegion(name: "gic-dist", size: 0x1000, kind: .mmio(d, .upToWord), owner: path))
        try exportRegion("cpu", MemoryRegion(name: "gic-cpu", size: 0x2000, kind: .mmio(c, .word), owner: path))
    }

    public func mmioRead(offset: UInt64, size: Int) -> UInt64 { 0 }
    public func mmioWrite(offset: UInt64, size: Int, value: UInt64) {}

    private func slot(_ cpu: Int, _ id: Int) -> Int { id < 32 ? cpu * 32 + id : cpuCount * 32 + id - 32 }

    /// The clock's running-core record and the cluster holding this GIC,
    /// from realize (the machine owns the clock for as long as the GIC exists).
    private var running: UnsafeMutablePointer<Clock.RunningCore>?
    private var clusterID: ObjectIdentifier?

    /// The core making the current access: its position in the cluster
    /// when it belongs to this GIC's cluster, else core 0's interface.
    private var accessingCPU: Int {
        guard let core = running?.pointee, core.cluster == clusterID else { return 0 }
        return min(core.index, cpuCount - 1)
    }

    override public func inputChanged(group: String, index: Int, level newLevel: Bool) {
        let s: Int
        if group == "spi" {
            guard index + 32 < irqCount else { return }
            s = slot(0, index + 32)
        } else {
            let cpu = index / 16
            guard cpu < cpuCount else { return }
            s = slot(cpu, 16 + index % 16)
        }
        level[s] = newLevel
        if newLevel { pending[s] = true } else if !edgeTriggered[s] { pending[s] = false }
        update()
    }

    private func targetsCPU(_ id: Int, _ cpu: Int) -> Bool { id < 32 || targets[id] & (1 << cpu) != 0 }

    private func runningPriority(_ cpu: Int) -> Int {
        activeStack[cpu].map { Int(priority[slot(cpu, $0)]) }.min() ?? 0x100
    }

    /// Highest-priority pending interrupt for `cpu`, or 1023.
    private func highestPending(_ cpu: Int) -> Int {
        var best = 1023, bestPriority = 0x100
        for id in 0..<irqCount where targetsCPU(id, cpu) {
            let s = slot(cpu, id)
            if enabled[s] && pending[s] && !active[s] && Int(priority[s]) < bestPriority {
                best = id; bestPriority = Int(priority[s])
            }
        }
        return best
    }

    private func update() {
        for cpu in 0..<cpuCount {
            var assert = false
            if distributorEnabled && cpuEnabled[cpu] {
                let id = highestPending(cpu)
                if id != 1023 {
                    let p = Int(priority[slot(cpu, id)])
                    assert = p < Int(priorityMask[cpu]) && p < runningPriority(cpu)
                }
            }
            (try? output("cpu-irq", cpu))?.set(assert)
        }
    }

    func access(_ isCPU: Bool, _ offset: UInt64, _ size: Int, _ value: UInt64?) -> UInt64 {
        let cpu = accessingCPU
        defer { if value != nil || (isCPU && offset == 0x0C) { update() } }
        return isCPU ? cpuInterface(cpu, Int(offset), value) : distributor(cpu, Int(offset), size, value)
    }

    private func cpuInterface(_ cpu: Int, _ offset: Int, _ value: UInt64?) -> UInt64 {
        switch (offset, value) {
        case (0x00, nil): return cpuEnabled[cpu] ? 1 : 0
        case (0x00, let v?): cpuEnabled[cpu] = v & 1 != 0
        case (0x04, nil): return UInt64(priorityMask[cpu])
        case (0x04, let v?): priorityMask[cpu] = UInt8(v & 0xFF)
        case (0x08, nil): return 2
        case (0x0C, nil):
            let id = highestPending(cpu)
            guard id != 1023 else { return 1023 }
            let s = slot(cpu, id)
            let p = Int(priority[s])
            guard p < Int(priorityMask[cpu]), p < runningPriority(cpu) else { return 1023 }
            pending[s] = !edgeTriggered[s] && level[s] && false
            active[s] = true
            activeStack[cpu].append(id)
            let source = id < 16 ? UInt64(sgiSource[cpu * 16 + id]) : 0
            return UInt64(id) | source << 10
        case (0x10, let v?), (0x1000, let v?):
            let id = Int(v & 0x3FF)
            guard id < irqCount else { break }
            let s = slot(cpu, id)
            active[s] = false
            activeStack[cpu].removeAll { $0 == id }
            if !edgeTriggered[s] && level[s] { pending[s] = true }
        case (0x14, nil): return UInt64(min(runningPriority(cpu), 0xFF))
        case (0x18, nil): return UInt64(highestPending(cpu))
        case (0xFC, nil): return 0x0202_043B
        default:
            if value == nil { return 0 }
        }
        return 0
    }

    private func distributor(_ cpu: Int, _ offset: Int, _ size: Int, _ value: UInt64?) -> UInt64 {
        func bitRegister(_ base: Int, _ get: (Int) -> Bool, _ set: (Int) -> Void) -> UInt64 {
            let first = (offset - base) * 8
            if value == nil {
                var v: UInt64 = 0
                for b in 0..<32 where first + b < irqCount && get(slot(cpu, first + b)) { v |= 1 << UInt64(b) }
                return v
            }
            for b in 0..<32 where first + b < irqCount && (value! >> UInt64(b)) & 1 == 1 { set(slot(cpu, first + b)) }
            return 0
        }
        switch offset {
        case 0x000: if let v = value { distributorEnabled = v & 1 != 0 } else { return distributorEnabled ? 1 : 0 }
        case 0x004: return UInt64((irqCount / 32) - 1) | UInt64(cpuCount - 1) << 5
        case 0x008: return 0x0200_043B
        case 0x080..<0x100: return 0
        case 0x100..<0x180: return bitRegister(0x100, { self.enabled[$0] }, { self.enabled[$0] = true })
        case 0x180..<0x200: return bitRegister(0x180, { self.enabled[$0] }, { self.enabled[$0] = false })
        case 0x200..<0x280: return bitRegister(0x200, { self.pending[$0] }, { self.pending[$0] = true })
        case 0x280..<0x300: return bitRegister(0x280, { self.pending[$0] }, { self.pending[$0] = false })
        case 0x300..<0x380: return bitRegister(0x300, { self.active[$0] }, { self.active[$0] = true })
        case 0x380..<0x400: return bitRegister(0x380, { self.active[$0] }, { self.active[$0] = false })
        case 0x400..<0x800:
            let first = offset - 0x400
            var v: UInt64 = 0
            for b in 0..<size where first + b < irqCount {
                let s = slot(cpu, first + b)
                if let w = value { priority[s] = UInt8((w >> UInt64(8 * b)) & 0xFF) } else { v |= UInt64(priority[s]) << UInt64(8 * b) }
            }
            return v
        case 0x800..<0xC00:
            let first = offset - 0x800
            var v: UInt64 = 0
            for b in 0..<size where first + b < irqCount {
                let id = first + b
                if id < 32 { v |= UInt64(1 << cpu) << UInt64(8 * b); continue }
                if let w = value { targets[id] = UInt8((w >> UInt64(8 * b)) & 0xFF) } else { v |= UInt64(targets[id]) << UInt64(8 * b) }
            }
            return v
        case 0xC00..<0xD00:
            let first = (offset - 0xC00) * 4
            var v: UInt64 = 0
            for k in 0..<16 where first + k < irqCount && first + k >= 16 {
                let s = slot(cpu, first + k)
                if let w = value { edgeTriggered[s] = (w >> UInt64(2 * k + 1)) & 1 == 1 } else if edgeTriggered[s] { v |= 2 << UInt64(2 * k) }
            }
            return v
        case 0xF00:
            guard let v = value else { return 0 }
            let id = Int(v & 0xF), filter = (v >> 24) & 3
            let list: UInt64 = filter == 0 ? (v >> 16) & 0xFF : filter == 1 ? (0xFF & ~(1 << UInt64(cpu))) : 1 << UInt64(cpu)
            for target in 0..<cpuCount where (list >> UInt64(target)) & 1 == 1 {
                pending[slot(target, id)] = true
                sgiSource[target * 16 + id] = UInt8(cpu)
            }
        case 0xFE8: return 0x2B
        default: break
        }
        return 0
    }
}
