import ChimeraCore
@testable import ChimeraMonitor
import ChimeraScheduler
import XCTest

/// Command behaviour through an in-process session (no sockets).
final class DispatcherTests: XCTestCase {
    private func session(realized: Bool = true) throws -> MonitorSession {
        let s = try MonitorSession(machine: try MonitorFixture.makeMachine(realized: realized))
        XCTAssertTrue(s.negotiate())
        return s
    }

    private func execute(_ s: MonitorSession, _ command: String, _ arguments: Value = [:]) -> Value? {
        s.send(Value.dict(["execute": .string(command), "arguments": arguments]).jsonText).first
    }

    /// `gdbserver` goes to the hook the command-line tool installs; without one it is refused.
    func testGDBServerUsesTheInstalledStarter() throws {
        let s = try session()
        XCTAssertEqual(execute(s, "gdbserver", ["device": "tcp::0"])?["error"]?["class"], "GenericError")
        var asked: [String] = []
        s.dispatcher.startGDBServer = { device in
            asked.append(device)
            return "tcp:127.0.0.1:4321"
        }
        XCTAssertEqual(execute(s, "gdbserver", ["device": "tcp::0"])?["return"]?["endpoint"], "tcp:127.0.0.1:4321")
        XCTAssertEqual(execute(s, "gdbserver")?["return"]?["endpoint"], "tcp:127.0.0.1:4321")
        XCTAssertEqual(asked, ["tcp::0", "tcp::1234"])
        s.dispatcher.startGDBServer = { _ throws(ChimeraError) in throw ChimeraError(.generic, "port in use") }
        XCTAssertEqual(execute(s, "gdbserver")?["error"]?["desc"], "port in use")
    }

    func testEveryTableCommandIsImplemented() throws {
        for command in MonitorCommand.all where command.name != "qmp_capabilities" {
            let s = try session()
            let reply = execute(s, command.name)
            XCTAssertNotEqual(reply?["error"]?["class"], "CommandNotFound", "\(command.name): \(reply?.jsonText ?? "no reply")")
        }
    }

    func testSchemaDescribesEveryCommandAndEveryTypesProperties() throws {
        let s = try session()
        let machine = s.dispatcher.machine
        guard let entries = execute(s, "query-qmp-schema")?["return"]?.list else { return XCTFail("no schema") }
        let names = entries.compactMap { $0["name"]?.string }
        for command in MonitorCommand.all {
            guard let entry = entries.first(where: { $0["name"]?.string == command.name && $0["meta-type"] == "command" }),
                  let argType = entry["arg-type"]?.string, let retType = entry["ret-type"]?.string else {
                XCTFail("no command entry for \(command.name)")
                continue
            }
            XCTAssertTrue(names.contains(argType), "\(command.name): arg-type \(argType) is not defined")
            XCTAssertTrue(names.contains(retType), "\(command.name): ret-type \(retType) is not defined")
            let members = entries.first { $0["name"]?.string == argType }?["members"]?.list?.compactMap { $0["name"]?.string } ?? []
            XCTAssertEqual(members, command.arguments.map(\.name), command.name)
        }
        // Every type referenced by a member or array is defined.
        for entry in entries {
            for member in entry["members"]?.list ?? [] {
                if let t = member["type"]?.string { XCTAssertTrue(names.contains(t), "undefined type \(t)") }
            }
            if let element = entry["element-type"]?.string { XCTAssertTrue(names.contains(element), "undefined type \(element)") }
        }
        let registry = machine.registry
        let qomTypes = entries.filter { $0["meta-type"] == "qom-type" }
        XCTAssertEqual(qomTypes.compactMap { $0["name"]?.string }, registry.list(includeAbstract: true).map(\.name))
        for entry in qomTypes {
            let type = try registry.type(named: entry["name"]!.string!)
            let properties = entry["properties"]?.list ?? []
            XCTAssertEqual(properties.compactMap { $0["name"]?.string }, registry.allProperties(of: type).map(\.name))
            for (p, d) in zip(properties, registry.allProperties(of: type)) {
                XCTAssertEqual(p["type"]?.string, d.type.description)
                XCTAssertEqual(p["access"]?.string, d.access.rawValue)
                XCTAssertEqual(p["description"]?.string, d.doc)
                XCTAssertEqual(p["default-value"], d.defaultValue)
            }
        }
    }

