import ChimeraCore

/// Boots an arm64 Linux `Image` on the first core of a cluster following
/// the arm64 boot protocol: the Image, device tree and initrd where
/// `LinuxBootLayout` puts them, X0 = device tree address, X1–X3 = 0,
/// PC = the first byte of the Image, MMU and caches off as the core's
/// reset state leaves them, at the core's reset exception level (EL1).
/// The cluster's other cores stay off until the kernel starts them with PSCI `CPU_ON`.
public enum LinuxLoader {
    /// What one boot placed, for `chimera dtb` and tests.
    public struct Boot: Sendable {
        public var layout: LinuxBootLayout
        public var deviceTree: FlattenedDeviceTree
    }

    /// Loads `image` into `cpu`'s cluster and makes `cpu` boot it. Errors
    /// name the file at fault (Image, initrd or device tree) and the core.
    public static func boot(_ image: LinuxImage, on cpu: CPUDevice, options: KernelBootOptions,
                            limit: UInt64) throws(ChimeraError) -> Boot {
        // The file at fault; the loader's realize adds its own path (as for ELF kernels).
        func failure(_ file: String, _ message: String) -> ChimeraError {
            ChimeraError(.generic, message, at: ErrorLocation(file: file))
        }
        guard cpu.architecture == .aarch64 else {
            throw failure(image.path, "this is an arm64 Linux Image but the core is \(cpu.architecture.rawValue)")
        }
        guard let cluster = cpu.cluster else { throw failure(image.path, "the core is not in a cluster") }
        let banks = cluster.subtree.filter { $0.isA("ram") }.flatMap { DeviceTree.ramRanges(of: $0, in: cluster) }
        guard let ram = banks.min(by: { $0.address < $1.address }) else {
            throw failure(image.path, "\(cluster.path) has no RAM of its own to load the kernel into")
        }
        var initrd: [UInt8]?
        if !options.initrd.isEmpty {
            initrd = try HostFile.read(options.initrd, limit: limit, what: "initrd")
        }
        let layout = try LinuxBootLayout.plan(image, initrdSize: initrd.map { UInt64($0.count) }, ram: ram) { message in
            failure(initrd != nil && message.hasPrefix("the initrd") ? options.initrd : image.path, message)
        }
        var kaslrSeed: UInt64?
        if !options.kaslrSeed.isEmpty {
            // The property parser every integer option uses: decimal, 0x/0o/0b, underscores, range-checked.
            do { kaslrSeed = try ValueType.int(.uint64).parse(options.kaslrSeed).uint64 }
            catch { throw ChimeraError(.generic, "kaslr-seed: \(error.message)") }
        }
        let chosen = DeviceTree.Chosen(bootargs: options.append, initrd: layout.initrd, kaslrSeed: kaslrSeed)
        var tree: FlattenedDeviceTree
        if options.dtb.isEmpty {
            tree = try FlattenedDeviceTree(root: DeviceTree.describe(cluster, chosen: chosen))
        } else {
            do {
                tree = try FlattenedDeviceTree(contentsOf: options.dtb, limit: limit)
                try tree.setChosen(chosen.properties)
            } catch { throw failure(options.dtb, error.message) }
        }
        guard UInt64(tree.bytes.count) <= LinuxBootLayout.block else {
            throw failure(options.dtb.isEmpty ? image.path : options.dtb,
                          "the device tree is \(tree.bytes.count) bytes; the arm64 boot protocol allows at most 2 MiB")
        }

        let memory = cluster.memory
        var pieces: [(file: String, address: UInt64, bytes: [UInt8])] = [
            (image.path, layout.kernel.lowerBound, image.bytes),
            (options.dtb.isEmpty ? image.path : options.dtb, layout.deviceTree.lowerBound, tree.bytes),
        ]
        if let initrd, let range = layout.initrd { pieces.append((options.initrd, range.lowerBound, initrd)) }
        for piece in pieces {
            try ELFLoader.checkBacked(memory, from: piece.address, size: UInt64(max(piece.bytes.count, 1))) { failure(piece.file, $0) }
            if let bad = memory.writeBytes(piece.address, piece.bytes, allowROM: true) {
                throw failure(piece.file, "cannot write guest memory at 0x\(String(bad, radix: 16))")
            }
        }

        let entry = layout.kernel.lowerBound
        do { try cpu.setProperty("reset-pc", .uint(entry)) } catch { throw failure(image.path, error.message) }
        cpu.bootRegisters = [("x0", layout.deviceTree.lowerBound), ("x1", 0), ("x2", 0), ("x3", 0)]
        cpu.bootsPoweredOff = false
        cpu.programCounter = entry
        for register in cpu.bootRegisters { _ = cpu.writeRegister(register.name, register.value) }
        if cpu.powerState == .off { cpu.powerState = .running }
        return Boot(layout: layout, deviceTree: tree)
    }

    /// A secondary core of a Linux cluster: off until PSCI `CPU_ON`, also after a system reset.
    public static func park(_ cpu: CPUDevice) {
        cpu.bootRegisters = []
        cpu.bootsPoweredOff = true
        cpu.powerState = .off
    }
}
