import ChimeraCore

/// Resolves the SELECTOR of `--kernel SELECTOR=FILE`: a core path, a partial
/// path (`arm.cpu[0]`, `cpu[1]`), or a cluster or other container (every
/// core below it).
public enum KernelSelector {
    /// The cores `selector` names, in tree order; an error if none.
    public static func cores(_ selector: String, in machine: Machine) throws(ChimeraError) -> [CPUDevice] {
        let object: SimObject
        do { object = try machine.resolve(selector) } catch {
            throw ChimeraError(error.errorClass, "kernel selector '\(selector)': \(error.message)")
        }
        if let cpu = object as? CPUDevice { return [cpu] }
        let cpus = object.subtree.compactMap { $0 as? CPUDevice }
        guard !cpus.isEmpty else {
            throw ChimeraError(.generic, "kernel selector '\(selector)' names \(object.path), which is neither a core nor holds any")
        }
        return cpus
    }

    /// Parses `SELECTOR=FILE` (or `SELECTOR=TEXT` for `option` `--append`).
    public static func parse(_ argument: String, option: String = "--kernel") throws(ChimeraError) -> (selector: String, file: String) {
        guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex, argument.index(after: eq) != argument.endIndex else {
            let example = option == "--kernel" ? "arm.cpu[0]=a.elf or x86=b.elf"
                : option == "--append" ? "arm=\"console=ttyAMA0\"" : "arm=FILE"
            throw ChimeraError(.generic, "invalid \(option) '\(argument)': expected SELECTOR=\(option == "--append" ? "TEXT" : "FILE"), e.g. \(example)")
        }
        return (String(argument[..<eq]), String(argument[argument.index(after: eq)...]))
    }

    /// The `load-kernel` commands for the command line's `--kernel`, `--initrd`,
    /// `--append` and `--dtb` (each `SELECTOR=VALUE`), in core order of first
    /// mention. A Linux option applies to the kernels of the cores its
    /// selector names, and is an error when none of them has one.
    public static func loadCommands(kernels: [String], initrds: [String] = [], appends: [String] = [], dtbs: [String] = [],
                                    kaslrSeeds: [String] = [], in machine: Machine) throws(ChimeraError) -> [MachineCommand] {
        var entries: [(cpu: CPUDevice, file: String, boot: KernelBootOptions)] = []
        for k in kernels {
            let (selector, file) = try parse(k)
            for cpu in try cores(selector, in: machine) {
                if let i = entries.firstIndex(where: { $0.cpu === cpu }) { entries[i].file = file }
                else { entries.append((cpu, file, KernelBootOptions())) }
            }
        }
        let options: [(name: String, values: [String], field: WritableKeyPath<KernelBootOptions, String>)] = [
            ("--initrd", initrds, \.initrd), ("--append", appends, \.append), ("--dtb", dtbs, \.dtb),
            ("--kaslr-seed", kaslrSeeds, \.kaslrSeed),
        ]
        for option in options {
            for argument in option.values {
                let (selector, value) = try parse(argument, option: option.name)
                let named = try cores(selector, in: machine)
                let matched = entries.indices.filter { i in named.contains { $0 === entries[i].cpu } }
                guard !matched.isEmpty else {
                    throw ChimeraError(.generic, "\(option.name) \(selector): no kernel is loaded on \(selector); "
                                       + "give --kernel \(selector)=Image (a Linux Image) as well")
                }
                for i in matched { entries[i].boot[keyPath: option.field] = value }
            }
        }
        return entries.map { .loadKernel(cpu: $0.cpu.path, file: $0.file, boot: $0.boot) }
    }
}
