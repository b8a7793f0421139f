import ChimeraCore

/// ARM Generic Interrupt Controller v3 (ARM IHI 0069): a distributor, one
/// redistributor per core and the CPU interfaces as `ICC_*_EL1` system
/// registers. Affinity routing only (no GICv2 compatibility), one security
/// state (GICD_CTLR.DS reads 1, as QEMU's GICv3 without security extensions),
/// no LPIs and no ITS. Owned by the cluster.
///
/// Pins are those of `gic-v2`, so boards wire both alike: `spi[n]` is INTID
/// 32 + n, `ppi[c * 16 + k]` is PPI 16 + k of core c, `cpu-irq[c]` (Group 1)
/// and `cpu-fiq[c]` (Group 0) go to core c's `irq` and `fiq`. Core c is the
/// cluster's c-th core; its redistributor is frame c of region `redist` and
/// reports the affinity of that core's `mpidr`.
public final class GICv3: SimObject {
    static let type = ObjectType(
        "gic-v3", parent: "device",
        summary: "ARM GICv3 interrupt controller: distributor (region dist), redistributors (region redist), ICC_* system registers",
        properties: [
            PropertyDescriptor("num-cpus", .int(IntegerFormat.uint64.limited(to: 1...8)), default: .uint(1),
                               doc: "Number of redistributors and CPU interfaces (the cluster's first cores)"),
            PropertyDescriptor("num-irqs", .int(IntegerFormat.uint64.limited(to: 64...1020)), default: .uint(256),
                               doc: "Interrupt IDs implemented, including the 32 private ones"),
        ],
        pins: [
            PinDescriptor("spi", .input, count: 988, doc: "Shared peripheral interrupt inputs (ID 32 + n)"),
            PinDescriptor("ppi", .input, count: 128, doc: "Private peripheral interrupts: ppi[cpu * 16 + (ID - 16)]"),
            PinDescriptor("cpu-irq", .output, count: 8, doc: "IRQ line to each core (Group 1 interrupts)"),
            PinDescriptor("cpu-fiq", .output, count: 8, doc: "FIQ line to each core (Group 0 interrupts)"),
        ],
        regions: [
            RegionDescriptor("dist", doc: "Distributor (GICD, 64 KiB, at 0x08000000 on virt)"),
            RegionDescriptor("redist", doc: "Redistributors (GICR, 128 KiB per core, at 0x080A0000 on virt)"),
        ],
        instanceClass: GICv3.self)

    /// Frame size of one redistributor: RD_base, then SGI_base at +64 KiB.
    static let redistributorStride: UInt64 = 0x2_0000
    /// GICD_IIDR and GICR_IIDR: implementer Arm (0x43B), product 3, revision 0.
    static let implementation: UInt64 = 0x0300_043B
    /// GICD_PIDR2/GICR_PIDR2: ArchRev 3 (GICv3), JEDEC-assigned, DES_1 = 3.
    static let peripheralID2: UInt64 = 0x3B
    /// Implemented priority bits (ICC_CTLR_EL1.PRIbits + 1): five, as QEMU and GIC-500.
    static let priorityBits = 5
    static let priorityMask = UInt8(truncatingIfNeeded: 0xFF << (8 - priorityBits))

    var cpuCount = 1
    var irqCount = 256
    /// GICD_CTLR.EnableGrp0 and EnableGrp1 (ARE and DS read as one).
    var groupEnabled = [false, false]

    /// Per-interrupt state; IDs 0–31 have one copy per core (`slot`).
    var enabled: [Bool] = []
    /// Pending latched by an edge, ISPENDR or an SGI; level-sensitive
    /// interrupts are also pending while their line is high.
    var latched: [Bool] = []
    var level: [Bool] = []
    var active: [Bool] = []
    var priority: [UInt8] = []
    var edgeTriggered: [Bool] = []
    /// IGROUPR: true for Group 1.
    var group1: [Bool] = []
    /// GICD_IROUTER<n> for each SPI (index n − 32): affinity and IRM (bit 31).
    var routes: [UInt64] = []

    /// Redistributor and CPU interface state, per core.
    var affinity: [UInt64] = []
    var processorSleep: [Bool] = []
    var cpuInterface: [CPUInterfaceState] = []
    var irqLines: [IRQOutput?] = []
    var fiqLines: [IRQOutput?] = []
    private var dist: Dispatcher?
    private var redist: Dispatcher?

