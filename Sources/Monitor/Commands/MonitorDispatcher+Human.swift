import ChimeraCore

/// `human-monitor-command`: the text commands of QEMU's HMP that tools
/// most often send through QMP. Like QEMU, unknown commands are not QMP
/// errors: the returned text says what went wrong.
extension MonitorDispatcher {
    static let infoTopics: [(name: String, doc: String)] = [
        ("qom-tree", "the composition tree"),
        ("qtree", "every object with its property values"),
        ("mtree", "the memory and I/O maps of every cluster"),
        ("registers", "registers of the core given by cpu-index (-a: every core)"),
        ("cpus", "every core with its program counter and power state"),
    ]

    func humanMonitorCommand(_ args: MonitorArguments) throws(ChimeraError) -> Value {
        let line = try args.string("command-line")
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let cpuIndex = try args.optionalInt("cpu-index") ?? 0
        guard let verb = words.first else { return "" }
        switch verb {
        case "info", "i":
            guard words.count >= 2 else { return .string(infoHelp()) }
            return .string(try info(words[1], options: Array(words.dropFirst(2)), cpuIndex: cpuIndex))
        case "help", "h", "?":
            return .string("info SUBCOMMAND -- show machine state; subcommands:\n" + infoHelp())
        default:
            return .string("unknown command: '\(verb)'\n")
        }
    }

    /// Runs one human-monitor line, as `human-monitor-command` does, and
    /// returns its text (gdb's `monitor` passes its commands here).
    public func humanCommand(_ line: String) -> String {
        do {
            let args = MonitorArguments(["command-line": .string(line)], command: "human-monitor-command")
            return try humanMonitorCommand(args).string ?? ""
        } catch {
            return error.message + "\n"
        }
    }

    private func infoHelp() -> String {
        Self.infoTopics.map { "info \($0.name) -- \($0.doc)\n" }.joined()
    }

    private func info(_ topic: String, options: [String], cpuIndex: Int64) throws(ChimeraError) -> String {
        switch topic {
        case "qom-tree": return machine.qomTreeText()
        case "qtree": return qtreeText()
        case "mtree": return mtreeText()
        case "registers": return try registersText(all: options.contains("-a"), cpuIndex: cpuIndex)
        case "cpus": return cpusText(current: cpuIndex)
        default:
            return "unknown info topic: '\(topic)'; topics are:\n" + infoHelp()
        }
    }

    /// The tree with every property value, rendered as a user would type it.
    func qtreeText() -> String {
        var out = ""
        func walk(_ o: SimObject, depth: Int) {
            let indent = String(repeating: "  ", count: depth)
            out += indent + "\(depth == 0 ? o.path : o.name) (\(o.objectType.name))\n"
            for d in o.propertyDescriptors {
                guard let value = (try? o.property(d.name)) ?? nil else { continue }
                var line = indent + "  \(d.name) = \(TypeRegistry.render(value, as: d.type))"
                if d.access == .readOnly { line += " [read-only]" }
                out += line + "\n"
            }
            for c in o.children { walk(c, depth: depth + 1) }
        }
        walk(machine, depth: 0)
        return out
    }

    func mtreeText() -> String {
        var out = ""
        for cluster in machine.clusters {
            out += "\(cluster.path):\n" + cluster.memory.mtreeText()
            if !cluster.io.root.subregions.isEmpty { out += "\n" + cluster.io.mtreeText() }
            out += "\n"
        }
        return out
    }

    private func registersText(all: Bool, cpuIndex: Int64) throws(ChimeraError) -> String {
        let cpus = machine.cpus
        let chosen: [(Int, CPUDevice)]
        if all {
            chosen = Array(cpus.enumerated())
        } else {
            guard cpuIndex >= 0, cpuIndex < Int64(cpus.count) else {
                throw ChimeraError(.generic, "CPU \(cpuIndex) is not present (the machine has \(cpus.count) cores)")
            }
            chosen = [(Int(cpuIndex), cpus[Int(cpuIndex)])]
        }
        var out = ""
        for (i, cpu) in chosen {
            out += "CPU#\(i) \(cpu.path) (\(cpu.architecture.rawValue), \(cpu.powerState.rawValue))\n"
            let names = cpu.registerNames
            let width = names.map(\.count).max() ?? 0
            for row in stride(from: 0, to: names.count, by: 4) {
                let cells = names[row..<min(row + 4, names.count)].map { name -> String in
                    let padded = name.uppercased() + String(repeating: " ", count: width - name.count)
                    return "\(padded)=\(hex(cpu.readRegister(name) ?? 0))"
                }
                out += cells.joined(separator: " ") + "\n"
            }
        }
        return out
    }

    private func cpusText(current: Int64) -> String {
        machine.cpus.enumerated().map { i, cpu in
            "\(Int64(i) == current ? "*" : " ") CPU #\(i): \(cpu.path) (\(cpu.architecture.rawValue)) "
                + "pc=0x\(String(cpu.programCounter, radix: 16)) \(cpu.powerState.rawValue) thread_id=0\n"
        }.joined()
    }
}
