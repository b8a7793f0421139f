import ChimeraCore
import ChimeraMonitor
import ChimeraScheduler
import Foundation
import XCTest

/// The monitor over real Unix sockets while a simulation runs.
final class SocketTests: XCTestCase {
    private func spinningServer() -> ServerHarness {
        ServerHarness(makeMachine: { try MonitorFixture.makeMachine() })
    }

    private func instructions(_ c: TestClient) -> UInt64? {
        c.execute("qom-get", ["path": "/machine/a/cpu[0]", "property": "instructions"])?["return"]?.uint64
    }

    /// The simulation advances between two reads: the monitor did not block it.
    private func assertRunning(_ c: TestClient, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(c.execute("query-status")?["return"]?["status"]?.string, "running", file: file, line: line)
        let first = instructions(c) ?? 0
        var later = first
        for _ in 0..<200 where later == first {
            usleep(5_000)
            later = instructions(c) ?? 0
        }
        XCTAssertGreaterThan(later, first, "the simulation stopped advancing", file: file, line: line)
    }

    func testGreetingNegotiationAndSocketMode() throws {
        let server = spinningServer()
        let c = try TestClient(path: server.path)
        var st = stat()
        XCTAssertEqual(lstat(server.path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        let greeting = c.receive()
        XCTAssertEqual(greeting?["QMP"]?["version"]?["package"], "chimera")
        XCTAssertEqual(greeting?["QMP"]?["capabilities"], [])
        XCTAssertEqual(c.execute("query-status", id: 1)?["error"]?["class"], "CommandNotFound")
        XCTAssertEqual(c.execute("qmp_capabilities", id: "neg"), ["return": [:], "id": "neg"])
        assertRunning(c)
        XCTAssertEqual(c.execute("quit"), ["return": [:]])
        XCTAssertEqual(c.event("SHUTDOWN")?["data"]?["reason"], "host-qmp-quit")
        guard case .success(let run)? = server.wait() else { return XCTFail("the run did not end") }
        XCTAssertTrue(run.quit)
        XCTAssertEqual(run.finalState, .shutdown)
        XCTAssertFalse(FileManager.default.fileExists(atPath: server.path), "the socket file must be removed")
    }

    func testMalformedTrafficWhileRunning() throws {
        let server = spinningServer()
        let c = try server.client()
        assertRunning(c)

        c.send("this is not json\n")
        XCTAssertEqual(c.reply()?["error"]?["class"], "GenericError")
        c.send(#"{"execute": "query-status", "id": 7,}"# + "\n")
        XCTAssertEqual(c.reply()?["error"]?["class"], "GenericError")
        XCTAssertEqual(c.execute("no-such-command", id: 8), ["error": ["class": "CommandNotFound",
                                                                       "desc": "The command no-such-command has not been found"],
                                                             "id": 8])
        XCTAssertEqual(c.execute("qom-get", ["path": 5, "property": "pc"], id: 9)?["error"],
                       ["class": "GenericError", "desc": "Invalid parameter type for 'path', expected: string"])
        XCTAssertEqual(c.execute("memsave", ["val": "zero", "size": 4, "filename": "/dev/null"])?["error"]?["class"], "GenericError")
        XCTAssertEqual(c.execute("qom-list", ["path": "/machine", "bogus": true])?["error"]?["desc"], "Parameter 'bogus' is unexpected")
        XCTAssertEqual(c.execute("qom-list", ["path": "/machine/nowhere"])?["error"]?["class"], "DeviceNotFound")

        // 2 MiB in one message: one error, the rest discarded, the connection kept.
        let pad = String(repeating: "x", count: 2 << 20)
        c.send(#"{"execute": "query-status", "arguments": {"pad": ""# + pad + #""}}"#)
        let oversized = c.reply()
        XCTAssertEqual(oversized?["error"]?["class"], "GenericError")
        XCTAssertTrue(oversized?["error"]?["desc"]?.string?.contains("exceeds") ?? false)
        XCTAssertEqual(c.execute("query-status", id: "after")?["id"], "after")

        // A client that disconnects mid-message is dropped; others carry on.
        let quitter = try server.client()
        quitter.send(#"{"execute": "query-st"#)
        _ = quitter
        let other = try server.client()
        assertRunning(other)
        assertRunning(c)

        XCTAssertEqual(c.execute("quit"), ["return": [:]])
        guard case .success? = server.wait() else { return XCTFail("the run did not end") }
    }

    func testDisconnectMidMessageDoesNotDisturbTheRun() throws {
        let server = spinningServer()
        do {
            let c = try server.client()
            c.send(#"{"execute": "stop", "arguments": {"#)
        }  // closed here, mid-message
        let c = try server.client()
        assertRunning(c)
        _ = c.execute("quit")
        XCTAssertNotNil(server.wait())
    }

    func testStopContAndShutdownWithExitCode() throws {
        let server = ServerHarness(makeMachine: {
            try MonitorFixture.makeMachine(programA: MonitorFixture.countdown(300_000, exitCode: 7))
        })
        let c = try server.client()
        XCTAssertEqual(c.execute("stop"), ["return": [:]])
        let stop = c.event("STOP")
        XCTAssertNotNil(stop?["data"]?["virtual-time-ns"]?.uint64)
        XCTAssertNotNil(stop?["timestamp"]?["seconds"]?.int64)
        XCTAssertEqual(c.execute("query-status")?["return"], ["running": false, "status": "paused"])
        let frozen = instructions(c)
        usleep(50_000)
        XCTAssertEqual(instructions(c), frozen, "a paused run must not advance")
        XCTAssertEqual(c.execute("cont"), ["return": [:]])
        XCTAssertNotNil(c.event("RESUME"))
        let shutdown = c.event("SHUTDOWN", timeout: 60)
        XCTAssertEqual(shutdown?["data"]?["exit-code"], 7)
        XCTAssertEqual(shutdown?["data"]?["guest"], true)
        XCTAssertEqual(shutdown?["data"]?["reason"], "guest-shutdown")
        XCTAssertEqual(c.execute("query-status")?["return"]?["status"], "shutdown")
        XCTAssertEqual(c.execute("cont")?["error"]?["class"], "GenericError")
        XCTAssertEqual(c.execute("human-monitor-command", ["command-line": "info registers"])?["return"]?.string?
                        .contains("R2 =0000000000000007"), true)
        c.disconnect()  // the grace period ends when the last client leaves
        guard case .success(let run)? = server.wait(timeout: 60) else { return XCTFail("the run did not end") }
        XCTAssertEqual(run.exitStatus, 7)
        XCTAssertFalse(run.quit)
    }

    func testGuestPanicEmitsGuestPanickedAndShutdown() throws {
        let server = ServerHarness(options: MonitorRunOptions(startPaused: true, shutdownGrace: 2),
                                   makeMachine: { try MonitorFixture.makeMachine(programA: MonitorFixture.crash()) })
        let c = try server.client()
        XCTAssertEqual(c.execute("query-status")?["return"]?["status"], "paused")
        _ = c.execute("cont")
        let panic = c.event("GUEST_PANICKED")
        XCTAssertEqual(panic?["data"]?["cpu"], "/machine/a/cpu[0]")
        XCTAssertEqual(panic?["data"]?["pc"], 8)
        XCTAssertEqual(c.event("SHUTDOWN")?["data"]?["reason"], "guest-panic")
        XCTAssertEqual(c.execute("query-status")?["return"]?["status"], "guest-panicked")
        c.disconnect()
        guard case .success(let run)? = server.wait() else { return XCTFail("the run did not end") }
        XCTAssertEqual(run.exitStatus, 1)
    }

    func testPreconfigBuildsAndLaunches() throws {
        let server = ServerHarness(options: MonitorRunOptions(preconfig: true, shutdownGrace: 2),
                                   makeMachine: { try Machine(registry: MonitorFixture.registry()) },
                                   configure: { sim in MonitorFixture.load(sim.machine, programA: MonitorFixture.countdown(1000, exitCode: 3)) })
        let c = try server.client()
        XCTAssertEqual(c.execute("query-status")?["return"], ["running": false, "status": "prelaunch"])
        XCTAssertEqual(c.execute("cont")?["error"]?["class"], "GenericError")
        let script = try MonitorFixture.makeMachine(realized: false).constructionCommands()
        for command in script {
            c.send(command.qmpText + "\n")
            XCTAssertEqual(c.reply(), ["return": [:]], command.qmpText)
        }
        XCTAssertEqual(c.execute("stop"), ["return": [:]])
        XCTAssertEqual(c.execute("x-exit-preconfig"), ["return": [:]])
        XCTAssertEqual(c.execute("x-exit-preconfig")?["error"]?["class"], "GenericError")
        XCTAssertEqual(c.execute("query-status")?["return"]?["status"], "paused")
        XCTAssertEqual(c.execute("query-cpus-fast")?["return"]?.list?.count, 2)
        _ = c.execute("cont")
        XCTAssertEqual(c.event("SHUTDOWN")?["data"]?["exit-code"], 3)
        c.disconnect()
        guard case .success(let run)? = server.wait() else { return XCTFail("the run did not end") }
        XCTAssertEqual(run.exitStatus, 3)
    }

    func testQuitDuringPreconfig() throws {
        let server = ServerHarness(options: MonitorRunOptions(preconfig: true),
                                   makeMachine: { try Machine(registry: MonitorFixture.registry()) })
        let c = try server.client()
        XCTAssertEqual(c.execute("quit"), ["return": [:]])
        guard case .success(let run)? = server.wait() else { return XCTFail("the run did not end") }
        XCTAssertNil(run.result)
        XCTAssertTrue(run.quit)
        XCTAssertTrue(c.isClosed())
    }

    func testSeveralClientsAllReceiveEvents() throws {
        let server = spinningServer()
        let a = try server.client(), b = try server.client()
        let unnegotiated = try TestClient(path: server.path)
        XCTAssertNotNil(unnegotiated.receive()?["QMP"])
        _ = a.execute("stop")
        XCTAssertNotNil(a.event("STOP"))
        XCTAssertNotNil(b.event("STOP"))
        XCTAssertEqual(b.execute("query-status")?["return"]?["status"], "paused")
        _ = b.execute("system_reset")
        XCTAssertEqual(a.event("RESET")?["data"]?["reason"], "host-qmp-system-reset")
        _ = b.execute("quit")
        XCTAssertNotNil(server.wait())
        // The client that never negotiated saw no events at all.
        while let v = unnegotiated.receive(timeout: 1) { XCTAssertNil(v["event"], "\(v.jsonText)") }
    }

    func testTCPLoopbackWithPortZero() throws {
        let server = try MonitorServer(endpoints: [.tcp(host: "127.0.0.1", port: 0)])
        defer { server.close() }
        guard case .tcp(_, let port) = server.boundEndpoints[0] else { return XCTFail() }
        XCTAssertNotEqual(port, 0)
    }

    func testStaleSocketIsReplacedAndLiveOneRefused() throws {
        let path = "/tmp/chimera-mon-\(UUID().uuidString.prefix(12)).sock"
        let first = try MonitorServer(endpoints: [.unix(path: path)])
        XCTAssertThrowsError(try MonitorServer(endpoints: [.unix(path: path)]))
        first.close()
        // Leave a stale socket file behind, as a crashed process would.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in raw.copyBytes(from: Array(path.utf8)) }
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let second = try MonitorServer(endpoints: [.unix(path: path)])
        second.close()
        FileManager.default.createFile(atPath: path, contents: Data("not a socket".utf8))
        XCTAssertThrowsError(try MonitorServer(endpoints: [.unix(path: path)]))
        try? FileManager.default.removeItem(atPath: path)
    }
}
