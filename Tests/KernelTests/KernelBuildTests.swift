import ChimeraTestSupport
import Foundation
import XCTest

/// Builds every guest program for every platform and checks the results.
final class KernelBuildTests: XCTestCase {
    private func makeBuilder() throws -> KernelBuilder {
        try KernelBuilder()
    }

    /// Reads the ELF header fields directly from the file bytes (independent of ELFImage).
    private func rawHeader(_ path: String) throws -> (machine: UInt16, entry: UInt64, isELF64LE: Bool) {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), "cannot read \(path)")
        let bytes = [UInt8](data)
        XCTAssertGreaterThanOrEqual(bytes.count, 64)
        let magic = bytes[0] == 0x7f && bytes[1] == 0x45 && bytes[2] == 0x4c && bytes[3] == 0x46
        let machine = UInt16(bytes[18]) | UInt16(bytes[19]) << 8
        var entry: UInt64 = 0
        for i in 0..<8 { entry |= UInt64(bytes[24 + i]) << (8 * UInt64(i)) }
        return (machine, entry, magic && bytes[4] == 2 && bytes[5] == 1)
    }

    func testProgramListIsComplete() throws {
        let programs = try makeBuilder().programs()
        for name in ["hello", "sort", "crc32", "sha256", "printf", "float", "div64", "coremark_like"] {
            XCTAssertTrue(programs.contains(name), "missing program \(name)")
        }
    }

    func testEveryProgramBuildsForEveryBareMetalPlatform() throws {
        let builder = try makeBuilder()
        for program in try builder.programs() {
            for platform in KernelPlatform.bareMetal {
                let path = try builder.build(program: program, platform: platform)
                let header = try rawHeader(path)
                XCTAssertTrue(header.isELF64LE, "\(program)/\(platform): not ELF64 LE")
                XCTAssertEqual(header.machine, platform.elfMachine, "\(program)/\(platform): e_machine")
                let base = try XCTUnwrap(platform.linkAddress)
                let image = try ELFImage(path: path)
                XCTAssertEqual(image.entry, header.entry)
                XCTAssertEqual(header.entry, base, "\(program)/\(platform): _start is first in .text")
                let low = image.segments.map(\.address).min() ?? 0
                let high = image.segments.map { $0.address + $0.memorySize }.max() ?? 0
                XCTAssertTrue((low..<high).contains(header.entry), "\(program)/\(platform): entry in image")
                XCTAssertEqual(low, base, "\(program)/\(platform): link base")
                XCTAssertLessThan(high - base, 4 << 20, "image under 4 MiB")
                XCTAssertEqual(image.symbols["_start"], header.entry)
                XCTAssertNotNil(image.symbols["kmain"])
                XCTAssertNotNil(image.symbols["__stack_top"])
                if platform == .arm64Lockstep || platform == .x86_64Lockstep {
                    for symbol in ["lockstep_halt", "lockstep_out", "lockstep_len", "lockstep_exit_code"] {
                        XCTAssertNotNil(image.symbols[symbol], "\(program)/\(platform): \(symbol)")
                    }
                }
            }
        }
    }

    func testLinuxUserX86_64BuildsRunAndMatchExpectedOutput() throws {
        #if arch(x86_64) && os(Linux)
        let builder = try makeBuilder()
        for program in try builder.programs() {
            let path = try builder.build(program: program, platform: .linuxUserX86_64)
            let result = try KernelRunner.runLinuxUser(elf: path, platform: .linuxUserX86_64)
            let expected = try builder.expectedOutput(program: program, arch: "x86_64")
            XCTAssertEqual(result.output, expected, "\(program): output differs from expected/")
            XCTAssertEqual(result.exitStatus, 0, "\(program): exit status")
        }
        #else
        throw XCTSkip("linux-user x86_64 binaries run only on an x86_64 Linux host")
        #endif
    }

    func testLinuxUserARM64BuildsRunUnderQemuUser() throws {
        guard KernelRunner.qemuUserARM64 != nil else { throw XCTSkip("qemu-aarch64 not installed") }
        let builder = try makeBuilder()
        for program in ["hello", "printf", "float", "div64"] {
            let path = try builder.build(program: program, platform: .linuxUserARM64)
            let result = try KernelRunner.runLinuxUser(elf: path, platform: .linuxUserARM64)
            XCTAssertEqual(result.output, try builder.expectedOutput(program: program, arch: "arm64"), program)
            XCTAssertEqual(result.exitStatus, 0, program)
        }
    }

    func testDefinesChangeTheBuildAndAreCachedSeparately() throws {
        let builder = try makeBuilder()
        let normal = try builder.build(program: "coremark_like", platform: .linuxUserX86_64)
        let small = try builder.build(
            program: "coremark_like", platform: .linuxUserX86_64, defines: ["ITERATIONS": "3"])
        XCTAssertNotEqual(normal, small)
        XCTAssertEqual(normal, try builder.build(program: "coremark_like", platform: .linuxUserX86_64))
        #if arch(x86_64) && os(Linux)
        let result = try KernelRunner.runLinuxUser(elf: small, platform: .linuxUserX86_64)
        XCTAssertTrue(result.output.contains("iterations=3\n"), result.output)
        XCTAssertEqual(result.exitStatus, 0)
        #endif
    }

    func testCompilerErrorsAreSurfaced() throws {
        let temp = FileManager.default.temporaryDirectory
            .appendingPathComponent("chimera-kernel-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        let real = try makeBuilder()
        // A private copy of the kernel tree with one broken program.
        let source = URL(fileURLWithPath: real.kernelsDirectory).resolvingSymlinksInPath().path
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: temp.path + "/Kernels")
        let broken = "#include \"kernel.h\"\nint kmain(void) { return undeclared_identifier_xyz; }\n"
        try broken.write(toFile: temp.path + "/Kernels/programs/broken.c", atomically: true, encoding: .utf8)
        let builder = try KernelBuilder(
            kernelsDirectory: temp.path + "/Kernels", cacheDirectory: temp.path + "/cache",
            clangPath: real.clangPath)
        XCTAssertThrowsError(try builder.build(program: "broken", platform: .arm64Virt)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("undeclared_identifier_xyz"), text)
            XCTAssertTrue(text.contains("error:"), text)
        }
        XCTAssertThrowsError(try builder.build(program: "does_not_exist", platform: .x86_64PC))
    }

    func testConcurrentBuildsOfTheSameKernelAgree() throws {
        let temp = FileManager.default.temporaryDirectory
            .appendingPathComponent("chimera-kernel-conc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        let real = try makeBuilder()
        let builder = try KernelBuilder(
            kernelsDirectory: real.kernelsDirectory, cacheDirectory: temp.path, clangPath: real.clangPath)
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            results.append(Result { try builder.build(program: "hello", platform: .x86_64Lockstep) })
        }
        let paths = try results.all.map { try $0.get() }
        XCTAssertEqual(paths.count, 4)
        XCTAssertEqual(Set(paths).count, 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: temp.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
        XCTAssertEqual(try ELFImage(path: paths[0]).machine, 62)
    }

    func testBuildRawAssembly() throws {
        let builder = try makeBuilder()
        let arm = try builder.buildRaw(
            assembly: "mov x0, #42\nadd x0, x0, #1\nb .\n", platform: .arm64Lockstep, linkAddress: 0x1000)
        let armImage = try ELFImage(path: arm)
        XCTAssertEqual(armImage.machine, 183)
        XCTAssertEqual(armImage.entry, 0x1000)
        XCTAssertEqual(armImage.segments.first.map { Array($0.bytes.prefix(4)) }, [0x40, 0x05, 0x80, 0xd2]) // mov x0, #42

        let x86 = try builder.buildRaw(
            assembly: "data: .quad 7\n.globl _start\n_start: movq $1, %rax\njmp .\n",
            platform: .x86_64PC, linkAddress: 0x40_0000)
        let x86Image = try ELFImage(path: x86)
        XCTAssertEqual(x86Image.machine, 62)
        XCTAssertEqual(x86Image.entry, 0x40_0008, "entry is the _start label")
        XCTAssertEqual(x86Image.symbols["_start"], 0x40_0008)

        XCTAssertThrowsError(
            try builder.buildRaw(assembly: "not_an_instruction x1\n", platform: .arm64Virt, linkAddress: 0)
        ) { error in
            XCTAssertTrue(String(describing: error).contains("not_an_instruction"), "\(error)")
        }
    }

    func testExpectedOutputLookup() throws {
        let builder = try makeBuilder()
        XCTAssertEqual(try builder.expectedOutput(program: "hello", arch: "arm64"), "Hello from arm64\n")
        XCTAssertEqual(try builder.expectedOutput(program: "hello", arch: "x86_64"), "Hello from x86_64\n")
        XCTAssertTrue(try builder.expectedOutput(program: "crc32", arch: "arm64").contains("0xCBF43926 ok"))
        XCTAssertThrowsError(try builder.expectedOutput(program: "no_such_program", arch: "arm64"))
    }
}

/// A lock-protected collector for results produced on several threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Result<String, any Error>] = []

    func append(_ item: Result<String, any Error>) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }

    var all: [Result<String, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