    /// Forwards one region's accesses (as GICv2's, unretained: the GIC owns
    /// its dispatchers and outlives every access to its regions).
    final class Dispatcher: MMIOHandler {
        let gic: Unmanaged<GICv3>
        let isRedistributor: Bool
        init(_ gic: GICv3, isRedistributor: Bool) { self.gic = .passUnretained(gic); self.isRedistributor = isRedistributor }
        func mmioRead(offset: UInt64, size: Int) -> UInt64 {
            gic._withUnsafeGuaranteedRef { $0.access(isRedistributor, offset, size, nil) }
        }
        func mmioWrite(offset: UInt64, size: Int, value: UInt64) {
            _ = gic._withUnsafeGuaranteedRef { $0.access(isRedistributor, offset, size, value) }
        }
    }

    override public func realize() throws(ChimeraError) {
        cpuCount = Int(uintProperty("num-cpus"))
        irqCount = Int(uintProperty("num-irqs")) & ~31
        let n = cpuCount * 32 + irqCount - 32
        enabled = .init(repeating: false, count: n)
        latched = .init(repeating: false, count: n)
        level = .init(repeating: false, count: n)
        active = .init(repeating: false, count: n)
        priority = .init(repeating: 0, count: n)
        edgeTriggered = .init(repeating: false, count: n)
        group1 = .init(repeating: false, count: n)
        for c in 0..<cpuCount { for i in 0..<16 { edgeTriggered[c * 32 + i] = true } }
        routes = .init(repeating: 0, count: irqCount - 32)
        processorSleep = .init(repeating: true, count: cpuCount)
        cpuInterface = .init(repeating: CPUInterfaceState(), count: cpuCount)
        irqLines = (0..<cpuCount).map { try? output("cpu-irq", $0) }
        fiqLines = (0..<cpuCount).map { try? output("cpu-fiq", $0) }

        // Core c of the cluster is redistributor c; it reaches its CPU interface through ICC_* registers.
        let cores = (parent as? Cluster)?.cpus ?? []
        affinity = (0..<cpuCount).map { c in
            guard c < cores.count else { return UInt64(c) }
            let mpidr = cores[c].uintProperty("mpidr")
            return mpidr & 0xFF_FFFF | (mpidr >> 8) & 0xFF00_0000    // Aff3.Aff2.Aff1.Aff0
        }
        for (c, core) in cores.prefix(cpuCount).enumerated() {
            (core as? AArch64CPU)?.gicInterface = GICv3CPUInterface(self, cpu: c)
        }

        let d = Dispatcher(self, isRedistributor: false), r = Dispatcher(self, isRedistributor: true)
        dist = d
        redist = r
        try exportRegion("dist", MemoryRegion(name: "gicv3-dist", size: 0x1_0000, kind: .mmio(d, .upToWord), owner: path))
        try exportRegion("redist", MemoryRegion(name: "gicv3-redist", size: GICv3.redistributorStride * UInt64(cpuCount),
                                                kind: .mmio(r, .upToWord), owner: path))
    }

    override public func unrealize() {
        for core in ((parent as? Cluster)?.cpus ?? []).prefix(cpuCount) {
            if let core = core as? AArch64CPU, (core.gicInterface as? GICv3CPUInterface)?.gic === self { core.gicInterface = nil }
        }
    }

    func slot(_ cpu: Int, _ id: Int) -> Int { id < 32 ? cpu * 32 + id : cpuCount * 32 + id - 32 }

    func isPending(_ s: Int) -> Bool { latched[s] || (!edgeTriggered[s] && level[s]) }

    override public func inputChanged(group: String, index: Int, level newLevel: Bool) {
        let s: Int
        if group == "spi" {
            guard index + 32 < irqCount else { return }
            s = slot(0, index + 32)
        } else {
            let cpu = index / 16
            guard group == "ppi", cpu < cpuCount else { return }
            s = slot(cpu, 16 + index % 16)
        }
        if newLevel && !level[s] && edgeTriggered[s] { latched[s] = true }
        level[s] = newLevel
        update()
    }

    /// Notes a guest access to a register this model does not have.
    func unmodelled(_ what: String, _ offset: UInt64, write: Bool) {
        (root as? Machine)?.warn("\(path): \(write ? "write to" : "read of") \(what) offset 0x\(String(offset, radix: 16)): "
                                 + "register not modelled (RAZ/WI)")
    }

