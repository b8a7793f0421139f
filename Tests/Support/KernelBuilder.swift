import Foundation

/// A platform layer under `Tests/Kernels/platform/<rawValue>/` that a guest program can be built for.
public enum KernelPlatform: String, CaseIterable, Sendable {
    /// AArch64 at EL1 on QEMU `virt`: PL011 console, semihosting exit, linked at 0x4008_0000.
    case arm64Virt = "arm64-virt"
    /// x86-64 entered in long mode: COM1 console, port 0xF4 exit, linked at 0x20_0000.
    case x86_64PC = "x86_64-pc"
    /// AArch64 with no devices: console to `lockstep_out`, exit to `lockstep_exit_code` + `lockstep_halt`.
    case arm64Lockstep = "arm64-lockstep"
    /// x86-64 with no devices: console to `lockstep_out`, exit to `lockstep_exit_code` + `lockstep_halt`.
    case x86_64Lockstep = "x86_64-lockstep"
    /// A static x86-64 Linux process (write/exit_group syscalls), used for reference output.
    case linuxUserX86_64 = "linux-user-x86_64"
    /// A static AArch64 Linux process (write/exit_group syscalls), run under `qemu-aarch64`.
    case linuxUserARM64 = "linux-user-aarch64"

    /// The four platforms that run on bare (simulated or emulated) hardware.
    public static let bareMetal: [KernelPlatform] = [.arm64Virt, .x86_64PC, .arm64Lockstep, .x86_64Lockstep]

    /// The architecture name used by `KERNEL_ARCH` and per-arch expected files: `arm64` or `x86_64`.
    public var arch: String {
        switch self {
        case .arm64Virt, .arm64Lockstep, .linuxUserARM64: return "arm64"
        case .x86_64PC, .x86_64Lockstep, .linuxUserX86_64: return "x86_64"
        }
    }

    /// The ELF `e_machine` value of binaries built for this platform (183 = AArch64, 62 = x86-64).
    public var elfMachine: UInt16 {
        arch == "arm64" ? 183 : 62
    }

    /// The address `link.ld` places the image at, or nil for the Linux user-mode platforms.
    public var linkAddress: UInt64? {
        switch self {
        case .arm64Virt, .arm64Lockstep: return 0x4008_0000
        case .x86_64PC, .x86_64Lockstep: return 0x20_0000
        case .linuxUserX86_64, .linuxUserARM64: return nil
        }
    }

    /// The clang `--target` triple for this platform.
    public var targetTriple: String {
        switch self {
        case .arm64Virt, .arm64Lockstep: return "aarch64-none-elf"
        case .x86_64PC, .x86_64Lockstep: return "x86_64-none-elf"
        case .linuxUserX86_64: return "x86_64-linux-gnu"
        case .linuxUserARM64: return "aarch64-linux-gnu"
        }
    }

    /// Architecture-specific code generation flags (strict alignment on AArch64 because the MMU
    /// is off and all memory is Device memory; no red zone for x86-64 bare metal).
    var archFlags: [String] {
        switch self {
        case .arm64Virt, .arm64Lockstep, .linuxUserARM64: return ["-mstrict-align"]
        case .x86_64PC, .x86_64Lockstep: return ["-mno-red-zone"]
        case .linuxUserX86_64: return []
        }
    }

    /// True for the platforms that have a `link.ld` and must not emit a PT_GNU_STACK header.
    var isBareMetal: Bool { linkAddress != nil }
}

/// An error from building a guest kernel; `description` includes the compiler's own diagnostics.
public enum KernelBuildError: Error, CustomStringConvertible, Sendable {
    /// No clang binary was found next to `swift` on PATH or at the fallback location.
    case compilerNotFound(searched: [String])
    /// A required source file or directory does not exist.
    case missingSource(path: String)
    /// clang exited with a non-zero status; `output` is its combined stdout/stderr.
    case compilationFailed(command: [String], status: Int32, output: String)
    /// A file-system operation (cache directory, temporary file, rename) failed.
    case io(String)

    /// A human-readable description including the compiler output when there is one.
    public var description: String {
        switch self {
        case .compilerNotFound(let searched):
            return "clang not found (searched: \(searched.joined(separator: ", ")))"
        case .missingSource(let path):
            return "kernel source not found: \(path)"
        case .compilationFailed(let command, let status, let output):
            return "clang failed with status \(status): \(command.joined(separator: " "))\n\(output)"
        case .io(let message):
            return "kernel build I/O error: \(message)"
        }
    }
}

