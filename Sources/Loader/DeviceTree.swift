import ChimeraCore

/// The device tree that describes one AArch64 cluster of a realized machine
/// to Linux, laid out as QEMU's `virt` board lays out its own: memory,
/// cores with PSCI as the enable method, the GIC, the generic timer, PL011
/// UARTs with their clock, and `/chosen`.
///
/// Everything comes from the object model: devices are found by type
/// (`ram`, `pl011`, `gic-v2` or `gic-v3`, the cores), addresses from where their
/// regions appear in the cluster's address space, interrupt numbers from
/// the wiring of their pins to the GIC. Nodes follow the object tree order.
/// Objects of other types (mailbox, sim-control, RAM owned outside the
/// cluster such as the hetero board's shared window) are not described:
/// Linux would otherwise take shared RAM as its own.
public enum DeviceTree {
    /// What `/chosen` tells the kernel.
    public struct Chosen: Hashable, Sendable {
        /// The kernel command line (`bootargs`); omitted when empty.
        public var bootargs: String
        /// Guest-physical range of the initrd (`linux,initrd-start`/`-end`).
        public var initrd: Range<UInt64>?
        /// `kaslr-seed`: the kernel randomizes its placement from it (omitted when nil).
        public var kaslrSeed: UInt64?

        public init(bootargs: String = "", initrd: Range<UInt64>? = nil, kaslrSeed: UInt64? = nil) {
            self.bootargs = bootargs
            self.initrd = initrd
            self.kaslrSeed = kaslrSeed
        }

        /// The `/chosen` properties these values give (not `stdout-path`, which the machine gives).
        public var properties: [DeviceTreeProperty] {
            var out: [DeviceTreeProperty] = []
            if !bootargs.isEmpty { out.append(.string("bootargs", bootargs)) }
            if let initrd {
                out.append(.u64("linux,initrd-start", initrd.lowerBound))
                out.append(.u64("linux,initrd-end", initrd.upperBound))
            }
            if let kaslrSeed { out.append(.u64("kaslr-seed", kaslrSeed)) }
            return out
        }
    }

    /// Interrupt specifier cells of the `arm,gic` bindings: type, number, flags.
    enum InterruptCell {
        static let spi: UInt32 = 0
        static let ppi: UInt32 = 1
        static let levelHigh: UInt32 = 4
    }

    /// phandles are numbered in the order nodes need them.
    enum Phandle {
        static let interruptController: UInt32 = 1
        static let firstClock: UInt32 = 2
    }

    /// Generic-timer PPIs (interrupt ID − 16) the Server Base System
    /// Architecture recommends and QEMU virt wires: secure EL1 physical 13,
    /// non-secure EL1 physical 14, virtual 11, EL2 physical 10. Used for the
    /// timers a core does not model as output pins (secure and EL2).
    enum TimerPPI {
        static let secure: UInt32 = 13
        static let physical: UInt32 = 14
        static let virtual: UInt32 = 11
        static let hypervisor: UInt32 = 10
    }

    /// The interrupt controller a cluster's tree is built around: a GICv2
    /// (`arm,cortex-a15-gic`) or a GICv3 (`arm,gic-v3`, distributor then one
    /// redistributor region, PPI flags without the CPU mask since GICv3
    /// routes by affinity, as QEMU virt writes them).
    enum InterruptController {
        case gicV2(SimObject)
        case gicV3(SimObject)

        var object: SimObject {
            switch self { case .gicV2(let gic), .gicV3(let gic): return gic }
        }

        static func find(in cluster: Cluster) -> InterruptController? {
            for object in cluster.subtree {
                if object.isA("gic-v2") { return .gicV2(object) }
                if object.isA("gic-v3") { return .gicV3(object) }
            }
            return nil
        }

        /// The flags cell of a PPI: level-high, plus (GICv2) the cores it goes to.
        func ppiFlags(cores: Int) -> UInt32 {
            switch self {
            case .gicV2: return InterruptCell.levelHigh | (UInt32((1 << min(cores, 8)) - 1) << 8)
            case .gicV3: return InterruptCell.levelHigh
            }
        }

        func node(in cluster: Cluster) throws(ChimeraError) -> DeviceTreeNode {
            let dist = try DeviceTree.window(of: object, region: "dist", in: cluster)
            let common: [DeviceTreeProperty] = [
                .cell("#interrupt-cells", 3),
                .flag("interrupt-controller"),
                // As QEMU virt: room for frames below the GIC (v2m, ITS) at their own addresses.
                .cell("#address-cells", 2),
                .cell("#size-cells", 2),
                .flag("ranges"),
            ]
            switch self {
            case .gicV2:
                let cpu = try DeviceTree.window(of: object, region: "cpu", in: cluster)
                return DeviceTreeNode("intc@\(DeviceTree.unitAddress(dist.address))", properties:
                    [.string("compatible", "arm,cortex-a15-gic")] + common + [
                    .reg([dist, cpu]),
                    .cell("phandle", Phandle.interruptController),
                ])
            case .gicV3:
                let redist = try DeviceTree.window(of: object, region: "redist", in: cluster)
                return DeviceTreeNode("intc@\(DeviceTree.unitAddress(dist.address))", properties:
                    [.string("compatible", "arm,gic-v3")] + common + [
                    .cell("#redistributor-regions", 1),
                    .reg([dist, redist]),
                    // No `interrupts` (the virtualization maintenance
                    // interrupt): the virtual CPU interface is not modelled,
                    // so KVM at EL2 must not find one (QEMU virt, too, lists
                    // it only with virtualization=on, where it has one).
                    .cell("phandle", Phandle.interruptController),
                ])
            }
        }

