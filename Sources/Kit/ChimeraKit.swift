@_exported import ChimeraCore
@_exported import ChimeraScheduler
import ChimeraDevices
import ChimeraARM
import ChimeraX86
import ChimeraLoader

/// The façade over all of Chimera's modules: the registry of every shipped
/// type, and `TestMachine` for driving simulations from users' own tests.
public enum ChimeraKit {
    /// A registry with every type the shipped modules provide, in module order.
    public static func standardRegistry() -> TypeRegistry {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        ARM.register(into: &registry)
        X86.register(into: &registry)
        Loader.register(into: &registry)
        return registry
    }

    /// Sends every UART that would print on stdout to the machine's serial
    /// log only (tests, `--quiet`).
    public static func silenceUARTs(_ machine: Machine) throws(ChimeraError) {
        for object in machine.subtree where object.propertyDescriptors.contains(where: { $0.name == "output" }) {
            if object.stringProperty("output") == "stdout" { try object.setProperty("output", "buffer") }
        }
    }
}
