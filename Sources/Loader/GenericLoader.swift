import ChimeraCore
#if canImport(Glibc)
import Glibc
#endif

/// QEMU's `-device loader` analogue: loads an ELF kernel into a core, a raw
/// file at an address, or writes a value at an address, when realized.
/// Usable from board files, the command line and QMP alike.
public final class GenericLoader: SimObject {
    static let type = ObjectType(
        "loader", parent: "device",
        summary: "Loads an ELF kernel into a core (or raw bytes or a value at an address) at realize",
        properties: [
            PropertyDescriptor("file", .string, default: "", doc: "ELF kernel, or raw image with force-raw"),
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
            loadedEntry = try ELFLoader.load(path: file, into: cpu)
        } else if dataLength > 0 {
            guard [1, 2, 4, 8].contains(dataLength) else { throw ChimeraError.object(path, "data-len must be 1, 2, 4 or 8") }
            guard cpu.cluster?.memory.write(address, size: dataLength, value: uintProperty("data")) == true else {
                throw ChimeraError.object(path, "nothing writable at 0x\(String(address, radix: 16))")
            }
        } else {
            throw ChimeraError.object(path, "give file (ELF or raw with force-raw) or data with data-len")
        }
    }
}