        /// The `interrupts` cells of an output pin wired to this controller, or nil if unwired.
        func specifier(of pin: String, of object: SimObject, cores: Int) -> [UInt32]? {
            guard let output = object.usedOutputs.first(where: { $0.group == pin }),
                  let input = output.connections.first(where: { $0.owner === self.object }) else { return nil }
            switch input.group {
            case "spi": return [InterruptCell.spi, UInt32(input.index), InterruptCell.levelHigh]
            case "ppi": return [InterruptCell.ppi, UInt32(input.index % 16), ppiFlags(cores: cores)]
            default: return nil
            }
        }
    }

    /// The tree for `cluster`, with `chosen` in `/chosen`.
    public static func describe(_ cluster: Cluster, chosen: Chosen = Chosen()) throws(ChimeraError) -> DeviceTreeNode {
        func failure(_ message: String) -> ChimeraError { ChimeraError.object(cluster.path, message) }
        let cores = cluster.cpus.filter { $0.architecture == .aarch64 }
        guard !cores.isEmpty else { throw failure("the cluster has no AArch64 cores, so there is no device tree to describe it") }
        guard let gic = InterruptController.find(in: cluster) else {
            throw failure("the cluster has no interrupt controller a device tree can describe (gic-v2 or gic-v3)")
        }
        var conduits: [String] = []
        for core in cores where !conduits.contains(core.stringProperty("psci-conduit")) {
            conduits.append(core.stringProperty("psci-conduit"))
        }
        guard conduits.count == 1, let conduit = conduits.first else {
            throw failure("its cores disagree on psci-conduit (\(conduits.joined(separator: ", "))); Linux needs one PSCI method")
        }

        var nodes: [DeviceTreeNode] = []
        var clocks: [(frequency: UInt64, phandle: UInt32)] = []
        var stdoutPath: String?
        var describedCores = false
        for object in cluster.subtree {
            if let core = object as? CPUDevice, core.architecture == .aarch64, !describedCores {
                describedCores = true
                nodes.append(cpusNode(cores, psci: conduit != "none"))
                nodes.append(timerNode(cores, gic: gic))
            } else if object === gic.object {
                nodes.append(try gic.node(in: cluster))
            } else if object.isA("ram") {
                for range in ramRanges(of: object, in: cluster) {
                    nodes.append(DeviceTreeNode("memory@\(DeviceTree.unitAddress(range.address))", properties: [
                        .string("device_type", "memory"), .reg([range]),
                    ]))
                }
            } else if object.isA("pl011") {
                let frequency = object.uintProperty("clock-frequency")
                let clock: UInt32
                if let known = clocks.first(where: { $0.frequency == frequency }) {
                    clock = known.phandle
                } else {
                    clock = Phandle.firstClock + UInt32(clocks.count)
                    nodes.append(clockNode(frequency: frequency, phandle: clock, first: clocks.isEmpty))
                    clocks.append((frequency, clock))
                }
                let node = try pl011Node(object, in: cluster, gic: gic, cores: cores.count, clock: clock)
                if stdoutPath == nil { stdoutPath = "/" + node.name }
                nodes.append(node)
            }
        }

        var chosenProperties = chosen.properties
        if let stdoutPath { chosenProperties.append(.string("stdout-path", stdoutPath)) }
        var top = [DeviceTreeNode("chosen", properties: chosenProperties)]
        if conduit != "none" {
            top.append(DeviceTreeNode("psci", properties: [
                .strings("compatible", ["arm,psci-1.0", "arm,psci-0.2"]), .string("method", conduit),
            ]))
        }
        return DeviceTreeNode("", properties: [
            .string("compatible", "linux,dummy-virt"),
            .string("model", "Chimera \(cluster.path)"),
            .cell("#address-cells", 2),
            .cell("#size-cells", 2),
            .cell("interrupt-parent", Phandle.interruptController),
        ], children: top + nodes)
    }

    /// `MPIDR_EL1` affinity fields (Aff3 at 39:32, Aff2–Aff0 at 23:0): the `reg` of a cpu node.
    static func affinity(of core: CPUDevice) -> UInt64 {
        core.uintProperty("mpidr") & 0xFF_00FF_FFFF
    }

