extension SimObject {
    /// `name` for a one-pin group, `name[index]` otherwise.
    func pinName(_ group: String, _ index: Int) -> String {
        let d = registry.allPins(of: objectType).first { $0.name == group }
        let base = path
        return (d?.count ?? 1) == 1 ? "\(base).\(group)" : "\(base).\(group)[\(index)]"
    }

    private func pinDescriptor(_ group: String, _ direction: PinDirection, _ index: Int) throws(ChimeraError) -> PinDescriptor {
        let all = registry.allPins(of: objectType)
        guard let d = all.first(where: { $0.name == group && $0.direction == direction }) else {
            let names = all.filter { $0.direction == direction }.map(\.name)
            var message = "\(objectType.name) has no \(direction == .input ? "input" : "output") pin '\(group)'"
            message += names.isEmpty ? "" : "; \(direction == .input ? "inputs" : "outputs") are: " + names.joined(separator: ", ")
            throw ChimeraError.object(path, message, class: .deviceNotFound)
        }
        guard index >= 0 && index < d.count else {
            throw ChimeraError.object(path, "pin \(group)[\(index)] is out of range: \(group) has \(d.count) pin(s)")
        }
        return d
    }

    /// The input pin `group[index]`, created on first use.
    public func input(_ group: String, _ index: Int = 0) throws(ChimeraError) -> IRQInput {
        _ = try pinDescriptor(group, .input, index)
        let key = PinKey(group: group, index: index)
        if let pin = pins.inputs[key] { return pin }
        let pin = IRQInput(owner: self, group: group, index: index)
        pins.inputs[key] = pin
        return pin
    }

    /// The output pin `group[index]`, created on first use.
    public func output(_ group: String, _ index: Int = 0) throws(ChimeraError) -> IRQOutput {
        _ = try pinDescriptor(group, .output, index)
        let key = PinKey(group: group, index: index)
        if let pin = pins.outputs[key] { return pin }
        let pin = IRQOutput(owner: self, group: group, index: index)
        pins.outputs[key] = pin
        pins.outputOrder.append(key)
        return pin
    }

    /// Outputs that have been used, in creation order (for graphs and exports).
    public var usedOutputs: [IRQOutput] {
        pins.outputOrder.compactMap { pins.outputs[$0] }
    }
}

/// Identifies one pin of a group.
struct PinKey: Hashable {
    var group: String
    var index: Int
}

/// The pins an object has handed out; dictionaries used for lookup only.
final class PinTable {
    var inputs: [PinKey: IRQInput] = [:]
    var outputs: [PinKey: IRQOutput] = [:]
    var outputOrder: [PinKey] = []
}

/// A parsed pin reference such as `gic.spi[3]` or `uart0.irq`.
public struct PinReference: Hashable, Sendable, CustomStringConvertible {
    public var objectPath: String
    public var group: String
    public var index: Int

    /// Parses `path.group` or `path.group[N]`; the last dot separates the pin.
    public init(parsing text: String) throws(ChimeraError) {
        let t = text.trimmingSpaces
        guard let dot = t.lastIndex(of: "."), dot != t.startIndex else {
            throw ChimeraError(.generic, "invalid pin '\(text)': expected OBJECT.PIN or OBJECT.PIN[N], e.g. uart0.irq or gic.spi[3]")
        }
        objectPath = String(t[..<dot])
        var pin = String(t[t.index(after: dot)...])
        index = 0
        if pin.hasSuffix("]"), let open = pin.firstIndex(of: "[") {
            let digits = pin[pin.index(after: open)..<pin.index(before: pin.endIndex)]
            guard let n = Int(digits) else {
                throw ChimeraError(.generic, "invalid pin index in '\(text)': expected a number inside [ ]")
            }
            index = n
            pin = String(pin[..<open])
        }
        guard !pin.isEmpty else { throw ChimeraError(.generic, "invalid pin '\(text)': missing pin name after '.'") }
        group = pin
    }

    public var description: String { "\(objectPath).\(group)[\(index)]" }
}