/// Compiles the guest test programs in `Tests/Kernels` with the toolchain's clang and caches the ELFs.
///
/// Outputs live in `<package>/.build/kernels/` under a name derived from a hash of every input
/// (source contents, flags, defines and the compiler's identity), so an unchanged kernel is built once.
/// Concurrent builds of the same kernel are safe: each writes a private temporary file and
/// atomically renames it into place.
public struct KernelBuilder: Sendable {
    /// The `Tests/Kernels` directory holding `common/`, `programs/`, `platform/` and `expected/`.
    public let kernelsDirectory: String
    /// The directory that cached ELF files are written to.
    public let cacheDirectory: String
    /// The clang executable used for every build.
    public let clangPath: String

    /// Flags shared by every build (C11, freestanding, -O2, lld, no unwind tables, no FP contraction).
    public static let commonFlags: [String] = [
        "-std=c11", "-ffreestanding", "-nostdlib", "-fuse-ld=lld", "-O2", "-g0", "-fno-pic", "-static",
        "-ffp-contract=off", "-fno-unwind-tables", "-fno-asynchronous-unwind-tables",
        "-Wall", "-Wextra", "-Werror", "-Wl,--build-id=none",
    ]

    /// Creates a builder rooted at this package (located from `#filePath`), finding clang automatically.
    public init(filePath: String = #filePath) throws {
        let root = Self.packageRoot(from: filePath)
        try self.init(
            kernelsDirectory: root + "/Tests/Kernels",
            cacheDirectory: root + "/.build/kernels",
            clangPath: try Self.findClang())
    }

    /// Creates a builder with explicit directories and compiler (mainly for tests of the builder itself).
    public init(kernelsDirectory: String, cacheDirectory: String, clangPath: String) throws {
        self.kernelsDirectory = kernelsDirectory
        self.cacheDirectory = cacheDirectory
        self.clangPath = clangPath
        do {
            try FileManager.default.createDirectory(
                atPath: cacheDirectory, withIntermediateDirectories: true)
        } catch {
            throw KernelBuildError.io("cannot create \(cacheDirectory): \(error)")
        }
    }