    private static func cpusNode(_ cores: [CPUDevice], psci: Bool) -> DeviceTreeNode {
        // One cell suffices unless some core has Aff3 (bits 39:32) set.
        let wide = cores.contains { affinity(of: $0) > 0xFFFF_FFFF }
        let children = cores.map { core -> DeviceTreeNode in
            let reg = affinity(of: core)
            var properties: [DeviceTreeProperty] = [
                .string("device_type", "cpu"),
                .string("compatible", "arm,\(core.objectType.name)"),
                wide ? .u64("reg", reg) : .cell("reg", UInt32(reg)),
            ]
            if psci { properties.append(.string("enable-method", "psci")) }
            return DeviceTreeNode("cpu@\(DeviceTree.unitAddress(reg))", properties: properties)
        }
        return DeviceTreeNode("cpus", properties: [.cell("#address-cells", wide ? 2 : 1), .cell("#size-cells", 0)],
                              children: children)
    }

    /// The four timer interrupts in binding order: secure, non-secure physical, virtual, hypervisor.
    private static func timerNode(_ cores: [CPUDevice], gic: InterruptController) -> DeviceTreeNode {
        let flags = gic.ppiFlags(cores: cores.count)
        func ppi(_ pin: String, _ recommended: UInt32) -> UInt32 {
            gic.specifier(of: pin, of: cores[0], cores: cores.count)?[1] ?? recommended
        }
        let ppis = [TimerPPI.secure, ppi("timer-phys", TimerPPI.physical), ppi("timer-virt", TimerPPI.virtual),
                    TimerPPI.hypervisor]
        return DeviceTreeNode("timer", properties: [
            .strings("compatible", ["arm,armv8-timer", "arm,armv7-timer"]),
            .flag("always-on"),
            .cells("interrupts", ppis.flatMap { [InterruptCell.ppi, $0, flags] }),
        ])
    }

    private static func clockNode(frequency: UInt64, phandle: UInt32, first: Bool) -> DeviceTreeNode {
        let megahertz = frequency % 1_000_000 == 0 ? "\(frequency / 1_000_000)mhz" : "\(frequency)hz"
        return DeviceTreeNode(first ? "apb-pclk" : "apb-pclk-\(megahertz)", properties: [
            .string("compatible", "fixed-clock"),
            .cell("#clock-cells", 0),
            .cell("clock-frequency", UInt32(truncatingIfNeeded: frequency)),
            .string("clock-output-names", "clk\(megahertz)"),
            .cell("phandle", phandle),
        ])
    }

    private static func pl011Node(_ uart: SimObject, in cluster: Cluster, gic: InterruptController, cores: Int,
                                  clock: UInt32) throws(ChimeraError) -> DeviceTreeNode {
        let window = try window(of: uart, region: "mmio", in: cluster)
        var properties: [DeviceTreeProperty] = [
            .strings("compatible", ["arm,pl011", "arm,primecell"]),
            .reg([window]),
        ]
        if let interrupt = gic.specifier(of: "irq", of: uart, cores: cores) {
            properties.append(.cells("interrupts", interrupt))
        }
        properties.append(.cells("clocks", [clock, clock]))
        properties.append(.strings("clock-names", ["uartclk", "apb_pclk"]))
        return DeviceTreeNode("pl011@\(DeviceTree.unitAddress(window.address))", properties: properties)
    }

    /// Where `object`'s region `name` starts in the cluster's memory and how large it is.
    static func window(of object: SimObject, region name: String,
                       in cluster: Cluster) throws(ChimeraError) -> (address: UInt64, size: UInt64) {
        guard let region = object.exportedRegions[name],
              let range = cluster.memory.flatView.ranges.first(where: { $0.region === region }) else {
            throw ChimeraError.object(object.path, "its region '\(name)' is not mapped in \(cluster.path), so the device tree cannot give its address")
        }
        return (range.start &- range.offsetInRegion, region.size)
    }

    /// The contiguous guest-physical ranges where `ram`'s writable regions
    /// appear in the cluster, in address order; none for RAM owned outside the cluster.
    public static func ramRanges(of ram: SimObject, in cluster: Cluster) -> [(address: UInt64, size: UInt64)] {
        guard ram.isDescendant(of: cluster) else { return [] }
        let regions = ram.exportedRegions.values.filter { if case .ram = $0.kind { return true } else { return false } }
        var out: [(address: UInt64, size: UInt64)] = []
        for r in cluster.memory.flatView.ranges where regions.contains(where: { $0 === r.region }) {
            if let last = out.last, last.address &+ last.size == r.start {
                out[out.count - 1].size += r.last - r.start + 1
            } else {
                out.append((r.start, r.last - r.start + 1))
            }
        }
        return out
    }

    /// Lower-case hex without leading zeros, as unit addresses are written.
    static func unitAddress(_ value: UInt64) -> String { String(value, radix: 16) }
}
