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

    /// Parses `SELECTOR=FILE`.
    public static func parse(_ argument: String) throws(ChimeraError) -> (selector: String, file: String) {
        guard let eq = argument.firstIndex(of: "="), eq != argument.startIndex, argument.index(after: eq) != argument.endIndex else {
            throw ChimeraError(.generic, "invalid --kernel '\(argument)': expected SELECTOR=FILE, e.g. arm.cpu[0]=a.elf or x86=b.elf")
        }
        return (String(argument[..<eq]), String(argument[argument.index(after: eq)...]))
    }
}
