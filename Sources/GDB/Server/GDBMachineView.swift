import ChimeraCore

/// The machine as one gdb connection sees it: each cluster it serves whose
/// cores gdb can describe is a process (pid 1, 2, … in composition-tree
/// order), each of its cores a thread (tid 1, 2, …). Built once after
/// realize; the tree does not change while a debugger is attached.
struct GDBMachineView {
    struct Process {
        let pid: Int
        let cluster: Cluster
        let cores: [CPUDevice]
        let description: GDBArchitectureDescription
        let xml: [UInt8]
    }

    let processes: [Process]

    /// The view of `clusters` (every cluster of `machine` when nil).
    init(machine: Machine, clusters: [Cluster]? = nil) {
        var list: [Process] = []
        for cluster in machine.clusters where clusters?.contains(where: { $0 === cluster }) ?? true {
            let cores = cluster.cpus
            guard let first = cores.first, let description = GDBArchitectureDescription(for: first.architecture),
                  cores.allSatisfy({ $0.architecture == first.architecture }) else { continue }
            list.append(Process(pid: list.count + 1, cluster: cluster, cores: cores, description: description,
                                xml: Array(description.xml().utf8)))
        }
        processes = list
    }

    func process(_ pid: Int) -> Process? {
        pid >= 1 && pid <= processes.count ? processes[pid - 1] : nil
    }

    func process(of cpu: CPUDevice) -> Process? {
        processes.first { $0.cores.contains { $0 === cpu } }
    }

    func threadID(of cpu: CPUDevice) -> GDBThreadID? {
        guard let p = process(of: cpu), let index = p.cores.firstIndex(where: { $0 === cpu }) else { return nil }
        return GDBThreadID(process: .id(p.pid), thread: .id(index + 1))
    }

    /// The cores `id` names among the processes in `attached` (all of them
    /// for `-1`, the first for `0`).
    func cores(_ id: GDBThreadID, among attached: [Int]) -> [CPUDevice] {
        var found: [CPUDevice] = []
        for pid in attached {
            guard let p = process(pid) else { continue }
            for (i, core) in p.cores.enumerated() where id.matches(process: pid, thread: i + 1) { found.append(core) }
        }
        if case .any = id.thread, let first = found.first { return [first] }
        return found
    }
}
