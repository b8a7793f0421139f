import ChimeraCore
import CZlib
#if canImport(Glibc)
import Glibc
#endif

/// What a kernel file is, from its first bytes: the loader picks its path by content.
public enum KernelFormat: Hashable, Sendable {
    /// `\x7fELF`: loaded through libelf (`ELFLoader`).
    case elf
    /// An arm64 Linux `Image`: `ARM\x64` at offset 0x38.
    case arm64Image
    /// gzip (`1f 8b`): an `Image.gz`, inflated through zlib.
    case gzip
    /// A Linux image for another architecture, named.
    case foreignImage(String)
    /// Anything else (the ELF path reports it, as it always has).
    case unknown

    /// Offset and value of the arm64 Image magic, "ARM\x64" little-endian.
    static let arm64MagicOffset = 0x38
    static let arm64Magic: [UInt8] = [0x41, 0x52, 0x4D, 0x64]

    /// Classifies a file by its first bytes (at least 64 when the file has them).
    public init(prefix b: [UInt8]) {
        func has(_ bytes: [UInt8], at offset: Int) -> Bool {
            b.count >= offset + bytes.count && Array(b[offset..<offset + bytes.count]) == bytes
        }
        if has([0x7F, 0x45, 0x4C, 0x46], at: 0) { self = .elf }
        else if has(KernelFormat.arm64Magic, at: KernelFormat.arm64MagicOffset) { self = .arm64Image }
        else if has([0x1F, 0x8B], at: 0) { self = .gzip }
        else if has(Array("RSC\u{05}".utf8), at: 0x38) { self = .foreignImage("RISC-V Linux Image") }
        else if has([0x18, 0x28, 0x6F, 0x01], at: 0x24) { self = .foreignImage("32-bit ARM zImage") }
        else if has(Array("HdrS".utf8), at: 0x202) { self = .foreignImage("x86 bzImage") }
        else { self = .unknown }
    }

    /// Reads the first 0x210 bytes of `path` (enough for every magic above) and classifies them.
    public init(path: String, limit: UInt64) throws(ChimeraError) {
        let (fd, size) = try HostFile.openForReading(path, limit: limit, what: "kernel")
        defer { close(fd) }
        var prefix = [UInt8](repeating: 0, count: Int(min(size, 0x210)))
        var done = 0
        while done < prefix.count {
            let n = prefix.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
        self.init(prefix: Array(prefix[..<done]))
    }
}

/// An arm64 Linux kernel `Image` and its 64-byte header (Linux
/// `Documentation/arch/arm64/booting.rst`, "Call the kernel image"), read
/// from an uncompressed file or inflated from an `Image.gz`.
public struct LinuxImage: Sendable {
    /// The file it came from.
    public var path: String
    /// The Image bytes (uncompressed).
    public var bytes: [UInt8]
    /// Bytes from the 2 MiB-aligned base to the first byte of the Image.
    public var textOffset: UInt64
    /// Bytes from the start of the Image the kernel needs free (its BSS
    /// included): the header's `image_size`, or the file size for pre-3.17
    /// kernels that leave it zero.
    public var imageSize: UInt64
    /// The header's `flags`.
    public var flags: UInt64
    /// Whether the file was gzip-compressed.
    public var wasCompressed: Bool

    /// Size of the header at the start of every Image.
    public static let headerSize = 64
    /// text_offset to assume when `image_size` is zero (booting.rst).
    static let legacyTextOffset: UInt64 = 0x80000

    /// Kernel page size from flags bits 2:1 (nil: unspecified).
    public var pageSize: UInt64? {
        switch (flags >> 1) & 3 {
        case 1: return 4 << 10
        case 2: return 16 << 10
        case 3: return 64 << 10
        default: return nil
        }
    }

    /// Flags bit 3: the 2 MiB-aligned base may be anywhere in RAM, not only near its start.
    public var placeAnywhere: Bool { flags & 8 != 0 }

    /// Reads `path` (at most `limit` bytes, and an `Image.gz` inflating to at
    /// most `limit` bytes) and checks its header. Every problem is one error naming the file.
    public init(path: String, limit: UInt64) throws(ChimeraError) {
        let data = try HostFile.read(path, limit: limit, what: "kernel")
        do {
            try self.init(bytes: data, path: path, limit: limit)
        } catch {
            throw ChimeraError(.generic, error.message, at: ErrorLocation(file: path))
        }
    }

