/// An input pin of a device: an interrupt request line or other one-bit signal.
///
/// The owner is told of every level change through `SimObject.inputChanged`.
public final class IRQInput {
    public unowned let owner: SimObject
    public let group: String
    public let index: Int
    public private(set) var level = false
    /// Number of asserted outputs driving this input (wired-OR).
    private var drivers = 0

    init(owner: SimObject, group: String, index: Int) {
        self.owner = owner
        self.group = group
        self.index = index
    }

    /// `gic.spi[3]`, or `uart.irq` for a one-pin group.
    public var name: String { owner.pinName(group, index) }

    /// Drives the line directly (used by outputs and by tests).
    public func set(_ newLevel: Bool) {
        guard newLevel != level else { return }
        level = newLevel
        owner.inputChanged(group: group, index: index, level: newLevel)
    }

    func driverChanged(_ asserted: Bool) {
        drivers += asserted ? 1 : -1
        set(drivers > 0)
    }
}

/// An output pin: fans out to any number of inputs. Several outputs on one
/// input form a wired-OR.
public final class IRQOutput {
    public unowned let owner: SimObject
    public let group: String
    public let index: Int
    public private(set) var level = false
    public private(set) var connections: [IRQInput] = []

    init(owner: SimObject, group: String, index: Int) {
        self.owner = owner
        self.group = group
        self.index = index
    }

    /// `uart0.irq`, `mailbox.irq[1]`.
    public var name: String { owner.pinName(group, index) }

    /// Connects this output to `input`; the input sees the current level at once.
    public func connect(to input: IRQInput) {
        connections.append(input)
        if level { input.driverChanged(true) }
    }

    /// Removes the connection to `input`.
    public func disconnect(from input: IRQInput) {
        guard let i = connections.firstIndex(where: { $0 === input }) else { return }
        connections.remove(at: i)
        if level { input.driverChanged(false) }
    }

    /// Drives the line high or low.
    public func set(_ newLevel: Bool) {
        guard newLevel != level else { return }
        level = newLevel
        for c in connections { c.driverChanged(newLevel) }
    }

    public func raise() { set(true) }
    public func lower() { set(false) }
}
