import ChimeraCore
import CLibELF
#if canImport(Glibc)
import Glibc
#endif

/// A parsed ELF kernel: its loadable segments, entry point and symbols,
/// read through libelf. Parsing checks everything that does not depend on
/// the target machine; `ELFLoader` checks the rest.
public struct ELFFile: Sendable {
    /// One `PT_LOAD` segment.
    public struct Segment: Hashable, Sendable {
        /// Physical load address (`p_paddr`; the MMU is off at boot).
        public var physicalAddress: UInt64
        /// Virtual address (`p_vaddr`), used to place the entry point.
        public var virtualAddress: UInt64
        /// Bytes from the file (`p_filesz`).
        public var bytes: [UInt8]
        /// Size in memory (`p_memsz`); the rest after `bytes` is zero-filled.
        public var memorySize: UInt64
    }

    public var path: String
    /// `EM_*` machine number.
    public var machine: UInt16
    public var is64Bit: Bool
    /// `e_entry` (virtual).
    public var entry: UInt64
    public var segments: [Segment]
    public var symbols: SymbolTable

    /// Architecture named by `machine`, if Chimera has cores for it.
    public var architecture: Architecture? {
        Architecture.known.first { $0.elfMachine == machine }
    }

    /// Reads and checks `path`. Every problem is one `ChimeraError` naming the file.
    /// Files larger than `limit` bytes are refused before anything is read
    /// (`ResourceLimits.fileSize`); a FIFO or device is refused before `open`.
    public init(path: String, limit: UInt64 = ResourceLimits().fileSize) throws(ChimeraError) {
        func failure(_ message: String) -> ChimeraError { ChimeraError(.generic, message, at: ErrorLocation(file: path)) }
        guard elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE) else { throw failure("libelf is unusable") }
        let (fd, fileSize) = try HostFile.openForReading(path, limit: limit, what: "kernel")
        defer { close(fd) }
        guard let elf = elf_begin(fd, ELF_C_READ, nil) else { throw failure("libelf cannot read it: \(String(cString: elf_errmsg(-1)))") }
        defer { elf_end(elf) }
        guard elf_kind(elf) == ELF_K_ELF else { throw failure("not an ELF file") }
        var identSize = 0
        guard let ident = elf_getident(elf, &identSize), identSize >= Int(EI_NIDENT) else {
            throw failure("truncated ELF identification")
        }
        let elfClass = Int32(ident[Int(EI_CLASS)]), data = Int32(ident[Int(EI_DATA)])
        guard elfClass == ELFCLASS32 || elfClass == ELFCLASS64 else { throw failure("unknown ELF class \(elfClass)") }
        guard data == ELFDATA2LSB else { throw failure("big-endian ELF files are not supported (Chimera's cores are little-endian)") }
        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else { throw failure("truncated ELF header: \(String(cString: elf_errmsg(-1)))") }
        guard header.e_type == UInt16(ET_EXEC) else {
            throw failure("not an executable (e_type \(header.e_type)); link the kernel as a static executable")
        }
        self.path = path
        machine = header.e_machine
        is64Bit = elfClass == ELFCLASS64
        entry = header.e_entry

        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else { throw failure("cannot read program headers: \(String(cString: elf_errmsg(-1)))") }
        var segments: [Segment] = []
        for i in 0..<count {
            var ph = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(i), &ph) != nil else { throw failure("truncated program header \(i)") }
            guard ph.p_type == UInt32(PT_LOAD), ph.p_memsz > 0 else { continue }
            guard ph.p_filesz <= ph.p_memsz else {
                throw failure("segment \(i) has more file bytes (\(ph.p_filesz)) than memory bytes (\(ph.p_memsz))")
            }
            let (end, overflow) = ph.p_offset.addingReportingOverflow(ph.p_filesz)
            guard !overflow, end <= fileSize else {
                throw failure("truncated: segment \(i) needs file bytes up to \(ph.p_offset &+ ph.p_filesz) but the file has \(fileSize)")
            }
            guard ph.p_paddr.addingReportingOverflow(ph.p_memsz).overflow == false else {
                throw failure("segment \(i) wraps around the end of the address space")
            }
            // Each segment is read on its own, so memory follows what is loaded, not the file size.
            guard let bytes = ELFFile.read(fd: fd, offset: ph.p_offset, count: ph.p_filesz) else {
                throw failure("cannot read segment \(i): \(String(cString: strerror(errno)))")
            }
            segments.append(Segment(physicalAddress: ph.p_paddr, virtualAddress: ph.p_vaddr,
                                    bytes: bytes, memorySize: ph.p_memsz))
        }
        guard !segments.isEmpty else { throw failure("no loadable (PT_LOAD) segments") }
        let sorted = segments.sorted { $0.physicalAddress < $1.physicalAddress }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.physicalAddress + a.memorySize > b.physicalAddress {
            throw failure("segments overlap: 0x\(String(a.physicalAddress, radix: 16))+0x\(String(a.memorySize, radix: 16)) and 0x\(String(b.physicalAddress, radix: 16))")
        }
        let entryPoint = header.e_entry
        guard segments.contains(where: { entryPoint >= $0.virtualAddress && entryPoint - $0.virtualAddress < $0.memorySize }) else {
            throw failure("entry point 0x\(String(entryPoint, radix: 16)) is outside every loaded segment")
        }
        self.segments = segments
        symbols = ELFFile.readSymbols(elf)
    }

    /// The physical address the entry point is loaded at.
    public var physicalEntry: UInt64 {
        for s in segments where entry >= s.virtualAddress && entry - s.virtualAddress < s.memorySize {
            return s.physicalAddress + (entry - s.virtualAddress)
        }
        return entry
    }

    /// `count` bytes at `offset`, read in chunks of at most 16 MiB.
    private static func read(fd: Int32, offset: UInt64, count: UInt64) -> [UInt8]? {
        guard let total = Int(exactly: count), let start = Int(exactly: offset) else { return nil }
        var out = [UInt8](repeating: 0, count: total)
        var done = 0
        while done < total {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, min(total - done, 1 << 24), off_t(start + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            done += n
        }
        return out
    }

    private static func readSymbols(_ elf: OpaquePointer) -> SymbolTable {
        var symbols: [SymbolTable.Symbol] = []
        var section = elf_nextscn(elf, nil)
        while let scn = section {
            var sh = GElf_Shdr()
            if gelf_getshdr(scn, &sh) != nil, sh.sh_type == UInt32(SHT_SYMTAB), sh.sh_entsize > 0,
               let data = elf_getdata(scn, nil) {
                let count = Int(sh.sh_size / sh.sh_entsize)
                for i in 0..<count {
                    var sym = GElf_Sym()
                    guard gelf_getsym(data, Int32(i), &sym) != nil, sym.st_name != 0,
                          let name = elf_strptr(elf, Int(sh.sh_link), Int(sym.st_name)) else { continue }
                    let type = Int32(sym.st_info & 0xF)
                    guard type == STT_FUNC || type == STT_OBJECT || type == STT_NOTYPE, sym.st_shndx != 0 else { continue }
                    symbols.append(SymbolTable.Symbol(name: String(cString: name), address: sym.st_value, size: sym.st_size))
                }
            }
            section = elf_nextscn(elf, scn)
        }
        return SymbolTable(symbols)
    }
}
