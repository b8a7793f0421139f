import ChimeraCore
#if canImport(Glibc)
import Glibc
#endif

/// QEMU's `-device loader` analogue: loads a kernel into a core (an ELF
/// through libelf, or an arm64 Linux Image with its initrd, command line and
/// device tree, told apart by content), a raw file at an address, or writes
/// a value at an address, when realized. Usable from board files, the
/// command line and QMP alike.
public final class GenericLoader: SimObject {
    static let type = ObjectType(
        "loader", parent: "device",
        summary: "Loads an ELF kernel or arm64 Linux Image into a core (or raw bytes or a value at an address) at realize",
        properties: [
            PropertyDescriptor("file", .string, default: "", doc: "ELF kernel, arm64 Linux Image (gzip'd or not), or raw image with force-raw"),
            PropertyDescriptor("initrd", .string, default: "", doc: "Linux initrd, placed after the device tree (Image kernels only)"),
            PropertyDescriptor("append", .string, default: "", doc: "Linux command line, /chosen/bootargs (Image kernels only)"),
            PropertyDescriptor("dtb", .string, default: "",
                               doc: "Device tree blob used instead of the generated one (Image kernels only)"),
            PropertyDescriptor("kaslr-seed", .string, default: "",
                               doc: "/chosen/kaslr-seed, an integer (Image kernels only): KASLR, and with it KPTI"),
            PropertyDescriptor("cpu", .link("cpu"), doc: "Core whose cluster receives the data and, for ELF files, whose entry is set"),
            PropertyDescriptor("addr", .int(.uint64), default: .uint(0), doc: "Address for raw files and data"),
            PropertyDescriptor("data", .int(.uint64), default: .uint(0), doc: "Value written at addr when no file is given"),
            PropertyDescriptor("data-len", .int(IntegerFormat.uint8.limited(to: 0...8)), default: .uint(0),
                               doc: "Size of data in bytes (1, 2, 4 or 8); 0 means no data"),
            PropertyDescriptor("force-raw", .bool, default: false, doc: "Load file as raw bytes at addr, not as ELF"),
            PropertyDescriptor("entry", .int(.uint64), access: .readOnly, doc: "Entry point set by the last load"),
        ],
        instanceClass: GenericLoader.self)

    private var loadedEntry: UInt64?
    /// Where the last Linux boot put the kernel, device tree and initrd, and the tree itself.
    public private(set) var linuxBoot: LinuxLoader.Boot?

    override public var realizeDependencies: [SimObject] {
        // The cluster's map must be in place before anything is copied into it.
        (linkedObject("cpu") as? CPUDevice)?.cluster.map { [$0] } ?? []
    }

    override public func readOnlyValue(of name: String) -> Value? {
        name == "entry" ? loadedEntry.map { .uint($0) } ?? .null : nil
    }

    override public func realize() throws(ChimeraError) {
        guard let cpu = linkedObject("cpu") as? CPUDevice else {
            throw ChimeraError.object(path, "property 'cpu' must name the core to load into")
        }
        let file = stringProperty("file"), address = uintProperty("addr")
        let dataLength = Int(uintProperty("data-len"))
        if !file.isEmpty && boolProperty("force-raw") {
            let bytes: [UInt8]
            do {
                bytes = try HostFile.read(file, limit: (root as? Machine)?.limits.fileSize ?? ResourceLimits().fileSize,
                                          what: "raw image")
            } catch { throw error.at(objectPath: path) }
            guard let memory = cpu.cluster?.memory else { throw ChimeraError.object(path, "the core is not in a cluster") }
            try ELFLoader.checkBacked(memory, from: address, size: UInt64(max(bytes.count, 1))) { message in
                ChimeraError(.generic, message, at: ErrorLocation(file: file, objectPath: path))
            }
            memory.writeBytes(address, bytes, allowROM: true)
        } else if !file.isEmpty {
            try loadKernel(file, into: cpu)
        } else if dataLength > 0 {
            guard [1, 2, 4, 8].contains(dataLength) else { throw ChimeraError.object(path, "data-len must be 1, 2, 4 or 8") }
            guard cpu.cluster?.memory.write(address, size: dataLength, value: uintProperty("data")) == true else {
                throw ChimeraError.object(path, "nothing writable at 0x\(String(address, radix: 16))")
            }
        } else {
            throw ChimeraError.object(path, "give file (ELF or raw with force-raw) or data with data-len")
        }
    }

