import XCTest
import Foundation
import ChimeraCore
import ChimeraDevices
import ChimeraTestSupport
@testable import ChimeraLoader

/// Regression tests for issue #16: files that are endless, block on open
/// or are huge end in one error naming the file, and never exhaust memory.
final class LoaderRobustnessTests: XCTestCase {
    func machine() throws -> (Machine, ToyCPU) {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        Loader.register(into: &registry)
        registry.registerBuiltin(ToyCPU.type)
        let m = try Machine(registry: registry)
        let cluster = try m.addChild("arm", type: "cluster", as: Cluster.self)
        let cpu = try cluster.addChild("cpu[0]", type: "toy-cpu", as: ToyCPU.self)
        try cluster.addChild("ram", type: "ram").setProperty("size", "64K")
        try cluster.map(RegionMapping(objectPath: "arm/ram", region: "mem", address: 0))
        try m.realizeMachine()
        return (m, cpu)
    }

    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("chimera-robust-\(getpid())-\(name)").path
    }

    func addRawLoader(_ m: Machine, file: String) throws {
        try m.execute(.objectAdd(type: "loader", path: "/machine/raw", properties: [
            "file": .string(file), "force-raw": .bool(true), "cpu": .string("/machine/arm/cpu[0]"), "addr": .uint(0),
        ]))
    }

    func testRawImageFromDevZeroIsRefused() throws {
        let (m, _) = try machine()
        XCTAssertThrowsError(try addRawLoader(m, file: "/dev/zero")) { error in
            let e = error as! ChimeraError
            XCTAssertTrue(e.message.contains("character device"), e.description)
            XCTAssertEqual(e.location?.file, "/dev/zero")
            XCTAssertEqual(e.location?.objectPath, "/machine/raw")
        }
    }

    func testRawImageAboveTheFileLimitIsRefused() throws {
        let (m, _) = try machine()
        let path = temporary("raw.bin")
        defer { unlink(path) }
        try Data(repeating: 0xAB, count: 100).write(to: URL(fileURLWithPath: path))
        m.limits.fileSize = 64
        XCTAssertThrowsError(try addRawLoader(m, file: path)) { error in
            XCTAssertTrue("\(error)".contains("more than the limit of 64 bytes"), "\(error)")
        }
        m.limits.fileSize = 100
        XCTAssertNoThrow(try addRawLoader(m, file: path))
        XCTAssertEqual(m.clusters[0].memory.read(99, size: 1), 0xAB)
    }

    func testFIFOKernelIsRefusedBeforeOpen() throws {
        let fifo = temporary("kernel.fifo")
        unlink(fifo)
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        // open() of a FIFO without a writer would block forever; the check comes first.
        XCTAssertThrowsError(try ELFFile(path: fifo)) { error in
            XCTAssertTrue("\(error)".contains("is a FIFO"), "\(error)")
        }
        let (m, cpu) = try machine()
        XCTAssertThrowsError(try m.execute(.loadKernel(cpu: cpu.path, file: fifo)))
        XCTAssertThrowsError(try ELFFile(path: "/dev/zero")) { error in
            XCTAssertTrue("\(error)".contains("character device"), "\(error)")
        }
        XCTAssertThrowsError(try ELFFile(path: "/tmp")) { error in
            XCTAssertTrue("\(error)".contains("directory"), "\(error)")
        }
    }

    /// A 2 GiB (sparse) ELF was read whole and then called truncated; now
    /// the size limit speaks first, and when raised only the segments are read.
    func testELFOfTwoGiBIsBoundedAndReadBySegment() throws {
        var w = ELFWriter()
        w.segments = [.init(paddr: 0x1000, vaddr: 0x1000, bytes: [1, 2, 3, 4], memsz: 16)]
        let path = try w.write(to: "huge.elf")
        defer { unlink(path) }
        XCTAssertEqual(truncate(path, off_t(2) << 30 + 4096), 0)
        XCTAssertThrowsError(try ELFFile(path: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("more than the limit of 1073741824 bytes"), text)
            XCTAssertTrue(text.contains("--limit file-size"), text)
        }
        let file = try ELFFile(path: path, limit: 4 << 30)
        XCTAssertEqual(file.segments.count, 1)
        XCTAssertEqual(file.segments[0].bytes, [1, 2, 3, 4])
        XCTAssertEqual(file.entry, 0x1000)
    }

    func testHostFileWritesOnlyRegularOrNewFiles() throws {
        let fifo = temporary("out.fifo")
        unlink(fifo)
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        XCTAssertThrowsError(try HostFile.write("x", to: fifo)) { XCTAssertTrue("\($0)".contains("FIFO"), "\($0)") }
        XCTAssertThrowsError(try HostFile.write("x", to: "/proc/version")) { XCTAssertTrue("\($0)".contains("/proc"), "\($0)") }
        XCTAssertThrowsError(try HostFile.write("x", to: "/")) { XCTAssertTrue("\($0)".contains("directory"), "\($0)") }
        XCTAssertThrowsError(try HostFile.write("x", to: "/nonexistent/r")) { XCTAssertTrue("\($0)".contains("No such file"), "\($0)") }
        XCTAssertNoThrow(try HostFile.write("x", to: "/dev/null"))
        let path = temporary("new.txt")
        defer { unlink(path) }
        try HostFile.write("hello", to: path)
        XCTAssertEqual(try HostFile.readText(path, limit: 5), "hello")
        XCTAssertThrowsError(try HostFile.readText(path, limit: 4))
    }
}
