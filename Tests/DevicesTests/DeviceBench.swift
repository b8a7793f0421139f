import XCTest
import ChimeraCore
import ChimeraDevices
import ChimeraTestSupport

/// An input-only device that records the level of each of its `in` pins,
/// so tests can watch a device's interrupt outputs through real wiring.
final class IRQProbe: SimObject {
    static let type = ObjectType(
        "irq-probe", parent: "device", summary: "Records the levels of its input pins (tests only)",
        pins: [PinDescriptor("in", .input, count: 16, doc: "Observed lines")],
        instanceClass: IRQProbe.self)

    private(set) var levels = [Bool](repeating: false, count: 16)
    /// Every change as (pin, level), in order.
    private(set) var changes: [(pin: Int, level: Bool)] = []

    override func inputChanged(group: String, index: Int, level: Bool) {
        levels[index] = level
        changes.append((index, level))
    }
}

/// A machine with one device under test, built in code: one cluster per
/// mapping, the device's IRQ outputs wired to an `IRQProbe`.
struct DeviceBench {
    let machine: Machine
    let device: SimObject
    let clusters: [Cluster]
    let probe: IRQProbe

    var cluster: Cluster { clusters[0] }
    var serial: String { machine.serial.text }

    static func registry() -> TypeRegistry {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        registry.registerBuiltin(IRQProbe.type)
        registry.registerBuiltin(ToyCPU.type)
        return registry
    }

    /// Builds and realizes the machine.
    /// - Parameters:
    ///   - mappings: (space, region, address) per cluster; cluster `i` gets mapping `i`.
    ///   - irqs: output pins of the device, wired to `probe.in[0...]` in order.
    init(type: String, name: String = "dut", properties: [(String, String)] = [],
         mappings: [(space: String, region: String, address: UInt64)], irqs: [String] = ["irq"]) throws {
        machine = try Machine(registry: Self.registry())
        device = try machine.addChild(name, type: type)
        for (key, value) in properties { try device.setProperty(key, parsing: value) }
        var clusters: [Cluster] = []
        for (i, m) in mappings.enumerated() {
            let cluster = try machine.addChild("c\(i)", type: "cluster", as: Cluster.self)
            try cluster.map(RegionMapping(space: m.space, objectPath: device.path, region: m.region, address: m.address))
            clusters.append(cluster)
        }
        self.clusters = clusters
        probe = try machine.addChild("probe", type: "irq-probe", as: IRQProbe.self)
        for (i, pin) in irqs.enumerated() { try machine.connect("\(name).\(pin)", to: "probe.in[\(i)]") }
        try machine.realizeMachine()
    }

    /// Advances virtual time to `t` (absolute), firing due device events.
    func advance(to t: VirtualTime) { machine.clock.advance(to: t) }
    var now: VirtualTime { machine.clock.now }
}

extension VirtualTime {
    static func ps(_ n: UInt64) -> VirtualTime { VirtualTime(picoseconds: n) }
}

/// Exact character time in picoseconds of `10 * 16 * divisor / clock` with the
/// divisor given as a fraction `numerator / denominator`; rounded down.
func exactCharacterTime(clock: UInt64, divisorNumerator: UInt64, divisorDenominator: UInt64) -> UInt64 {
    // 10 bits * 16 samples * 1e12 ps, kept in 128 bits so nothing overflows.
    let product = (10 * 16 * divisorNumerator).multipliedFullWidth(by: 1_000_000_000_000)
    let (q, _) = (divisorDenominator * clock).dividingFullWidth(product)
    return q
}