    /// Checks `data` as an Image (or a gzip'd one). Errors carry no location.
    public init(bytes data: [UInt8], path: String, limit: UInt64) throws(ChimeraError) {
        self.path = path
        var image = data
        wasCompressed = KernelFormat(prefix: data) == .gzip
        if wasCompressed {
            image = try Gzip.inflate(data, limit: limit)
        }
        switch KernelFormat(prefix: image) {
        case .arm64Image: break
        case .foreignImage(let what):
            throw ChimeraError(.generic, "this is a \(what), not an arm64 Linux Image; the core is aarch64")
        case .elf where wasCompressed:
            throw ChimeraError(.generic, "the gzip data holds an ELF file, not an arm64 Image; give the ELF uncompressed")
        default:
            guard image.count >= LinuxImage.headerSize else {
                throw ChimeraError(.generic, "truncated arm64 Image: \(image.count) bytes is shorter than its 64-byte header")
            }
            throw ChimeraError(.generic, "not an arm64 Linux Image: no \"ARM\\x64\" magic at offset 0x38"
                               + (wasCompressed ? " of the inflated data" : ""))
        }
        guard image.count >= LinuxImage.headerSize else {
            throw ChimeraError(.generic, "truncated arm64 Image: \(image.count) bytes is shorter than its 64-byte header")
        }
        func u64(_ offset: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(image[offset + $1]) << (8 * UInt64($1)) }
        }
        flags = u64(24)
        guard flags & 1 == 0 else {
            throw ChimeraError(.generic, "this is a big-endian arm64 kernel (flags bit 0); Chimera's AArch64 core runs little-endian")
        }
        let size = u64(16)
        if size == 0 {
            textOffset = LinuxImage.legacyTextOffset
            imageSize = UInt64(image.count)
        } else {
            textOffset = u64(8)
            imageSize = size
            guard size >= UInt64(image.count) else {
                throw ChimeraError(.generic, "the header's image_size (\(size) bytes) is smaller than the Image itself (\(image.count) bytes)")
            }
        }
        guard textOffset % 4 == 0, textOffset < 1 << 40 else {
            throw ChimeraError(.generic, "text_offset 0x\(String(textOffset, radix: 16)) is not a usable load offset")
        }
        if let needed = LinuxImage.peSectionsEnd(image), needed > UInt64(image.count) {
            throw ChimeraError(.generic, "truncated arm64 Image: its PE/COFF section table needs \(needed) bytes but "
                               + (wasCompressed ? "the gzip data inflates to \(image.count)" : "the file has \(image.count)"))
        }
        bytes = image
    }

    /// For an EFI-stub Image (res5 at 0x3C points at a "PE\0\0" header):
    /// the end of the last section's file data, which a complete file reaches.
    /// nil when there is no PE header to tell.
    static func peSectionsEnd(_ b: [UInt8]) -> UInt64? {
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt64 { UInt64(u16(o)) | UInt64(u16(o + 2)) << 16 }
        let pe = Int(u32(0x3C))
        guard pe >= headerSize, pe <= b.count - 24, b[pe..<pe + 4].elementsEqual([0x50, 0x45, 0, 0]) else { return nil }
        let sections = u16(pe + 6), table = pe + 24 + u16(pe + 20)
        var end: UInt64 = 0
        for i in 0..<sections {
            let entry = table + 40 * i
            guard entry + 40 <= b.count else { return UInt64(entry + 40) }
            end = max(end, u32(entry + 20) + u32(entry + 16))  // PointerToRawData + SizeOfRawData
        }
        return end
    }
}

/// gzip inflation through zlib, bounded so a small file cannot fill the host's memory.
enum Gzip {
    /// The inflated bytes of the gzip member in `data`; at most `limit` bytes.
    static func inflate(_ data: [UInt8], limit: UInt64) throws(ChimeraError) -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 16: accept the gzip wrapper only.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ChimeraError(.generic, "zlib cannot start inflating")
        }
        defer { inflateEnd(&stream) }
        let cap = Int(min(limit, UInt64(Int.max - 1)))
        var out = [UInt8](repeating: 0, count: min(max(data.count * 4, 1 << 16), cap + 1))
        var status: Int32 = Z_OK
        var input = data
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(truncatingIfNeeded: source.count)
            while status == Z_OK {
                if Int(stream.total_out) == out.count {
                    guard out.count <= cap else { break }
                    out.append(contentsOf: [UInt8](repeating: 0, count: min(out.count, cap + 1 - out.count)))
                }
                let produced = Int(stream.total_out)
                status = out.withUnsafeMutableBufferPointer { dest in
                    stream.next_out = dest.baseAddress! + produced
                    stream.avail_out = UInt32(min(dest.count - produced, Int(UInt32.max)))
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
                if status == Z_BUF_ERROR { status = Z_OK }
            }
        }
        let produced = Int(stream.total_out)
        if produced > cap {
            throw ChimeraError(.generic, "the gzip data inflates to more than \(limit) bytes, the file-size limit (raise it with --limit file-size=SIZE)")
        }
        switch status {
        case Z_STREAM_END:
            return Array(out[..<produced])
        case Z_DATA_ERROR:
            let why = stream.msg.map { String(cString: $0) } ?? "bad data"
            throw ChimeraError(.generic, "corrupt gzip data: \(why)")
        case Z_MEM_ERROR:
            throw ChimeraError(.generic, "zlib ran out of memory inflating the gzip data")
        default:
            throw ChimeraError(.generic, "truncated gzip data: it ends after \(produced) inflated bytes without the end of the stream")
        }
    }
}
