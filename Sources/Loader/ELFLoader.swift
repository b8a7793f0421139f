import ChimeraCore

/// Loads ELF kernels into the address space of a core's cluster.
public enum ELFLoader {
    /// Checks that `file` fits `cpu` (architecture, memory map), copies its
    /// segments, zero-fills the rest of each, sets the core's entry and
    /// symbols, and powers the core on. Errors name the file and the core.
    @discardableResult
    public static func load(_ file: ELFFile, into cpu: CPUDevice) throws(ChimeraError) -> UInt64 {
        func failure(_ message: String) -> ChimeraError {
            ChimeraError(.generic, message, at: ErrorLocation(file: file.path, objectPath: cpu.path))
        }
        guard file.machine == cpu.architecture.elfMachine else {
            let found = file.architecture?.rawValue ?? "machine \(file.machine)"
            throw failure("this is a \(found) kernel but the core is \(cpu.architecture.rawValue)")
        }
        guard let cluster = cpu.cluster else { throw failure("the core is not in a cluster") }
        let memory = cluster.memory
        for s in file.segments {
            try checkBacked(memory, from: s.physicalAddress, size: s.memorySize, failure)
        }
        for s in file.segments {
            if let bad = memory.writeBytes(s.physicalAddress, s.bytes, allowROM: true) {
                throw failure("cannot write segment byte at 0x\(String(bad, radix: 16))")
            }
            let zeros = s.memorySize - UInt64(s.bytes.count)
            if zeros > 0 {
                try zeroFill(memory, from: s.physicalAddress + UInt64(s.bytes.count), count: zeros)
            }
        }
        let entry = file.physicalEntry
        do { try cpu.setProperty("reset-pc", .uint(entry)) } catch { throw failure(error.message) }
        cpu.programCounter = entry
        cpu.symbols = file.symbols
        if cpu.powerState == .off { cpu.powerState = .running }
        return entry
    }

    /// Reads `path` and loads it into `cpu`.
    @discardableResult
    public static func load(path: String, into cpu: CPUDevice) throws(ChimeraError) -> UInt64 {
        let entry = try load(ELFFile(path: path, limit: (cpu.root as? Machine)?.limits.fileSize ?? ResourceLimits().fileSize),
                             into: cpu)
        cpu.kernelFile = path
        return entry
    }

    /// Every byte of `[from, from+size)` must be RAM or ROM: never MMIO, never unmapped.
    static func checkBacked(_ memory: AddressSpace, from start: UInt64, size: UInt64,
                            _ failure: (String) -> ChimeraError) throws(ChimeraError) {
        var address = start
        let end = start + size
        while address < end {
            switch memory.target(of: address) {
            case .ram(_, let available, _, _, _):
                address = available >= end - address ? end : address + available
            case .mmio:
                throw failure("segment at 0x\(String(start, radix: 16)) (0x\(String(size, radix: 16)) bytes) overlaps device registers at 0x\(String(address, radix: 16))")
            case .unmapped:
                throw failure("segment at 0x\(String(start, radix: 16)) (0x\(String(size, radix: 16)) bytes) is outside RAM and ROM (nothing at 0x\(String(address, radix: 16)))")
            }
        }
    }

    private static func zeroFill(_ memory: AddressSpace, from start: UInt64, count: UInt64) throws(ChimeraError) {
        var address = start
        let end = start + count
        while address < end {
            guard case .ram(let pointer, let available, let block, let offset, _) = memory.target(of: address) else { return }
            let n = min(available, end - address)
            pointer.initializeMemory(as: UInt8.self, repeating: 0, count: Int(n))
            block.codeWritten(offset: offset, length: n)
            address += n
        }
    }
}
