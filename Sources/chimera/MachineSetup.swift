import ArgumentParser
import ChimeraCore
import ChimeraBoards
import Foundation

/// Where boards are found: `--boards DIR`, `CHIMERA_BOARD_PATH`, `./boards`,
/// and `boards/` next to (or above) the executable.
struct BoardSearchOptions: ParsableArguments {
    @Option(name: .customLong("boards"), help: "Extra folder to search for board files (repeatable).")
    var boardDirectories: [String] = []

    var loader: BoardLoader {
        var paths = boardDirectories
        if let env = ProcessInfo.processInfo.environment["CHIMERA_BOARD_PATH"] {
            paths += env.split(separator: ":").map(String.init)
        }
        paths.append(FileManager.default.currentDirectoryPath + "/boards")
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            paths.append(dir.appendingPathComponent("boards").path)
            dir = dir.deletingLastPathComponent()
        }
        var unique: [String] = []
        for p in paths where !unique.contains(p) && FileManager.default.fileExists(atPath: p) { unique.append(p) }
        return BoardLoader(searchPaths: unique)
    }
}

/// Options that shape the machine: board parameters, extra objects, globals, kernels.
struct MachineOptions: ParsableArguments {
    @OptionGroup var search: BoardSearchOptions

    @Option(name: .customShort("p"), help: ArgumentHelp("Board parameter NAME=VALUE (repeatable).", valueName: "name=value"))
    var parameters: [String] = []

    @Option(name: .customLong("kernel"), help: ArgumentHelp("Load a kernel into cores: SELECTOR=FILE, an ELF or an arm64 Linux Image (or Image.gz), where SELECTOR is a core path, a partial path (arm.cpu[0]) or a cluster (x86).", valueName: "selector=file"))
    var kernels: [String] = []

    @Option(name: .customLong("initrd"), help: ArgumentHelp("Linux initrd for the Image kernel of the selected cores: SELECTOR=FILE (a cluster, usually).", valueName: "selector=file"))
    var initrds: [String] = []

    @Option(name: .customLong("append"), help: ArgumentHelp("Linux command line for the Image kernel of the selected cores: SELECTOR=\"TEXT\".", valueName: "selector=text"))
    var appends: [String] = []

    @Option(name: .customLong("dtb"), help: ArgumentHelp("Device tree blob to pass instead of the generated one: SELECTOR=FILE.", valueName: "selector=file"))
    var dtbs: [String] = []

    @Option(name: .customLong("kaslr-seed"), help: ArgumentHelp("/chosen/kaslr-seed for the Image kernel of the selected cores, as a boot loader with entropy gives it: SELECTOR=INTEGER. Turns KASLR (and KPTI) on; the seed is fixed, so runs stay deterministic.", valueName: "selector=n"))
    var kaslrSeeds: [String] = []

    @Option(name: .customLong("device", withSingleDash: true), help: ArgumentHelp("Add a device: TYPE,id=PATH,prop=value,…", valueName: "type,id=path,…"))
    var devices: [String] = []

    @Option(name: .customLong("object", withSingleDash: true), help: ArgumentHelp("Add an object: TYPE,id=PATH,prop=value,…", valueName: "type,id=path,…"))
    var objects: [String] = []

    @Option(name: .customLong("global", withSingleDash: true), help: ArgumentHelp("Default a property for every object of a type: TYPE.PROP=VALUE", valueName: "type.prop=value"))
    var globals: [String] = []

    @Option(name: .customLong("quantum"), help: "Scheduler quantum, 1ns to 1s, e.g. 1us, 10us, 1ms.")
    var quantum: String?

    @Option(name: .customLong("limit"), help: ArgumentHelp("Raise or lower a resource limit: objects=N, cores=N, file-size=SIZE (Documentation/Limits.md).", valueName: "name=value"))
    var limits: [String] = []

    /// The limits after every --limit.
    func resourceLimits() throws(ChimeraError) -> ResourceLimits {
        var result = ResourceLimits()
        for l in limits { try result.set(l) }
        return result
    }

    /// Expands the board, applies every option and returns the unrealized machine.
    func buildMachine(board name: String, registry: TypeRegistry) throws(ChimeraError) -> (Machine, ExpandedBoard) {
        var params: [(String, String)] = []
        for p in parameters {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                throw ChimeraError(.generic, "invalid -p '\(p)': expected NAME=VALUE")
            }
            params.append((String(p[..<eq]), String(p[p.index(after: eq)...])))
        }
        var loader = search.loader
        loader.limits = try resourceLimits()
        let board = try loader.load(name, parameters: params, registry: registry)
        let machine = try board.build(registry: registry)
        for spec in devices + objects {
            var kv = try Keyval.parse(spec, implicitKey: "driver")
            guard let type = kv.removeValue(forKey: "driver") ?? kv.removeValue(forKey: "qom-type") else {
                throw ChimeraError(.generic, "'\(spec)': the first item must be the type")
            }
            guard let id = kv.removeValue(forKey: "id") else {
                throw ChimeraError(.generic, "'\(spec)': give id=PATH, the new object's path (e.g. id=arm/uart1)")
            }
            var props = [(String, Value)]()
            for (k, v) in kv { props.append((k, .string(v))) }
            try machine.execute(.objectAdd(type: type, path: id, properties: .init(props, uniquingKeysWith: { a, _ in a })))
        }
        for g in globals {
            guard let eq = g.firstIndex(of: "="), let dot = g[..<eq].firstIndex(of: ".") else {
                throw ChimeraError(.generic, "invalid -global '\(g)': expected TYPE.PROPERTY=VALUE")
            }
            let type = String(g[..<dot]), property = String(g[g.index(after: dot)..<eq]), value = String(g[g.index(after: eq)...])
            let objectType = try registry.type(named: type)
            // Checked against the type even when no object uses the default, so a typo never passes silently.
            guard let descriptor = registry.allProperties(of: objectType).first(where: { $0.name == property }) else {
                var message = "invalid -global '\(g)': \(type) has no property '\(property)'"
                if let near = nearestName(to: property, in: registry.allProperties(of: objectType).map(\.name)) { message += "; did you mean '\(near)'?" }
                throw ChimeraError(.generic, message)
            }
            do { _ = try descriptor.type.parse(value) } catch {
                throw ChimeraError(.generic, "invalid -global '\(g)': \(error.message)")
            }
            for object in machine.objects(ofType: type) {
                let d = try object.descriptor(of: property)
                if (try object.property(property)) == d.defaultValue { try object.setProperty(property, parsing: value) }
            }
        }
        if let quantum { try machine.setProperty("quantum", parsing: quantum) }
        for command in try KernelSelector.loadCommands(kernels: kernels, initrds: initrds, appends: appends, dtbs: dtbs, kaslrSeeds: kaslrSeeds,
                                                        in: machine) {
            try machine.execute(command)
        }
        return (machine, board)
    }
}
