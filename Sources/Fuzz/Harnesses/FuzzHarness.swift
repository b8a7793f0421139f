import ChimeraBoards
import ChimeraCore
import ChimeraDevices
import ChimeraGDB
import ChimeraKit
import ChimeraLoader
import ChimeraMonitor
import ChimeraTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The fuzz harnesses: one function per input format, each taking raw
/// bytes and exercising the code a user's input reaches. A harness may
/// only trap on a genuine bug: every user error must come back as a
/// `ChimeraError`. The libFuzzer entry points (`Sources/Fuzz/*/Fuzz.swift`)
/// and the corpus replay test (`Tests/FuzzTests`) both call these.
///
/// Harnesses never write host files and bound what they read
/// (Documentation/Limits.md, "Fuzzing").
public enum FuzzHarness {
    /// The harnesses by name, as the corpus folders and make targets use them.
    public static let all: [(name: String, run: @Sendable ([UInt8]) -> Void)] = [
        ("expression", expression),
        ("board", board),
        ("elf", elf),
        ("qmp", qmp),
        ("keyval", keyval),
        ("gdb", gdb),
    ]

    /// Limits small enough that one input costs milliseconds.
    static var limits: ResourceLimits {
        var l = ResourceLimits()
        l.objects = 2_048
        l.cores = 16
        l.fileSize = 1 << 20
        return l
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    // MARK: gdb

    /// Bytes from a gdb client (or anything pretending to be one): framed
    /// in uneven chunks, which must not change what comes out; every packet
    /// parsed; register payloads split and mapped as the stub does for
    /// both architectures; each payload framed back by the stub's encoder.
    public static func gdb(_ bytes: [UInt8]) {
        var chunked = GDBPacketFramer()
        var inbound: [GDBInbound] = []
        var at = 0, step = 1
        while at < bytes.count {
            let end = min(bytes.count, at + step)
            inbound += chunked.feed(bytes[at..<end])
            at = end
            step = step % 7 + 1
        }
        var whole = GDBPacketFramer()
        precondition(inbound == whole.feed(bytes), "gdb framing depends on how the bytes arrive")
        for case .packet(let payload) in inbound {
            let command = GDBCommand.parse(payload)
            for description in [GDBArchitectureDescription.aarch64, .x86_64] {
                switch command {
                case .writeRegisters(let data):
                    if let slices = try? description.splitRegisters(data) {
                        for (register, slice) in zip(description.registers, slices) { _ = register.writes(for: slice) }
                    }
                case .writeRegister(let n, let data):
                    _ = description.register(numbered: n)?.writes(for: data)
                case .readRegister(let n):
                    if let register = description.register(numbered: n) {
                        _ = GDBArchitectureDescription.encode(register, register.bytes(scalar: { _ in 0 }, vector: { _ in (0, 0) }))
                    }
                default:
                    break
                }
            }
            var back = GDBPacketFramer()
            precondition(back.feed(GDBPacket.encode(payload)) == [.packet(payload)], "the stub's framing does not round-trip")
        }
    }

    // MARK: expression

    /// `${…}` interpolation with a few variables of each kind in scope.
    public static func expression(_ bytes: [UInt8]) {
        let variables: [(String, Value)] = [
            ("cores", .int(4)), ("i", .int(-3)), ("ram-size", .uint(256 << 20)), ("big", .uint(UInt64.max)),
            ("latency", .uint(1_000_000)), ("name", .string("uart")), ("on", .bool(true)),
        ]
        let source = text(bytes)
        let first = try? BoardExpression.expand(source, variables: variables)
        // Evaluation is a pure function of its input.
        let second = try? BoardExpression.expand(source, variables: variables)
        precondition(first == second, "expression evaluation is not deterministic")
        _ = try? BoardExpression.expand("${" + source + "}", variables: variables)
    }

    // MARK: board

    /// A whole board file, expanded and built (not realized: realize would
    /// open the UART output files a board names). Components and includes
    /// resolve against the shipped `boards/` folder.
    public static func board(_ bytes: [UInt8]) {
        var loader = BoardLoader(searchPaths: [shippedBoards].compactMap { $0 }, limits: limits)
        loader.limits = limits
        let registry = fullRegistry
        guard let expanded = try? loader.load(text: text(bytes), file: "fuzz.yaml", registry: registry) else { return }
        _ = try? expanded.build(registry: registry)
    }

    // MARK: elf

    /// An ELF kernel: parsed, then loaded into a toy core with 64 KiB of RAM.
    public static func elf(_ bytes: [UInt8]) {
        let path = scratchFile
        guard let fd = Optional(open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)), fd >= 0 else { return }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard let file = try? ELFFile(path: path, limit: limits.fileSize) else { return }
        guard let (machine, cpu) = try? toyMachine() else { return }
        _ = try? ELFLoader.load(file, into: cpu)
        machine.unrealizeTree()
    }