    func testPreconfigReplayOfExportedCommandsGivesTheSameMachine() throws {
        let original = try MonitorFixture.makeMachine(realized: false)
        try original.connect("/machine/a/uart.irq", to: "/machine/a/cpu[0].irq")
        try original.resolve("/machine/a/uart").setProperty("character-time", "2us")
        let script = original.constructionCommands().map(\.qmpText).joined(separator: "\n")

        let empty = try Machine(registry: MonitorFixture.registry())
        let s = try MonitorSession(machine: empty)
        XCTAssertTrue(s.negotiate())
        try s.replay(script: script)
        XCTAssertEqual(execute(s, "x-exit-preconfig"), ["return": [:]])
        try original.realizeMachine()

        let replayed = try MonitorSession(machine: original)
        XCTAssertTrue(replayed.negotiate())
        for topic in ["info qom-tree", "info qtree", "info mtree"] {
            let rebuilt = execute(s, "human-monitor-command", ["command-line": .string(topic)])?["return"]
            let reference = execute(replayed, "human-monitor-command", ["command-line": .string(topic)])?["return"]
            XCTAssertNotNil(rebuilt?.string)
            XCTAssertEqual(rebuilt, reference, topic)
        }
        XCTAssertEqual(empty.irqConnections.map { "\($0.from.name)->\($0.to.name)" }, ["/machine/a/uart.irq->/machine/a/cpu[0].irq"])
    }

    func testReplayReportsTheFailingLine() throws {
        let s = try MonitorSession(machine: try Machine(registry: MonitorFixture.registry()))
        XCTAssertTrue(s.negotiate())
        XCTAssertThrowsError(try s.replay(script: """
            # a comment
            {"execute": "object-add", "arguments": {"qom-type": "cluster", "id": "a"}}
            {"execute": "object-add", "arguments": {"qom-type": "no-such-type", "id": "a/x"}}
            """)) { error in
            XCTAssertEqual((error as? ChimeraError)?.location?.line, 3)
        }
    }

    func testRuntimeObjectsAreRealizedAndCreatabilityIsEnforced() throws {
        let s = try session()
        XCTAssertEqual(execute(s, "object-add", ["qom-type": "ram", "id": "/machine/b/extra", "size": "4K"]), ["return": [:]])
        let extra = try s.dispatcher.machine.resolve("/machine/b/extra")
        XCTAssertEqual(extra.state, .realized)
        XCTAssertEqual(execute(s, "object-add", ["qom-type": "machine", "id": "/machine/m2"])?["error"]?["class"], "GenericError")
        XCTAssertEqual(execute(s, "object-del", ["id": "/machine"])?["error"]?["class"], "GenericError")
        XCTAssertEqual(execute(s, "object-del", ["id": "/machine/a"])?["error"]?["class"], "GenericError")
        XCTAssertEqual(execute(s, "qom-set", ["path": "/machine/a/cpu[0]", "property": "pc", "value": 4])?["error"]?["desc"],
                       "/machine/a/cpu[0]: property 'pc' is read-only")
    }

    func testSystemResetRestoresBootStateAndClearsExit() throws {
        let machine = try MonitorFixture.makeMachine(programA: MonitorFixture.countdown(10, exitCode: 5))
        let s = try MonitorSession(machine: machine)
        XCTAssertTrue(s.negotiate())
        let result = s.dispatcher.simulation!.run(RunLimits(deadline: .milliseconds(1)))
        XCTAssertEqual(result.outcome, .exited(code: 5, reason: "/machine/a/cpu[0] requested exit"))
        // The run has an outcome but the dispatcher was not driven: reset still allowed in-process.
        XCTAssertNotNil(machine.exitRequest)
        let cpu = try machine.resolve("/machine/a/cpu[0]") as! CPUDevice
        XCTAssertNotEqual(cpu.programCounter, 0)
        _ = execute(s, "system_reset")
        XCTAssertNil(machine.exitRequest)
        XCTAssertEqual(cpu.programCounter, 0)
        XCTAssertEqual(cpu.readRegister("r2"), 0)
    }

    func testMemsaveWritesGuestBytes() throws {
        let s = try session()
        let file = "/tmp/chimera-memsave-\(getpid())-\(UInt64.random(in: 0..<UInt64.max)).bin"
        defer { unlink(file) }
        XCTAssertEqual(execute(s, "memsave", ["val": 0, "size": 24, "filename": .string(file)]), ["return": [:]])
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
        XCTAssertEqual(bytes, Array(MonitorFixture.spin().prefix(24)))
        XCTAssertEqual(execute(s, "memsave", ["val": 0, "size": 4, "filename": .string(file), "cpu-index": 9])?["error"]?["class"],
                       "GenericError")
        XCTAssertEqual(execute(s, "pmemsave", ["val": 0x0900_0000, "size": 4, "filename": .string(file)])?["error"]?["class"],
                       "GenericError", "MMIO must not be read")
        XCTAssertEqual(execute(s, "pmemsave", ["val": 0, "size": 4, "filename": "/nonexistent-dir/x"])?["error"]?["class"],
                       "GenericError")
    }
}

import Foundation
