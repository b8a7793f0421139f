import ChimeraCore
import OrderedCollections

/// A construction command with the board-file position it came from.
public struct LocatedCommand: Sendable {
    public var command: MachineCommand
    public var location: ErrorLocation
}

/// A board file expanded for one set of parameter values: the commands
/// that build it, plus what `describe` and `run` need to know.
public struct ExpandedBoard: Sendable {
    public var name: String
    public var summary: String
    public var file: String
    public var parameters: [BoardParameter]
    /// Final parameter values, in declaration order.
    public var values: OrderedDictionary<String, Value>
    /// Commands in execution order.
    public var commands: [LocatedCommand]
    /// The limits it was expanded under; the machine it builds keeps them.
    public var limits = ResourceLimits()

    /// The commands alone.
    public var machineCommands: [MachineCommand] { commands.map(\.command) }

    /// The board's machine type: `machine` plus the parameters as properties.
    public var machineType: ObjectType {
        ObjectType(name, parent: "machine", userCreatable: false, summary: summary,
                   properties: parameters.map(\.property), instanceClass: Machine.self)
    }

    /// `registry` with the board's machine type added (once).
    public func registry(extending registry: TypeRegistry) throws(ChimeraError) -> TypeRegistry {
        var copy = registry
        if !copy.contains(name) {
            do { try copy.register(machineType) } catch {
                throw ChimeraError(.generic, "board '\(name)' cannot be registered: \(error.message)", at: ErrorLocation(file: file))
            }
        }
        return copy
    }

    /// Creates the machine and executes every command except realize;
    /// errors carry the board-file position of the offending line.
    public func build(registry: TypeRegistry) throws(ChimeraError) -> Machine {
        let machine = try Machine(registry: try self.registry(extending: registry), type: name)
        machine.limits = limits
        for (key, value) in values { try machine.setProperty(key, value) }
        for located in commands {
            if case .objectAdd(_, let path, _) = located.command { machine.declarations[path] = located.location }
            do { try machine.execute(located.command) } catch {
                var e = error
                e.location = ErrorLocation(file: located.location.file, line: located.location.line,
                                           column: located.location.column, objectPath: error.location?.objectPath)
                throw e
            }
        }
        return machine
    }
}
