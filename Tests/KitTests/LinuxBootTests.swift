import XCTest
import Foundation
import ChimeraKit
import ChimeraCore
import ChimeraLoader
import ChimeraTestSupport

/// Linux boot protocol tests with a tiny Image built from
/// `Tests/Kernels/linux/` (an Image header, then C that checks X0–X3, walks
/// the device tree for /chosen and echoes it over the PL011, and powers off
/// through PSCI SYSTEM_OFF over HVC), plus every bad input giving one error.
final class LinuxBootTests: XCTestCase {
    static let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("chimera-linux-\(getpid())").path

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(atPath: Self.scratch, withIntermediateDirectories: true)
    }

    func image() throws -> String {
        try KernelBuilder().buildLinuxImage(sources: ["linux/image.S", "linux/image.c"], linkScript: "linux/link.ld")
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = Self.scratch + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func gzip(_ path: String) throws -> String {
        let out = path + ".gz"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -9nc \"$0\" > \"$1\"", path, out]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "gzip failed")
        return out
    }

    func loader(_ board: TestMachine, _ path: String = "/machine/kernels/arm-cpu[0]") throws -> GenericLoader {
        try XCTUnwrap(try board.machine.resolve(path) as? GenericLoader)
    }

    /// Loading `configure` sets up fails at realize with one error naming `file` and saying `what`.
    func assertBootFails(_ file: String, _ what: String, parameters: [String: String] = [:],
                         limits: ResourceLimits? = nil, line: UInt = #line,
                         _ configure: (TestMachine) throws -> Void) throws {
        let board = try TestMachine(board: "virt-arm64", parameters: parameters)
        if let limits { board.machine.limits = limits }
        try configure(board)
        XCTAssertThrowsError(try board.start(), line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(file), "error does not name \(file): \(text)", line: line)
            XCTAssertTrue(text.contains(what), "error does not say '\(what)': \(text)", line: line)
        }
    }

    func testImageBootsWithTheBootProtocolRegistersAndBootargs() throws {
        let board = try TestMachine(board: "virt-arm64", parameters: ["cores": "2"])
        try board.loadLinux(image: try image(), append: "console=ttyAMA0 chimera", on: "arm")
        try board.start()
        let boot = try XCTUnwrap(try loader(board).linuxBoot)
        XCTAssertEqual(boot.layout.kernel.lowerBound, 0x4000_0000, "text_offset 0 above the first 2 MiB-aligned RAM address")
        XCTAssertEqual(boot.layout.deviceTree.lowerBound % (2 << 20), 0)
        XCTAssertGreaterThanOrEqual(boot.layout.deviceTree.lowerBound, boot.layout.kernel.upperBound)
        XCTAssertEqual(try board.register("x0", of: "arm/cpu[0]"), boot.layout.deviceTree.lowerBound)
        XCTAssertEqual(try board.register("pc", of: "arm/cpu[0]"), 0x4000_0000)
        XCTAssertEqual(try board.peekBytes(boot.layout.deviceTree.lowerBound, count: 4, in: "arm"), [0xD0, 0x0D, 0xFE, 0xED])

        let result = try board.run()
        XCTAssertEqual(result.outcome, .exited(code: 0, reason: "/machine/arm/cpu[0] requested exit"))
        XCTAssertEqual(try board.output(of: "arm/uart"), "FDT OK\nbootargs=console=ttyAMA0 chimera\nPASS\n")
        // The second core was never started: Linux would start it with PSCI CPU_ON.
        XCTAssertEqual(try board.machine.resolve("arm/cpu[1]").property("power-state"), .string("off"))
        XCTAssertNil(try loader(board, "/machine/kernels/arm-cpu[1]").linuxBoot)

        let again = try TestMachine(board: "virt-arm64", parameters: ["cores": "2"])
        try again.loadLinux(image: try image(), append: "console=ttyAMA0 chimera", on: "arm")
        XCTAssertEqual(try again.run().traceHash, result.traceHash)
    }

    func testGzipImageWithInitrd() throws {
        let initrd = try write(Array("INITRD-DATA".utf8), "initrd")
        let board = try TestMachine(board: "virt-arm64")
        try board.loadLinux(image: try gzip(try image()), initrd: initrd, append: "rdinit=/init", on: "arm")
        XCTAssertEqual(try board.run().outcome, .exited(code: 0, reason: "/machine/arm/cpu[0] requested exit"))
        XCTAssertEqual(try board.output(of: "arm/uart"), "FDT OK\nbootargs=rdinit=/init\ninitrd=INITRD-D\nPASS\n")
        let boot = try XCTUnwrap(try loader(board).linuxBoot)
        let range = try XCTUnwrap(boot.layout.initrd)
        XCTAssertEqual(range.lowerBound, boot.layout.deviceTree.upperBound)
        XCTAssertEqual(range.count, 11)
        XCTAssertEqual(try board.peekBytes(range.lowerBound, count: 6, in: "arm"), Array("INITRD".utf8))
    }

    func testGivenDeviceTreeGetsBootargsInChosen() throws {
        let described = try TestMachine(board: "virt-arm64")
        try described.start()
        let cluster = try XCTUnwrap(try described.machine.resolve("arm") as? Cluster)
        let dtb = try write(try FlattenedDeviceTree(root: DeviceTree.describe(cluster)).bytes, "given.dtb")

        let board = try TestMachine(board: "virt-arm64")
        try board.loadLinux(image: try image(), append: "from-given-dtb", dtb: dtb, on: "arm")
        try board.run()
        XCTAssertEqual(try board.output(of: "arm/uart"), "FDT OK\nbootargs=from-given-dtb\nPASS\n")
    }

    func testDeviceTreeIsAcceptedByDTCAndDescribesTheBoard() throws {
        let board = try TestMachine(board: "virt-arm64", parameters: ["cores": "4"])
        try board.start()
        let cluster = try XCTUnwrap(try board.machine.resolve("arm") as? Cluster)
        let chosen = DeviceTree.Chosen(bootargs: "console=ttyAMA0", initrd: 0x4800_0000..<0x4810_0000)
        let tree = try DeviceTree.describe(cluster, chosen: chosen)
        let blob = try FlattenedDeviceTree(root: tree)
        XCTAssertEqual(try FlattenedDeviceTree(root: DeviceTree.describe(cluster, chosen: chosen)), blob, "deterministic")
        XCTAssertEqual(tree.children.map(\.name),
                       ["chosen", "psci", "cpus", "timer", "intc@8000000", "memory@40000000", "apb-pclk", "pl011@9000000"])
        XCTAssertEqual(blob.property("bootargs", at: "/chosen").map { String(decoding: $0.dropLast(), as: UTF8.self) },
                       "console=ttyAMA0")

        guard let dtc = ["/usr/bin/dtc", "/usr/local/bin/dtc"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("dtc is not installed (Debian device-tree-compiler; make test installs it)")
        }
        let path = try write(blob.bytes, "virt.dtb")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dtc)
        process.arguments = ["-I", "dtb", "-O", "dts", path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let dts = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let warnings = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, warnings)
        XCTAssertEqual(warnings, "", "dtc warnings")
        for expected in [
            "compatible = \"arm,cortex-a53\";", "cpu@3 {", "reg = <0x03>;", "enable-method = \"psci\";",
            "compatible = \"arm,psci-1.0\\0arm,psci-0.2\";", "method = \"hvc\";",
            "compatible = \"arm,cortex-a15-gic\";", "reg = <0x00 0x8000000 0x00 0x1000 0x00 0x8010000 0x00 0x2000>;",
            "interrupts = <0x01 0x0d 0xf04 0x01 0x0e 0xf04 0x01 0x0b 0xf04 0x01 0x0a 0xf04>;",
            "reg = <0x00 0x40000000 0x00 0x20000000>;",
            "compatible = \"arm,pl011\\0arm,primecell\";", "interrupts = <0x00 0x01 0x04>;",
            "clock-names = \"uartclk\\0apb_pclk\";", "clock-frequency = <0x16e3600>;",
            "bootargs = \"console=ttyAMA0\";", "stdout-path = \"/pl011@9000000\";",
            "linux,initrd-start = <0x00 0x48000000>;", "linux,initrd-end = <0x00 0x48100000>;",
        ] {
            XCTAssertTrue(dts.contains(expected), "missing \(expected) in\n\(dts)")
        }
    }

    func testBadInputsGiveOneErrorNamingTheFile() throws {
        let good = try image()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))

        // A header that promises more PE/COFF section data than the file has.
        var truncated = Array(bytes[..<0x200])
        truncated[0x3C] = 0x40; truncated[0x3D] = 0; truncated[0x3E] = 0; truncated[0x3F] = 0
        truncated.replaceSubrange(0x40..<0x58, with: [0x50, 0x45, 0, 0, 0x64, 0xAA, 1, 0] + [UInt8](repeating: 0, count: 16))
        truncated.replaceSubrange(0x58..<0x80, with: [UInt8](repeating: 0, count: 40))
        truncated[0x58 + 16] = 0x00; truncated[0x58 + 17] = 0x10   // SizeOfRawData 0x1000
        truncated[0x58 + 20] = 0x00; truncated[0x58 + 21] = 0x10   // PointerToRawData 0x1000
        let truncatedPath = try write(truncated, "truncated.Image")
        try assertBootFails(truncatedPath, "truncated arm64 Image") { try $0.loadLinux(image: truncatedPath, on: "arm") }

        var riscv = bytes
        riscv.replaceSubrange(0x38..<0x3C, with: Array("RSC\u{05}".utf8))
        let riscvPath = try write(riscv, "riscv.Image")
        try assertBootFails(riscvPath, "RISC-V Linux Image") { try $0.loadLinux(image: riscvPath, on: "arm") }

        var bigEndian = bytes
        bigEndian[24] |= 1
        let bigEndianPath = try write(bigEndian, "be.Image")
        try assertBootFails(bigEndianPath, "big-endian") { try $0.loadLinux(image: bigEndianPath, on: "arm") }

        let initrd = try write([UInt8](repeating: 0x55, count: 3 << 20), "big.initrd")
        try assertBootFails(initrd, "of RAM are left after the kernel", parameters: ["ram-size": "4M"]) {
            try $0.loadLinux(image: good, initrd: initrd, on: "arm")
        }

        let notDTB = try write(Array("not a device tree, just text\n".utf8), "text.dtb")
        try assertBootFails(notDTB, "not a flattened device tree") { try $0.loadLinux(image: good, dtb: notDTB, on: "arm") }

        let gzipped = try gzip(good)
        var small = ResourceLimits()
        small.fileSize = 2048
        try assertBootFails(gzipped, "inflates to more than 2048 bytes", limits: small) { try $0.loadLinux(image: gzipped, on: "arm") }

        var corrupt = [UInt8](try Data(contentsOf: URL(fileURLWithPath: gzipped)))
        for i in 20..<min(60, corrupt.count - 8) { corrupt[i] ^= 0xA5 }
        let corruptPath = try write(corrupt, "corrupt.Image.gz")
        try assertBootFails(corruptPath, "gzip data") { try $0.loadLinux(image: corruptPath, on: "arm") }

        let elf = try KernelBuilder().build(program: "hello", platform: .arm64Virt)
        try assertBootFails(elf, "--append needs an arm64 Linux Image kernel, but this kernel is an ELF file") {
            try $0.loadLinux(image: elf, append: "console=ttyAMA0", on: "arm")
        }
    }

    /// `kaslr-seed` is one big-endian 64-bit value in /chosen, and only there when given.
    func testChosenCarriesTheKASLRSeedOnlyWhenGiven() {
        XCTAssertFalse(DeviceTree.Chosen(bootargs: "x").properties.contains { $0.name == "kaslr-seed" })
        let seed = DeviceTree.Chosen(kaslrSeed: 0x0102_0304_0506_0708).properties.first { $0.name == "kaslr-seed" }
        XCTAssertEqual(seed?.value, [1, 2, 3, 4, 5, 6, 7, 8])
    }

    /// The Debian kernel `make test` caches (Tests/Guests/fetch.sh): its header
    /// parses and the kernel, device tree and busybox initramfs fit virt-arm64's
    /// RAM (LinuxGuestTests boots it).
    func testCachedDebianImageFitsVirtARM64() throws {
        guard let files = LinuxGuest.files else {
            throw XCTSkip("no Debian arm64 kernel in \(LinuxGuest.directory); `make test` fetches it (Tests/Guests/fetch.sh)")
        }
        let image = try LinuxImage(path: files.image, limit: ResourceLimits().fileSize)
        XCTAssertFalse(image.wasCompressed)
        XCTAssertEqual(image.textOffset, 0, "kernels since 5.8 have text_offset 0")
        XCTAssertGreaterThan(image.imageSize, UInt64(image.bytes.count))
        XCTAssertEqual(image.pageSize, 4096)
        let initrd = try FileManager.default.attributesOfItem(atPath: files.initrd)[.size] as? UInt64 ?? 0
        XCTAssertGreaterThan(initrd, 0)

        let board = try TestMachine(board: "virt-arm64")
        try board.start()
        let cluster = try XCTUnwrap(try board.machine.resolve("arm") as? Cluster)
        let ram = try XCTUnwrap(DeviceTree.ramRanges(of: try board.machine.resolve("arm/ram"), in: cluster).first)
        let layout = try LinuxBootLayout.plan(image, initrdSize: initrd, ram: ram) { ChimeraError(.generic, $0) }
        XCTAssertLessThanOrEqual(try XCTUnwrap(layout.initrd).upperBound, ram.address + ram.size)
    }
}
