import ChimeraCore
import CLibFDT

/// A flattened device tree blob (DTB, Devicetree Specification v0.4
/// chapter 5): written from a `DeviceTreeNode` with libfdt's
/// sequential-write API, or read from a user's file and checked with
/// libfdt before anything uses it.
public struct FlattenedDeviceTree: Hashable, Sendable {
    /// The blob, exactly `totalsize` bytes.
    public private(set) var bytes: [UInt8]

    /// `0xd00dfeed`, big-endian at offset 0.
    public static let magic: UInt32 = 0xD00D_FEED
    /// The largest blob written: far beyond any tree a board describes.
    static let maximumSize = 16 << 20

    /// Flattens `root` (whose name must be empty). Properties and children
    /// are written in their array order, so the blob is a pure function of the tree.
    public init(root: DeviceTreeNode) throws(ChimeraError) {
        var capacity = 16 << 10
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let status = buffer.withUnsafeMutableBytes { raw -> Int32 in
                let fdt = raw.baseAddress!
                var r = fdt_create(fdt, Int32(raw.count))
                if r == 0 { r = fdt_finish_reservemap(fdt) }
                if r == 0 { r = FlattenedDeviceTree.write(root, into: fdt) }
                if r == 0 { r = fdt_finish(fdt) }
                return r
            }
            if status == -FDT_ERR_NOSPACE && capacity < FlattenedDeviceTree.maximumSize {
                capacity *= 2
                continue
            }
            guard status == 0 else {
                throw ChimeraError(.generic, "cannot write the device tree: \(FlattenedDeviceTree.describe(status))")
            }
            bytes = Array(buffer[..<Int(FlattenedDeviceTree.totalSize(of: buffer))])
            return
        }
    }

    private static func write(_ node: DeviceTreeNode, into fdt: UnsafeMutableRawPointer) -> Int32 {
        var r = fdt_begin_node(fdt, node.name)
        for p in node.properties where r == 0 {
            r = p.value.withUnsafeBytes { fdt_property(fdt, p.name, $0.baseAddress, Int32($0.count)) }
        }
        for child in node.children where r == 0 { r = write(child, into: fdt) }
        return r == 0 ? fdt_end_node(fdt) : r
    }

    /// Reads the DTB at `path` (at most `limit` bytes) and checks its header
    /// and structure; anything else is one error naming the file.
    public init(contentsOf path: String, limit: UInt64) throws(ChimeraError) {
        let data = try HostFile.read(path, limit: limit, what: "device tree")
        do { try self.init(bytes: data) } catch {
            throw ChimeraError(.generic, error.message, at: ErrorLocation(file: path))
        }
    }

    /// Checks `data` as a DTB: magic, a header libfdt accepts, a `totalsize`
    /// within the data, and a structure block that parses to the end.
    public init(bytes data: [UInt8]) throws(ChimeraError) {
        func failure(_ why: String) -> ChimeraError {
            ChimeraError(.generic, "not a flattened device tree (DTB): \(why)")
        }
        guard data.count >= 40 else { throw failure("\(data.count) bytes is shorter than the 40-byte header") }
        let found = FlattenedDeviceTree.bigEndian32(data, at: 0)
        guard found == FlattenedDeviceTree.magic else {
            throw failure("the magic number is 0x\(String(found, radix: 16)), not 0xd00dfeed")
        }
        let total = FlattenedDeviceTree.totalSize(of: data)
        guard total <= UInt32(data.count) else {
            throw failure("the header says \(total) bytes but the file has \(data.count)")
        }
        let checked = data.withUnsafeBytes { raw -> Int32 in
            let header = fdt_check_header(raw.baseAddress)
            return header == 0 ? fdt_check_full(raw.baseAddress, Int(total)) : header
        }
        guard checked == 0 else { throw failure(FlattenedDeviceTree.describe(checked)) }
        bytes = Array(data[..<Int(total)])
    }

    /// The value of property `name` of the node at `path` (`/chosen`), or nil.
    public func property(_ name: String, at path: String) -> [UInt8]? {
        bytes.withUnsafeBytes { raw -> [UInt8]? in
            let node = fdt_path_offset(raw.baseAddress, path)
            guard node >= 0 else { return nil }
            var length: Int32 = 0
            guard let value = fdt_getprop(raw.baseAddress, node, name, &length), length >= 0 else { return nil }
            return Array(UnsafeRawBufferPointer(start: value, count: Int(length)))
        }
    }

    /// Sets `properties` on the node at `/chosen` (creating it if needed), the
    /// way a boot loader fills in a tree it was given: `bootargs` and the initrd range.
    public mutating func setChosen(_ properties: [DeviceTreeProperty]) throws(ChimeraError) {
        guard !properties.isEmpty else { return }
        let room = bytes.count + properties.reduce(256) { $0 + $1.name.utf8.count + $1.value.count + 16 }
        var out = [UInt8](repeating: 0, count: room)
        let source = bytes
        let status = out.withUnsafeMutableBytes { raw -> Int32 in
            let fdt = raw.baseAddress!
            var r = source.withUnsafeBytes { fdt_open_into($0.baseAddress, fdt, Int32(raw.count)) }
            guard r == 0 else { return r }
            var chosen = fdt_path_offset(fdt, "/chosen")
            if chosen == -FDT_ERR_NOTFOUND { chosen = fdt_add_subnode(fdt, 0, "chosen") }
            guard chosen >= 0 else { return chosen }
            for p in properties where r == 0 {
                r = p.value.withUnsafeBytes { fdt_setprop(fdt, chosen, p.name, $0.baseAddress, Int32($0.count)) }
            }
            return r == 0 ? fdt_pack(fdt) : r
        }
        guard status == 0 else {
            throw ChimeraError(.generic, "cannot set /chosen in the device tree: \(FlattenedDeviceTree.describe(status))")
        }
        bytes = Array(out[..<Int(FlattenedDeviceTree.totalSize(of: out))])
    }

    static func totalSize(of data: [UInt8]) -> UInt32 { bigEndian32(data, at: 4) }

    private static func bigEndian32(_ data: [UInt8], at offset: Int) -> UInt32 {
        data[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    private static func describe(_ status: Int32) -> String {
        String(cString: fdt_strerror(status))
    }
}