    private var bootOptions: KernelBootOptions {
        KernelBootOptions(initrd: stringProperty("initrd"), append: stringProperty("append"), dtb: stringProperty("dtb"),
                          kaslrSeed: stringProperty("kaslr-seed"))
    }

    /// Picks the ELF or Linux path by the file's content. Of a cluster's
    /// cores given the same Image, the first (in the cluster's order) boots
    /// it and the others wait for PSCI `CPU_ON`.
    private func loadKernel(_ file: String, into cpu: CPUDevice) throws(ChimeraError) {
        let limit = (root as? Machine)?.limits.fileSize ?? ResourceLimits().fileSize
        let format = try KernelFormat(path: file, limit: limit)
        switch format {
        case .arm64Image, .gzip:
            break
        case .foreignImage(let what):
            throw ChimeraError(.generic, "this is a \(what), not a kernel the \(cpu.architecture.rawValue) core can run",
                               at: ErrorLocation(file: file))
        case .elf, .unknown:
            if !bootOptions.isEmpty {
                let given = bootOptions.fields.filter { !$0.value.isEmpty }.map { "--" + $0.name }
                throw ChimeraError(.generic, "\(given.joined(separator: ", ")) \(given.count == 1 ? "needs" : "need") an arm64 Linux Image kernel, but this kernel is "
                                   + (format == .elf ? "an ELF file" : "not an Image"),
                                   at: ErrorLocation(file: file))
            }
            loadedEntry = try ELFLoader.load(path: file, into: cpu)
            return
        }
        guard let cluster = cpu.cluster else { throw ChimeraError.object(cpu.path, "the core is not in a cluster") }
        let kernels = clusterKernels(of: cluster)
        guard let boot = kernels.first, boot.loader === self else {
            let first = kernels.first!
            guard first.loader.stringProperty("file") == file else {
                throw ChimeraError(.generic, "\(first.cpu.path) boots the Linux Image \(first.loader.stringProperty("file")); "
                                   + "Linux starts the cluster's other cores itself (PSCI CPU_ON), so \(cpu.path) cannot load its own kernel",
                                   at: ErrorLocation(file: file))
            }
            LinuxLoader.park(cpu)
            return
        }
        for other in kernels.dropFirst() where other.loader.stringProperty("file") != file {
            throw ChimeraError(.generic, "\(cpu.path) boots this Linux Image, which starts the cluster's other cores itself "
                               + "(PSCI CPU_ON); \(other.cpu.path) cannot also load \(other.loader.stringProperty("file"))",
                               at: ErrorLocation(file: file))
        }
        let image = try LinuxImage(path: file, limit: limit)
        let result = try LinuxLoader.boot(image, on: cpu, options: bootOptions, limit: limit)
        linuxBoot = result
        loadedEntry = result.layout.kernel.lowerBound
    }

    /// The kernel loaders (this one's siblings) whose cores are in `cluster`, in the cluster's core order.
    private func clusterKernels(of cluster: Cluster) -> [(loader: GenericLoader, cpu: CPUDevice)] {
        let loaders = (parent?.children ?? [self]).compactMap { $0 as? GenericLoader }
        return cluster.cpus.compactMap { core in
            loaders.first { $0.linkedObject("cpu") === core && !$0.stringProperty("file").isEmpty && !$0.boolProperty("force-raw") }
                .map { ($0, core) }
        }
    }
}
