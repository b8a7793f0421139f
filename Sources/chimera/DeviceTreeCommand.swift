import ArgumentParser
import ChimeraCore
import ChimeraLoader
import ChimeraBoards
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `chimera dtb BOARD`: the device tree blob a cluster's Linux gets, like QEMU's `dumpdtb`.
struct DeviceTreeDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dtb",
        abstract: "Write the device tree (binary DTB) that Linux on a cluster gets, like QEMU's dumpdtb.",
        discussion: """
            With --kernel SELECTOR=Image the blob is exactly the one placed in guest RAM, with the
            initrd range of --initrd; without a kernel it describes the board, with --append as bootargs.
            Examples:
              chimera dtb virt-arm64 -p cores=4 --append arm="console=ttyAMA0" -o virt.dtb
              chimera dtb virt-arm64 | dtc -I dtb -O dts
            """)

    @Argument(help: "Board name or file.") var board: String
    @OptionGroup var machineOptions: MachineOptions

    @Option(name: .long, help: "Cluster to describe (default: the first with AArch64 cores).")
    var cluster: String?

    @Option(name: .customShort("o"), help: "Write the blob to FILE instead of stdout.")
    var output: String?

    func run() throws {
        do {
            var options = machineOptions
            var bootargs = ""
            if options.kernels.isEmpty {
                // No kernel: nothing is placed, so only the command line can go into /chosen.
                if !options.initrds.isEmpty {
                    throw ChimeraError(.generic, "--initrd needs --kernel SELECTOR=Image: the initrd goes after the kernel, so its address depends on the Image")
                }
                bootargs = try options.appends.map { a throws(ChimeraError) in try KernelSelector.parse(a, option: "--append").file }.last ?? ""
                options.appends = []
            }
            let (machine, _) = try options.buildMachine(board: board, registry: standardRegistry())
            try machine.realizeMachine()
            let target = try describedCluster(in: machine)
            let loaders = machine.child(named: "kernels")?.children.compactMap { $0 as? GenericLoader } ?? []
            let blob: FlattenedDeviceTree
            if let boot = loaders.first(where: { ($0.linkedObject("cpu") as? CPUDevice)?.cluster === target && $0.linuxBoot != nil }) {
                blob = boot.linuxBoot!.deviceTree
            } else {
                blob = try FlattenedDeviceTree(root: DeviceTree.describe(target, chosen: DeviceTree.Chosen(bootargs: bootargs)))
            }
            try write(blob.bytes)
        } catch {
            throw fail(error)
        }
    }

    private func describedCluster(in machine: Machine) throws(ChimeraError) -> Cluster {
        if let cluster {
            guard let found = try machine.resolve(cluster) as? Cluster else {
                throw ChimeraError(.generic, "--cluster \(cluster) does not name a cluster")
            }
            return found
        }
        guard let first = machine.clusters.first(where: { $0.cpus.contains { $0.architecture == .aarch64 } }) else {
            throw ChimeraError(.generic, "the board has no cluster with AArch64 cores to describe")
        }
        return first
    }

    private func write(_ bytes: [UInt8]) throws(ChimeraError) {
        let path = output ?? "stdout"
        let fd = try output.map { o throws(ChimeraError) in try HostFile.createForWriting(o, what: "device tree") } ?? 1
        defer { if output != nil { close(fd) } }
        let result: Result<Void, ChimeraError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(ChimeraError) in try HostFile.writeAll(fd, buffer, path: path, what: "device tree") }
        }
        try result.get()
    }
}
