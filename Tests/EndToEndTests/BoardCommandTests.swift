import Foundation
import XCTest

/// `chimera graph`, `chimera check` and `chimera dtb` on the shipped boards.
final class BoardCommandTests: XCTestCase {
    /// `chimera graph hetero` is DOT that Graphviz accepts, and it shows both clusters and the mailbox wiring.
    func testGraphHeteroIsValidDOT() throws {
        guard let dot = EndToEnd.which("dot") else {
            throw XCTSkip("Graphviz `dot` is not installed (Debian package graphviz)")
        }
        let graph = try EndToEnd.chimera(["graph", "hetero"])
        XCTAssertEqual(graph.status, 0, graph.stderr)
        let text = graph.stdoutText
        XCTAssertTrue(text.hasPrefix("digraph"), text)
        for needle in ["arm\\n(cluster)", "x86\\n(cluster)", "mailbox\\n(mailbox)", "port[0] @ 0xa000000", "port[1] @ 0xfed00000"] {
            XCTAssertTrue(text.contains(needle), "graph lacks \(needle)")
        }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("hetero-\(UUID().uuidString).dot")
        try graph.stdout.write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let svg = try EndToEnd.run(dot, ["-Tsvg", input.path], timeout: 120)
        XCTAssertEqual(svg.status, 0, "dot -Tsvg rejected the graph:\n\(svg.stderr)")
        XCTAssertTrue(svg.stderr.isEmpty, "dot -Tsvg warned:\n\(svg.stderr)")
        XCTAssertTrue(svg.stdoutText.contains("<svg"), "dot produced no SVG")
    }

    /// Board parameters given with -p change the machine that `chimera check` builds.
    func testCheckReportsCoresFromParameters() throws {
        func cores(_ extra: [String]) throws -> Int {
            let result = try EndToEnd.chimera(["check", "hetero"] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            let text = result.stdoutText
            guard let range = text.range(of: #"(\d+) cores"#, options: .regularExpression),
                  let n = Int(text[range].prefix { $0.isNumber }) else {
                XCTFail("no core count in: \(text)")
                return -1
            }
            return n
        }
        XCTAssertEqual(try cores([]), 2)
        XCTAssertEqual(try cores(["-p", "arm-cores=3"]), 4)
        XCTAssertEqual(try cores(["-p", "arm-cores=2", "-p", "x86-cores=2"]), 4)
        XCTAssertEqual(try cores(["-p", "arm-cores=8", "-p", "x86-cores=8"]), 16)
    }

    /// An out-of-range parameter is a host-side error: non-zero status and a message naming it.
    func testCheckRejectsOutOfRangeParameter() throws {
        let result = try EndToEnd.chimera(["check", "hetero", "-p", "arm-cores=9"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("arm-cores"), result.stderr)
    }

    /// `chimera dtb` writes a binary DTB that dtc accepts without warnings, with the
    /// command line and the board's cores; hetero's shared RAM window is not Linux memory.
    func testDTBIsAcceptedByDTC() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("virt-\(UUID().uuidString).dtb")
        defer { try? FileManager.default.removeItem(at: out) }
        let written = try EndToEnd.chimera(["dtb", "virt-arm64", "-p", "cores=3", "--append", "arm=console=ttyAMA0 quiet",
                                            "-o", out.path])
        XCTAssertEqual(written.status, 0, written.stderr)
        let stdout = try EndToEnd.chimera(["dtb", "virt-arm64", "-p", "cores=3", "--append", "arm=console=ttyAMA0 quiet"])
        XCTAssertEqual(stdout.stdout, try Data(contentsOf: out), "stdout and -o give the same blob")
        XCTAssertEqual(Array(stdout.stdout.prefix(4)), [0xD0, 0x0D, 0xFE, 0xED])
        let hetero = try EndToEnd.chimera(["dtb", "hetero"])
        XCTAssertEqual(hetero.status, 0, hetero.stderr)
        let noKernel = try EndToEnd.chimera(["dtb", "virt-arm64", "--initrd", "arm=/etc/hostname"])
        XCTAssertNotEqual(noKernel.status, 0)
        XCTAssertTrue(noKernel.stderr.contains("--initrd needs --kernel"), noKernel.stderr)

        guard let dtc = EndToEnd.which("dtc") else {
            throw XCTSkip("dtc is not installed (Debian package device-tree-compiler)")
        }
        let dts = try EndToEnd.run(dtc, ["-I", "dtb", "-O", "dts", out.path], timeout: 60)
        XCTAssertEqual(dts.status, 0, dts.stderr)
        XCTAssertEqual(dts.stderr, "", "dtc warned")
        for needle in ["bootargs = \"console=ttyAMA0 quiet\";", "cpu@2 {", "arm,cortex-a15-gic", "arm,pl011"] {
            XCTAssertTrue(dts.stdoutText.contains(needle), "dts lacks \(needle):\n\(dts.stdoutText)")
        }
        let heteroInput = FileManager.default.temporaryDirectory.appendingPathComponent("hetero-\(UUID().uuidString).dtb")
        defer { try? FileManager.default.removeItem(at: heteroInput) }
        try hetero.stdout.write(to: heteroInput)
        let heteroDTS = try EndToEnd.run(dtc, ["-I", "dtb", "-O", "dts", heteroInput.path], timeout: 60).stdoutText
        XCTAssertTrue(heteroDTS.contains("memory@40000000"), heteroDTS)
        XCTAssertFalse(heteroDTS.contains("memory@80000000"), "the shared window is not Linux's memory")
    }
}
