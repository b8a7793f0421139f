import Foundation
import XCTest

/// `chimera graph` and `chimera check` on the shipped boards.
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
}
