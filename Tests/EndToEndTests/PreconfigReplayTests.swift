import ChimeraCore
import ChimeraKit
import ChimeraMonitor
import XCTest

/// `chimera board export` gives a QMP script; replaying it against an empty
/// machine in preconfig must rebuild the board exactly: same `info
/// qom-tree` below the root, same memory and I/O maps, same wiring.
final class PreconfigReplayTests: XCTestCase {
    func hmp(_ session: MonitorSession, _ command: String) throws -> String {
        let replies = session.send(Value.dict(["execute": "human-monitor-command",
                                                "arguments": ["command-line": .string(command)]]).jsonText)
        return try XCTUnwrap(replies.first?["return"]?.string, "\(replies)")
    }

    func testExportedScriptRebuildsHeteroOverQMP() throws {
        for parameters in [[], [("arm-cores", "2"), ("x86-cores", "2")]] {
            let reference = try EndToEnd.machine(board: "hetero", parameters: parameters)
            let script = reference.constructionCommands().map(\.qmpText).joined(separator: "\n")
            try reference.realizeMachine()
            let referenceSession = try MonitorSession(machine: reference)
            XCTAssertTrue(referenceSession.negotiate())

            let empty = try Machine(registry: ChimeraKit.standardRegistry())
            let session = try MonitorSession(machine: empty)
            XCTAssertTrue(session.negotiate())
            try session.replay(script: script)
            XCTAssertNotNil(session.send(#"{"execute": "x-exit-preconfig"}"#).first?["return"])
            XCTAssertEqual(empty.state, .realized)

            // The root's type is the board's on one side and plain `machine` on the other.
            let tree = { (s: String) in s.split(separator: "\n").dropFirst().joined(separator: "\n") }
            XCTAssertEqual(tree(try hmp(session, "info qom-tree")), tree(try hmp(referenceSession, "info qom-tree")))
            XCTAssertEqual(try hmp(session, "info mtree"), try hmp(referenceSession, "info mtree"))
            XCTAssertEqual(empty.irqConnections.map { "\($0.from.name)->\($0.to.name)" },
                           reference.irqConnections.map { "\($0.from.name)->\($0.to.name)" })
            XCTAssertGreaterThan(empty.cpus.count, 1, "\(parameters)")
        }
    }
}
