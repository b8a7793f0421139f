import ChimeraCore
import ChimeraMonitor
import ChimeraScheduler
import Foundation
import XCTest

/// Regression tests for issue #16: clients that flood, half-close, send
/// duplicate members or point dumps at FIFOs get bounded, clear behaviour.
final class MonitorRobustnessTests: XCTestCase {
    func session() throws -> MonitorSession {
        let s = try MonitorSession(machine: try MonitorFixture.makeMachine())
        XCTAssertTrue(s.negotiate())
        return s
    }

    func testDuplicateMembersAreAnError() throws {
        let s = try session()
        let reply = s.send(#"{"execute": "query-status", "execute": "quit"}"#)
        XCTAssertEqual(reply.first?["error"]?["class"], "GenericError")
        XCTAssertTrue(reply.first?["error"]?["desc"]?.string?.contains("duplicate key 'execute'") == true, "\(reply)")
        XCTAssertEqual(s.dispatcher.state, .running, "the duplicated quit must not run")
    }

    func testMemoryDumpsGoOnlyToRegularOrNewFiles() throws {
        let s = try session()
        let fifo = NSTemporaryDirectory() + "chimera-dump-\(getpid()).fifo"
        unlink(fifo)
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        for command in ["pmemsave", "memsave"] {
            // A FIFO without a reader would block open() and with it the simulation thread.
            let reply = s.send(#"{"execute": "\#(command)", "arguments": {"val": 0, "size": 16, "filename": "\#(fifo)"}}"#)
            XCTAssertTrue(reply.first?["error"]?["desc"]?.string?.contains("FIFO") == true, "\(reply)")
        }
        let proc = s.send(#"{"execute": "pmemsave", "arguments": {"val": 0, "size": 16, "filename": "/proc/self/mem"}}"#)
        XCTAssertNotNil(proc.first?["error"], "\(proc)")
        let file = NSTemporaryDirectory() + "chimera-dump-\(getpid()).bin"
        defer { unlink(file) }
        XCTAssertEqual(s.send(#"{"execute": "pmemsave", "arguments": {"val": 0, "size": 16, "filename": "\#(file)"}}"#).first,
                       ["return": [:]])
        XCTAssertEqual((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, 16)
    }

    func testHalfClosedClientStillGetsItsReply() throws {
        let server = ServerHarness(makeMachine: { try MonitorFixture.makeMachine() })
        let c = try server.client()
        c.send(#"{"execute": "query-status", "id": "last"}"#)
        shutdown(c.fd, Int32(SHUT_WR))
        let reply = c.reply()
        XCTAssertEqual(reply?["id"], "last", "\(String(describing: reply))")
        XCTAssertEqual(reply?["return"]?["status"], "running")
        XCTAssertTrue(c.isClosed(), "the server closes the connection once the reply is written")
        let other = try server.client()
        XCTAssertEqual(other.execute("quit"), ["return": [:]])
        XCTAssertNotNil(server.wait())
    }

    /// A client that floods commands without reading its replies is no
    /// longer read once 64 of its commands are outstanding; when it goes,
    /// what it queued goes too, so the next client is answered at once.
    func testFloodingClientCannotStarveOthers() throws {
        let server = ServerHarness(makeMachine: { try MonitorFixture.makeMachine() })
        let flooder = try server.client()
        let command = Array(#"{"execute": "human-monitor-command", "arguments": {"command-line": "info qtree"}}"#.utf8)
        // Non-blocking, so the test itself never waits on a full socket buffer.
        _ = fcntl(flooder.fd, F_SETFL, fcntl(flooder.fd, F_GETFL) | O_NONBLOCK)
        var sent = 0
        for _ in 0..<200_000 {
            let n = command.withUnsafeBytes { send(flooder.fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += 1
        }
        XCTAssertLessThan(sent, 200_000, "the server kept reading a client that reads no replies")
        flooder.disconnect()
        let other = try server.client()
        XCTAssertEqual(other.execute("query-status", id: 1)?["id"], 1)
        XCTAssertEqual(other.execute("quit"), ["return": [:]])
        XCTAssertNotNil(server.wait())
    }
}
