import ChimeraCore

/// A minimal reader of little-endian ELF files for tests that need to place
/// a kernel in memory before the libelf loader is involved: PT_LOAD
/// segments, the entry point and the symbol table.
public struct ELFImage {
    /// One loadable segment: file bytes and the zero-filled memory size.
    public struct Segment {
        public var address: UInt64
        public var bytes: [UInt8]
        public var memorySize: UInt64
    }

    public var machine: UInt16
    public var entry: UInt64
    public var segments: [Segment] = []
    /// Symbol name to value, from `.symtab`.
    public var symbols: [String: UInt64] = [:]

    /// Parses the file at `path`.
    public init(path: String) throws {
        guard let data = FileBytes.read(path) else { throw ChimeraError(.generic, "\(path): cannot read") }
        try self.init(bytes: data, name: path)
    }

    /// Parses ELF bytes.
    public init(bytes b: [UInt8], name: String = "ELF") throws {
        func u16(_ o: Int) -> UInt64 { UInt64(b[o]) | UInt64(b[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt64 { u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) -> UInt64 { u32(o) | u32(o + 4) << 32 }
        guard b.count >= 52, b[0] == 0x7F, b[1] == 0x45, b[2] == 0x4C, b[3] == 0x46, b[5] == 1 else {
            throw ChimeraError(.generic, "\(name): not a little-endian ELF file")
        }
        let is64 = b[4] == 2
        machine = UInt16(u16(18))
        entry = is64 ? u64(24) : u32(24)
        let phoff = Int(is64 ? u64(32) : u32(28)), shoff = Int(is64 ? u64(40) : u32(32))
        let phentsize = Int(u16(is64 ? 54 : 42)), phnum = Int(u16(is64 ? 56 : 44))
        let shentsize = Int(u16(is64 ? 58 : 46)), shnum = Int(u16(is64 ? 60 : 48))
        for i in 0..<phnum {
            let o = phoff + i * phentsize
            guard o + phentsize <= b.count, u32(o) == 1 else { continue }  // PT_LOAD
            let offset = Int(is64 ? u64(o + 8) : u32(o + 4))
            let paddr = is64 ? u64(o + 24) : u32(o + 12)
            let filesz = Int(is64 ? u64(o + 32) : u32(o + 16))
            let memsz = is64 ? u64(o + 40) : u32(o + 20)
            guard offset + filesz <= b.count else { throw ChimeraError(.generic, "\(name): truncated segment") }
            segments.append(Segment(address: paddr, bytes: Array(b[offset..<offset + filesz]), memorySize: memsz))
        }
        for i in 0..<shnum {
            let o = shoff + i * shentsize
            guard o + shentsize <= b.count, u32(o + 4) == 2 else { continue }  // SHT_SYMTAB
            let symOff = Int(is64 ? u64(o + 24) : u32(o + 16)), symSize = Int(is64 ? u64(o + 32) : u32(o + 20))
            let link = Int(u32(o + 40 - (is64 ? 0 : 16)))
            let strHeader = shoff + link * shentsize
            let strOff = Int(is64 ? u64(strHeader + 24) : u32(strHeader + 16))
            let entrySize = is64 ? 24 : 16
            for s in stride(from: symOff, to: symOff + symSize, by: entrySize) {
                let nameOff = Int(u32(s))
                let value = is64 ? u64(s + 8) : u32(s + 4)
                var end = strOff + nameOff
                while end < b.count && b[end] != 0 { end += 1 }
                let symbolName = String(decoding: b[(strOff + nameOff)..<end], as: UTF8.self)
                if !symbolName.isEmpty { symbols[symbolName] = value }
            }
        }
    }

    /// Copies every segment into `space` (zero-filling the rest of each).
    public func load(into space: AddressSpace) throws {
        for s in segments {
            var bytes = s.bytes
            if s.memorySize > UInt64(bytes.count) {
                bytes += [UInt8](repeating: 0, count: Int(s.memorySize) - bytes.count)
            }
            if let bad = space.writeBytes(s.address, bytes, allowROM: true) {
                throw ChimeraError(.generic, "segment byte at 0x\(String(bad, radix: 16)) is not backed by RAM or ROM")
            }
        }
    }
}

/// Whole-file reads without Foundation's `Data`.
enum FileBytes {
    static func read(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n > 0 { out.append(contentsOf: buffer[0..<n]) }
            if n < buffer.count { break }
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#endif