    func access(_ isRedistributor: Bool, _ offset: UInt64, _ size: Int, _ value: UInt64?) -> UInt64 {
        defer { if value != nil { update() } }
        guard isRedistributor else { return distributor(offset, size, value) }
        let cpu = Int(offset / GICv3.redistributorStride), frame = offset % GICv3.redistributorStride
        return frame < 0x1_0000 ? redistributor(cpu, frame, value) : sgiFrame(cpu, frame - 0x1_0000, size, value)
    }

    /// A 32-bit register of one bit per interrupt, IDs `first` … `first + 31`, as seen by `cpu`.
    func bits(_ cpu: Int, first: Int, _ value: UInt64?, get: (Int) -> Bool, set: (Int) -> Void) -> UInt64 {
        var v: UInt64 = 0
        for b in 0..<32 where first + b < irqCount {
            let s = slot(cpu, first + b)
            if let value { if (value >> UInt64(b)) & 1 == 1 { set(s) } } else if get(s) { v |= 1 << UInt64(b) }
        }
        return v
    }

    /// The enable, pending, active and group registers at `base` + 0x080 … 0x3FF (GICD and SGI_base share the layout).
    func interruptBits(_ cpu: Int, _ offset: UInt64, base: UInt64, _ value: UInt64?) -> UInt64 {
        let first = Int((offset - base) % 0x80) * 8
        switch (offset - base) / 0x80 {
        case 1: return bits(cpu, first: first, value, get: { self.group1[$0] }, set: { _ in })
        case 2: return bits(cpu, first: first, value, get: { self.enabled[$0] }, set: { self.enabled[$0] = true })
        case 3: return bits(cpu, first: first, value, get: { self.enabled[$0] }, set: { self.enabled[$0] = false })
        case 4: return bits(cpu, first: first, value, get: { self.isPending($0) }, set: { self.latched[$0] = true })
        case 5: return bits(cpu, first: first, value, get: { self.isPending($0) }, set: { self.latched[$0] = false })
        case 6: return bits(cpu, first: first, value, get: { self.active[$0] }, set: { self.active[$0] = true })
        default: return bits(cpu, first: first, value, get: { self.active[$0] }, set: { self.active[$0] = false })
        }
    }

    /// IGROUPR writes replace all 32 bits, unlike the set/clear pairs.
    func writeGroups(_ cpu: Int, first: Int, _ value: UInt64) {
        for b in 0..<32 where first + b < irqCount { group1[slot(cpu, first + b)] = (value >> UInt64(b)) & 1 == 1 }
    }

    /// IPRIORITYR bytes (`first` is the ID of the byte at the access's lowest address).
    func priorities(_ cpu: Int, first: Int, _ size: Int, _ value: UInt64?) -> UInt64 {
        var v: UInt64 = 0
        for b in 0..<size where first + b < irqCount {
            let s = slot(cpu, first + b)
            if let value { priority[s] = UInt8(truncatingIfNeeded: value >> UInt64(8 * b)) & GICv3.priorityMask }
            else { v |= UInt64(priority[s]) << UInt64(8 * b) }
        }
        return v
    }