    /// The names of all programs in `programs/` (file names without `.c`), sorted.
    public func programs() throws -> [String] {
        let dir = kernelsDirectory + "/programs"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            throw KernelBuildError.missingSource(path: dir)
        }
        return names.filter { $0.hasSuffix(".c") }.map { String($0.dropLast(2)) }.sorted()
    }

    /// Builds `<directory>/<program>.c` (by default `programs/`) for
    /// `platform` with extra `-D` defines and returns the ELF path. With
    /// `debugInfo` it is built for a debugger: `-O0 -g` instead of `-O2 -g0`.
    public func build(
        program: String, platform: KernelPlatform, defines: [String: String] = [:], directory: String = "programs",
        debugInfo: Bool = false
    ) throws -> String {
        let programFile = "\(kernelsDirectory)/\(directory)/\(program).c"
        let platformDir = "\(kernelsDirectory)/platform/\(platform.rawValue)"
        let commonDir = "\(kernelsDirectory)/common"
        var sources = [platformDir + "/start.S", platformDir + "/platform.c"]
        sources += try Self.listFiles(in: commonDir, suffix: ".c")
        sources.append(programFile)
        var hashed = sources + [commonDir + "/kernel.h"]
        let common = debugInfo ? Self.commonFlags.map { $0 == "-O2" ? "-O0" : $0 == "-g0" ? "-g" : $0 } : Self.commonFlags
        var flags = ["--target=\(platform.targetTriple)"] + common + platform.archFlags
        flags.append("-I" + commonDir)
        let linkScript = platformDir + "/link.ld"
        if platform.isBareMetal {
            flags += ["-Wl,-T," + linkScript, "-Wl,-z,nognustack", "-Wl,-z,max-page-size=4096"]
            hashed.append(linkScript)
        }
        for (key, value) in defines.sorted(by: { $0.key < $1.key }) {
            flags.append("-D\(key)=\(value)")
        }
        let name = "\(program)-\(platform.rawValue)" + (debugInfo ? "-g" : "")
        return try cachedCompile(name: name, flags: flags, sources: sources, hashedFiles: hashed)
    }

    /// Assembles and links a raw assembly snippet for `platform`'s architecture at `linkAddress`.
    ///
    /// The snippet is placed first in `.text`; the entry point is its `_start` label if it defines
    /// one, else `linkAddress`. No start code or C runtime is added. `.data`/`.bss` follow `.text`.
    /// Builds `arm-system/<name>.S`, linked at 0x4008_0000 for virt, with
    /// the shared `arm-system/finish.inc` (pass/fail/exit) appended unless
    /// the kernel has an ending of its own (`sharedFinish` false).
    public func buildSystemKernel(_ name: String, sharedFinish: Bool = true) throws -> String {
        let directory = kernelsDirectory + "/arm-system/"
        var text = ""
        for file in [name + ".S"] + (sharedFinish ? ["finish.inc"] : []) {
            guard let data = FileManager.default.contents(atPath: directory + file) else {
                throw KernelBuildError.missingSource(path: directory + file)
            }
            text += String(decoding: data, as: UTF8.self) + "\n"
        }
        return try buildRaw(assembly: text, platform: .arm64Virt, linkAddress: 0x4008_0000)
    }

    public func buildRaw(assembly: String, platform: KernelPlatform, linkAddress: UInt64) throws -> String {
        let key = Self.hash(Array(assembly.utf8))
        let stem = "raw-\(platform.arch)-\(String(linkAddress, radix: 16))-\(Self.hex(key))"
        let asmPath = "\(cacheDirectory)/\(stem).S"
        let ldPath = "\(cacheDirectory)/\(stem).ld"
        let script = """
            ENTRY(_start)
            SECTIONS
            {
                . = 0x\(String(linkAddress, radix: 16));
                .text : { PROVIDE(_start = .); *(.text.boot) *(.text .text.*) }
                .rodata : { *(.rodata .rodata.*) }
                .data : { *(.data .data.*) }
                .bss : { *(.bss .bss.* COMMON) }
                /DISCARD/ : { *(.comment) *(.note .note.*) *(.eh_frame .eh_frame_hdr) }
            }

            """
        try Self.writeAtomically(Array((assembly + "\n").utf8), to: asmPath)
        try Self.writeAtomically(Array(script.utf8), to: ldPath)
        let target = platform.arch == "arm64" ? "aarch64-none-elf" : "x86_64-none-elf"
        let flags = [
            "--target=\(target)", "-nostdlib", "-fuse-ld=lld", "-static", "-fno-pic",
            "-Wl,--build-id=none", "-Wl,-z,nognustack", "-Wl,-z,max-page-size=4096",
            "-Wl,-u,_start", // a reference, so the script's PROVIDE(_start = .) applies when needed
            "-Wl,-T," + ldPath,
        ]
        return try cachedCompile(name: stem, flags: flags, sources: [asmPath], hashedFiles: [asmPath, ldPath])
    }

    /// Builds a self-contained assembly program (`.S`, run through the preprocessor) with its own
    /// link script, both given relative to `kernelsDirectory`; no start code or C runtime is added.
    public func buildAssembly(
        _ source: String, linkScript: String, platform: KernelPlatform, defines: [String: String] = [:]
    ) throws -> String {
        let sourcePath = "\(kernelsDirectory)/\(source)", scriptPath = "\(kernelsDirectory)/\(linkScript)"
        var flags = [
            "--target=\(platform.targetTriple)", "-nostdlib", "-fuse-ld=lld", "-static", "-fno-pic",
            "-Wl,--build-id=none", "-Wl,-z,nognustack", "-Wl,-z,max-page-size=4096", "-Wl,-T," + scriptPath,
        ]
        let sortedDefines = defines.sorted(by: { $0.key < $1.key })
        for (key, value) in sortedDefines { flags.append("-D\(key)=\(value)") }
        let stem = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        let name = ([stem] + sortedDefines.map { "\($0.key)=\($0.value)" }).joined(separator: "-")
        return try cachedCompile(name: name, flags: flags, sources: [sourcePath], hashedFiles: [scriptPath])
    }

    /// Builds a raw arm64 Linux-style `Image` (no ELF wrapper: the file starts
    /// with the Image header) from C and assembly `sources` and a `linkScript`,
    /// all relative to `kernelsDirectory`, and returns its path.
    public func buildLinuxImage(sources: [String], linkScript: String) throws -> String {
        let paths = sources.map { "\(kernelsDirectory)/\($0)" }, scriptPath = "\(kernelsDirectory)/\(linkScript)"
        let flags = ["--target=aarch64-none-elf"] + Self.commonFlags + [
            "-mgeneral-regs-only", "-mstrict-align", "-Wl,-T," + scriptPath, "-Wl,--oformat=binary",
            "-Wl,-z,nognustack", "-Wl,-z,max-page-size=4096",
        ]
        let stem = URL(fileURLWithPath: linkScript).deletingLastPathComponent().lastPathComponent + "-image"
        return try cachedCompile(name: stem, flags: flags, sources: paths, hashedFiles: [scriptPath], suffix: "bin")
    }

    /// The expected console output of `program` on `arch` (`expected/<program>.<arch>.txt`, else
    /// `expected/<program>.txt`).
    public func expectedOutput(program: String, arch: String) throws -> String {
        let dir = kernelsDirectory + "/expected"
        for candidate in ["\(dir)/\(program).\(arch).txt", "\(dir)/\(program).txt"]
        where FileManager.default.fileExists(atPath: candidate) {
            guard let data = FileManager.default.contents(atPath: candidate) else {
                throw KernelBuildError.io("cannot read \(candidate)")
            }
            return String(decoding: data, as: UTF8.self)
        }
        throw KernelBuildError.missingSource(path: "\(dir)/\(program)[.\(arch)].txt")
    }

    // MARK: - Compilation and caching

    private func cachedCompile(
        name: String, flags: [String], sources: [String], hashedFiles: [String], suffix: String = "elf"
    ) throws -> String {
        var digest = Self.hash(Array(clangPath.utf8))
        digest = Self.combine(digest, Self.compilerIdentity(clangPath))
        for flag in flags { digest = Self.combine(digest, Self.hash(Array(flag.utf8))) }
        for file in sources + hashedFiles {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw KernelBuildError.missingSource(path: file)
            }
            digest = Self.combine(digest, Self.hash(Array(file.utf8)))
            digest = Self.combine(digest, Self.hash(Array(data)))
        }
        let output = "\(cacheDirectory)/\(name)-\(Self.hex(digest)).\(suffix)"
        if FileManager.default.fileExists(atPath: output) { return output }

        let temp = "\(output).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        let arguments = flags + ["-o", temp] + sources
        let (status, text) = try Self.run(clangPath, arguments)
        guard status == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            throw KernelBuildError.compilationFailed(
                command: [clangPath] + arguments, status: status, output: text)
        }
        guard rename(temp, output) == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            throw KernelBuildError.io("rename \(temp) -> \(output) failed (errno \(errno))")
        }
        return output
    }

    /// Runs an executable and returns its exit status and combined stdout+stderr text.
    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw KernelBuildError.io("cannot run \(executable): \(error)")
        }
        // One pipe for both streams, drained to EOF before waiting: no deadlock on full buffers.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    // MARK: - Locating things

    /// The package root: three levels above `Tests/Support/KernelBuilder.swift`.
    static func packageRoot(from filePath: String) -> String {
        var url = URL(fileURLWithPath: filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// Finds clang next to the `swift` found on PATH, falling back to `/opt/swift/usr/bin/clang`.
    public static func findClang() throws -> String {
        var searched: [String] = []
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let swift = "\(dir)/swift"
            guard FileManager.default.isExecutableFile(atPath: swift) else { continue }
            let resolved = URL(fileURLWithPath: swift).resolvingSymlinksInPath()
            let candidate = resolved.deletingLastPathComponent().appendingPathComponent("clang").path
            searched.append(candidate)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let fallback = "/opt/swift/usr/bin/clang"
        searched.append(fallback)
        if FileManager.default.isExecutableFile(atPath: fallback) { return fallback }
        throw KernelBuildError.compilerNotFound(searched: searched)
    }

    private static func listFiles(in dir: String, suffix: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            throw KernelBuildError.missingSource(path: dir)
        }
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { "\(dir)/\($0)" }
    }

    /// Size and modification time of the compiler binary, so a toolchain change invalidates the cache.
    private static func compilerIdentity(_ path: String) -> UInt64 {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved) else { return 0 }
        let size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return hash(Array("\(resolved)|\(size)|\(mtime)".utf8))
    }

    // MARK: - Hashing and files

    /// 64-bit FNV-1a followed by a final avalanche; enough to key a local build cache.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        h ^= UInt64(bytes.count) &* 0x9e37_79b9_7f4a_7c15
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }

    private static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var h = a ^ (b &+ 0x9e37_79b9_7f4a_7c15 &+ (a << 6) &+ (a >> 2))
        h = h &* 0xc4ce_b9fe_1a85_ec53
        return h ^ (h >> 29)
    }

    private static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// Writes bytes to a unique temporary file beside `path`, then renames it over `path`.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        if let existing = FileManager.default.contents(atPath: path), Array(existing) == bytes { return }
        let temp = "\(path).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temp, contents: Data(bytes)) else {
            throw KernelBuildError.io("cannot write \(temp)")
        }
        guard rename(temp, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            throw KernelBuildError.io("rename \(temp) -> \(path) failed (errno \(errno))")
        }
    }
}
