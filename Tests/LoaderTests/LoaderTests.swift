import XCTest
import Foundation
import ChimeraCore
import ChimeraDevices
import ChimeraTestSupport
@testable import ChimeraLoader

/// Writes small ELF64 files byte by byte, so every malformed case is exact.
struct ELFWriter {
    struct Segment { var paddr: UInt64; var vaddr: UInt64; var bytes: [UInt8]; var memsz: UInt64 }
    var machine: UInt16 = 183
    var entry: UInt64 = 0x1000
    var segments: [Segment] = []
    var elfClass: UInt8 = 2
    var dataEncoding: UInt8 = 1
    var type: UInt16 = 2

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: UInt16) { out += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) { for i in 0..<4 { out.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
        func u64(_ v: UInt64) { for i in 0..<8 { out.append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) } }
        let phoff: UInt64 = 64
        let dataStart = phoff + UInt64(56 * segments.count)
        out += [0x7F, 0x45, 0x4C, 0x46, elfClass, dataEncoding, 1, 0] + [UInt8](repeating: 0, count: 8)
        u16(type); u16(machine); u32(1); u64(entry); u64(phoff); u64(0)
        u32(0); u16(64); u16(56); u16(UInt16(segments.count)); u16(64); u16(0); u16(0)
        var offset = dataStart
        for s in segments {
            u32(1); u32(7); u64(offset); u64(s.vaddr); u64(s.paddr)
            u64(UInt64(s.bytes.count)); u64(s.memsz); u64(0x1000)
            offset += UInt64(s.bytes.count)
        }
        for s in segments { out += s.bytes }
        return out
    }

    func write(to name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chimera-loader-\(getpid())-\(name)").path
        try Data(bytes()).write(to: URL(fileURLWithPath: path))
        return path
    }
}

final class LoaderTests: XCTestCase {
    func machine() throws -> (Machine, ToyCPU) {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        Loader.register(into: &registry)
        registry.registerBuiltin(ToyCPU.type)
        let m = try Machine(registry: registry)
        let cluster = try m.addChild("arm", type: "cluster", as: Cluster.self)
        let cpu = try cluster.addChild("cpu[0]", type: "toy-cpu", as: ToyCPU.self)
        try cluster.addChild("ram", type: "ram").setProperty("size", "64K")
        try cluster.addChild("uart", type: "pl011").setProperty("output", "buffer")
        try cluster.map(RegionMapping(objectPath: "arm/ram", region: "mem", address: 0))
        try cluster.map(RegionMapping(objectPath: "arm/uart", region: "mmio", address: 0x9000_0000))
        try m.realizeMachine()
        return (m, cpu)
    }

    func program() -> [UInt8] {
        var asm = ToyAssembler()
        asm.emit(.li, 1, 0, 0x2000)
        asm.emit(.load, 0, 1, 0x10)      // bss must read as zero
        asm.emit(.exit, 0)
        return asm.assemble()
    }