    /// ICFGR: two bits per interrupt, bit 1 set for edge-triggered; SGIs are always edge.
    func configuration(_ cpu: Int, first: Int, _ value: UInt64?) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<16 where first + k < irqCount {
            let s = slot(cpu, first + k)
            if let value, first + k >= 16 { edgeTriggered[s] = (value >> UInt64(2 * k + 1)) & 1 == 1 }
            if edgeTriggered[s] { v |= 2 << UInt64(2 * k) }
        }
        return value == nil ? v : 0
    }

    private func distributor(_ offset: UInt64, _ size: Int, _ value: UInt64?) -> UInt64 {
        if (0x400..<0x800).contains(offset) {
            let first = Int(offset - 0x400)
            return first < 32 ? 0 : priorities(0, first: first, size, value)    // private IDs live in the redistributors
        }
        let word = offset & ~3
        if size < 4 {    // only IPRIORITYR is byte-accessible; narrower reads see their part of the word
            guard value == nil else { unmodelled("GICD sub-word write", offset, write: true); return 0 }
            return distributor(word, 4, nil) >> (8 * (offset & 3)) & ((1 << UInt64(8 * size)) - 1)
        }
        switch word {
        case 0x0000:
            guard let value else {
                return (groupEnabled[0] ? 1 : 0) | (groupEnabled[1] ? 2 : 0) | 1 << 4 | 1 << 6   // ARE, DS: RAO/WI
            }
            groupEnabled = [value & 1 != 0, value & 2 != 0]
        case 0x0004:
            // ITLinesNumber, CPUNumber, IDbits = 9 (10-bit INTIDs), A3V; no SecurityExtn, MBIS, LPIS or RSS.
            return UInt64(irqCount / 32 - 1) | UInt64(min(cpuCount - 1, 7)) << 5 | 9 << 19 | 1 << 24
        case 0x0008: return GICv3.implementation
        case 0x000C, 0x0010: return 0   // TYPER2, STATUSR
        case 0x0080..<0x0400:
            let first = Int((word - 0x80) % 0x80) * 8
            guard first >= 32 else { return 0 }
            if word < 0x100, let value { writeGroups(0, first: first, value); return 0 }
            return interruptBits(0, word, base: 0, value)
        case 0x0C00..<0x0D00:
            let first = Int(word - 0xC00) * 4
            return first < 32 ? 0 : configuration(0, first: first, value)
        // ITARGETSR and the SGI registers (ARE = 1), IGRPMODR and NSACR (DS = 1): RAZ/WI.
        case 0x0800..<0x0C00, 0x0D00..<0x0D80, 0x0E00..<0x0F30: return 0
        case 0x6100..<0x7FE0:
            let n = Int((word - 0x6000) / 8)
            guard n < irqCount else { return 0 }
            let high = word & 4 != 0
            if let value {
                let old = routes[n - 32]
                routes[n - 32] = high ? old & 0xFFFF_FFFF | (value & 0xFF) << 32 : old & ~0xFFFF_FFFF | value & 0x80FF_FFFF
                return 0
            }
            return high ? routes[n - 32] >> 32 : routes[n - 32] & 0xFFFF_FFFF
        case 0xFFE8: return GICv3.peripheralID2
        case 0xFFF0, 0xFFF4, 0xFFF8, 0xFFFC: return [0x0D, 0xF0, 0x05, 0xB1][Int(word - 0xFFF0) / 4]
        case 0xFFD0..<0x10000: return 0
        default: unmodelled("GICD", word, write: value != nil)
        }
        return 0
    }

    private func redistributor(_ cpu: Int, _ offset: UInt64, _ value: UInt64?) -> UInt64 {
        switch offset & ~3 {
        case 0x0000: return 0                      // GICR_CTLR: no LPIs, writes complete at once (RWP = 0)
        case 0x0004: return GICv3.implementation
        case 0x0008:                               // GICR_TYPER[31:0]: Processor_Number, Last
            return UInt64(cpu) << 8 | (cpu == cpuCount - 1 ? 1 << 4 : 0)
        case 0x000C: return affinity[cpu]          // GICR_TYPER[63:32]: Affinity_Value
        case 0x0010: return 0                      // STATUSR
        case 0x0014:                               // WAKER: ChildrenAsleep follows ProcessorSleep at once
            guard let value else { return processorSleep[cpu] ? 0b110 : 0 }
            processorSleep[cpu] = value & 2 != 0
        case 0x0070..<0x0080: return 0             // PROPBASER, PENDBASER: no LPIs
        case 0xFFE8: return GICv3.peripheralID2
        case 0xFFF0, 0xFFF4, 0xFFF8, 0xFFFC: return [0x0D, 0xF0, 0x05, 0xB1][Int((offset & ~3) - 0xFFF0) / 4]
        case 0xFFD0..<0x10000: return 0
        default: unmodelled("GICR RD_base", offset, write: value != nil)
        }
        return 0
    }

    private func sgiFrame(_ cpu: Int, _ offset: UInt64, _ size: Int, _ value: UInt64?) -> UInt64 {
        if (0x400..<0x420).contains(offset) { return priorities(cpu, first: Int(offset - 0x400), size, value) }
        switch offset & ~3 {
        case 0x0080:
            guard let value else { return interruptBits(cpu, 0x80, base: 0, nil) }
            writeGroups(cpu, first: 0, value)
        case 0x0100, 0x0180, 0x0200, 0x0280, 0x0300, 0x0380: return interruptBits(cpu, offset & ~3, base: 0, value)
        case 0x0C00: return configuration(cpu, first: 0, value)
        case 0x0C04: return configuration(cpu, first: 16, value)
        case 0x0D00, 0x0E00: return 0              // IGRPMODR0, NSACR: RAZ/WI with DS = 1
        default: unmodelled("GICR SGI_base", offset, write: value != nil)
        }
        return 0
    }
}
