import ChimeraBoards
import ChimeraCore
import ChimeraGDB
import ChimeraMonitor

/// The ports `--gdb` asks for: `tcp:[HOST]:PORT` serves every cluster no
/// other port names, `SELECTOR=tcp:[HOST]:PORT` serves the clusters of the
/// cores SELECTOR names (a cluster, as for `--kernel`; a core stands for
/// its cluster).
public enum GDBPorts {
    /// One port per argument, in order; errors name the argument.
    public static func parse(_ arguments: [String], in machine: Machine) throws(ChimeraError)
        -> [(clusters: [Cluster]?, endpoint: MonitorEndpoint)] {
        var ports: [(clusters: [Cluster]?, endpoint: MonitorEndpoint)] = []
        for argument in arguments {
            var selector: String?
            var text = argument
            if !argument.hasPrefix("tcp:"), let eq = argument.firstIndex(of: "=") {
                selector = String(argument[..<eq])
                text = String(argument[argument.index(after: eq)...])
            }
            guard text.hasPrefix("tcp:") else {
                throw ChimeraError(.generic, "--gdb '\(argument)': use tcp:[HOST]:PORT or SELECTOR=tcp:[HOST]:PORT, e.g. tcp::1234 or arm=tcp::1235")
            }
            let endpoint = try MonitorEndpoint(parsing: text, option: "--gdb")
            guard let selector else {
                ports.append((nil, endpoint))
                continue
            }
            guard !selector.isEmpty else { throw ChimeraError(.generic, "--gdb '\(argument)': the SELECTOR before '=' is empty") }
            var clusters: [Cluster] = []
            do {
                for cpu in try KernelSelector.cores(selector, in: machine) {
                    if let c = cpu.cluster, !clusters.contains(where: { $0 === c }) { clusters.append(c) }
                }
            } catch {
                throw ChimeraError(error.errorClass, "--gdb '\(argument)': \(error.message)")
            }
            ports.append((clusters, endpoint))
        }
        return ports
    }
}