    func assertLoadError(_ writer: ELFWriter, _ name: String, contains text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try writer.write(to: name)
        let (m, cpu) = try machine()
        defer { withExtendedLifetime(m) {} }
        XCTAssertThrowsError(try ELFLoader.load(path: path, into: cpu), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(text), "expected '\(text)' in: \(message)", file: file, line: line)
            XCTAssertTrue(message.contains(path), "the error names the file: \(message)", file: file, line: line)
        }
    }

    var good: ELFWriter {
        var w = ELFWriter()
        w.segments = [.init(paddr: 0x1000, vaddr: 0x1000, bytes: program(), memsz: UInt64(program().count)),
                      .init(paddr: 0x2000, vaddr: 0x2000, bytes: [0xAA, 0xBB], memsz: 0x100)]
        return w
    }

    func testLoadsSegmentsZeroFillsAndStartsAtEntry() throws {
        let (m, cpu) = try machine()
        m.clusters[0].memory.writeBytes(0x2010, [1, 2, 3, 4])  // stale data that bss must clear
        let entry = try ELFLoader.load(path: try good.write(to: "good"), into: cpu)
        XCTAssertEqual(entry, 0x1000)
        XCTAssertEqual(cpu.pc, 0x1000)
        XCTAssertEqual(m.clusters[0].memory.readBytes(0x2000, count: 2), [0xAA, 0xBB])
        let result = try ChimeraScheduler_run(m)
        XCTAssertEqual(result, 0)
    }

    func testMissingFile() throws {
        let (m, cpu) = try machine()
        defer { withExtendedLifetime(m) {} }
        XCTAssertThrowsError(try ELFLoader.load(path: "/nonexistent/kernel.elf", into: cpu)) {
            XCTAssertTrue("\($0)".contains("/nonexistent/kernel.elf: cannot open the kernel"), "\($0)")
        }
    }

    func testNotAnELF() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chimera-not-elf-\(getpid())").path
        try Data("just some text, not an executable\n".utf8).write(to: URL(fileURLWithPath: path))
        let (_, cpu) = try machine()
        XCTAssertThrowsError(try ELFLoader.load(path: path, into: cpu)) { XCTAssertTrue("\($0)".contains("not an ELF file"), "\($0)") }
    }

    func testTruncatedSegment() throws {
        let path = try good.write(to: "truncated")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 6).write(to: URL(fileURLWithPath: path))
        let (_, cpu) = try machine()
        XCTAssertThrowsError(try ELFLoader.load(path: path, into: cpu)) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
    }

    func testWrongClassAndEndianness() throws {
        var w = good
        w.elfClass = 7
        try assertLoadError(w, "class", contains: "not an ELF file")
        w = good
        w.dataEncoding = 2
        try assertLoadError(w, "endian", contains: "big-endian")
    }

    func testWrongMachineNamesBothArchitectures() throws {
        var w = good
        w.machine = 62
        try assertLoadError(w, "machine", contains: "this is a x86_64 kernel but the core is aarch64")
    }

    func testOverlappingSegments() throws {
        var w = good
        w.segments.append(.init(paddr: 0x2080, vaddr: 0x2080, bytes: [1], memsz: 0x10))
        try assertLoadError(w, "overlap", contains: "segments overlap")
    }

    func testEntryOutsideLoadedMemory() throws {
        var w = good
        w.entry = 0x8000
        try assertLoadError(w, "entry", contains: "entry point 0x8000 is outside every loaded segment")
    }

    func testSegmentsOutsideRAMOrOverMMIO() throws {
        var w = good
        w.segments.append(.init(paddr: 0x100_0000, vaddr: 0x100_0000, bytes: [1], memsz: 1))
        try assertLoadError(w, "outside", contains: "is outside RAM and ROM")
        w = good
        w.segments.append(.init(paddr: 0x9000_0000, vaddr: 0x9000_0000, bytes: [1], memsz: 1))
        try assertLoadError(w, "mmio", contains: "overlaps device registers")
        w = good
        w.segments[1].memsz = 0x10_0000  // bss runs past the end of the 64 KiB RAM
        try assertLoadError(w, "bss", contains: "is outside RAM and ROM")
    }

    func testNotAnExecutable() throws {
        var w = good
        w.type = 1
        try assertLoadError(w, "rel", contains: "not an executable")
    }

    func testLoaderObjectLoadsAtRealizeAndReportsEntry() throws {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        Loader.register(into: &registry)
        registry.registerBuiltin(ToyCPU.type)
        let m = try Machine(registry: registry)
        // The loader comes first in the tree; realize order must still put the cluster's map first.
        let loader = try m.addChild("kernel", type: "loader")
        let cluster = try m.addChild("arm", type: "cluster", as: Cluster.self)
        let cpu = try cluster.addChild("cpu[0]", type: "toy-cpu", as: ToyCPU.self)
        try cluster.addChild("ram", type: "ram").setProperty("size", "64K")
        try cluster.map(RegionMapping(objectPath: "arm/ram", region: "mem", address: 0))
        try loader.setProperty("file", .string(try good.write(to: "object")))
        try loader.setProperty("cpu", "arm/cpu[0]")
        try m.realizeMachine()
        XCTAssertEqual(try loader.property("entry"), .uint(0x1000))
        XCTAssertEqual(cpu.pc, 0x1000)
        XCTAssertEqual(cpu.uintProperty("reset-pc"), 0x1000)

        let data = try m.addChild("poke", type: "loader")
        try data.setProperty("cpu", "arm/cpu[0]")
        try data.setProperty("addr", 0x3000)
        try data.setProperty("data", 0xDEADBEEF)
        try data.setProperty("data-len", 4)
        try data.realizeTree()
        XCTAssertEqual(cluster.memory.read(0x3000, size: 4), 0xDEADBEEF)
    }

    func testSymbolsOfARealKernelAreKept() throws {
        let builder = try KernelBuilder()
        let path = try builder.build(program: "hello", platform: .arm64Lockstep)
        let file = try ELFFile(path: path)
        XCTAssertEqual(file.architecture, .aarch64)
        XCTAssertNotNil(file.symbols.address(of: "kmain"))
        XCTAssertNotNil(file.symbols.address(of: "lockstep_halt"))
        let kmain = file.symbols.address(of: "kmain")!
        XCTAssertEqual(file.symbols.describe(kmain + 4), "kmain+0x4")
    }
}

/// Runs the toy machine to its exit and returns the exit code (or -1).
func ChimeraScheduler_run(_ m: Machine) throws -> Int32 {
    let cpu = m.cpus[0]
    let reason = cpu.run(budget: 100)
    if case .exit(let code) = reason { return code }
    return -1
}