    // MARK: qmp

    /// Bytes as a QMP client would send them (any framing), through the
    /// framer, the message checks and the dispatcher, before and after
    /// negotiation, on a fresh toy machine.
    public static func qmp(_ bytes: [UInt8]) {
        guard let (machine, _) = try? toyMachine(), let session = try? MonitorSession(machine: machine, hostFileAccess: false) else {
            return
        }
        let input = text(bytes)
        _ = session.send(input)
        session.negotiate()
        // Split the input at an arbitrary point too: framing must not depend on read sizes.
        let cut = input.index(input.startIndex, offsetBy: input.count / 2)
        _ = session.send(String(input[..<cut]))
        _ = session.send(String(input[cut...]))
        // Unrealizing breaks the device <-> region references, so the machine is freed.
        machine.unrealizeTree()
    }

    // MARK: keyval

    /// `-device`/`-object` keyval text, `--limit`, and the value syntaxes behind `-p` and `-global`.
    public static func keyval(_ bytes: [UInt8]) {
        let source = text(bytes)
        _ = try? Keyval.parse(source, implicitKey: "driver")
        _ = try? Keyval.parse(source)
        var l = ResourceLimits()
        try? l.set(source)
        _ = try? ValueType.parseSize(source)
        _ = try? VirtualTime(parsing: source)
        _ = try? Value(json: source)
        _ = try? KernelSelector.parse(source)
        for type in [ValueType.int(.int64), .int(.uint8), .size, .time, .bool, .enumeration(["a", "b"]), .string] {
            _ = try? type.parse(source)
        }
    }

    // MARK: support

    /// Every shipped type: the board harness must know what the shipped boards use.
    static let fullRegistry = ChimeraKit.standardRegistry()

    /// `boards/` next to the package (found from this source file or the working directory).
    static let shippedBoards: String? = {
        var candidates = [String(#filePath).split(separator: "/").dropLast(4).joined(separator: "/")]
        candidates[0] = "/" + candidates[0] + "/boards"
        if let cwd = getcwd(nil, 0) { candidates.append(String(cString: cwd) + "/boards"); free(cwd) }
        return candidates.first { access($0, F_OK) == 0 }
    }()

    /// One scratch file per process for the ELF harness.
    static let scratchFile = "/tmp/chimera-fuzz-elf-\(getpid()).elf"

    static func toyMachine() throws(ChimeraError) -> (Machine, ToyCPU) {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        Loader.register(into: &registry)
        registry.registerBuiltin(ToyCPU.type)
        let m = try Machine(registry: registry)
        m.limits = limits
        let cluster = try m.addChild("a", type: "cluster", as: Cluster.self)
        let cpu = try cluster.addChild("cpu[0]", type: "toy-cpu", as: ToyCPU.self)
        try cluster.addChild("ram", type: "ram").setProperty("size", "64K")
        try cluster.map(RegionMapping(objectPath: "/machine/a/ram", region: "mem", address: 0))
        let uart = try cluster.addChild("uart", type: "pl011")
        try uart.setProperty("output", "buffer")
        try cluster.map(RegionMapping(objectPath: uart.path, region: "mmio", address: 0x0900_0000))
        try m.realizeMachine()
        return (m, cpu)
    }
}
