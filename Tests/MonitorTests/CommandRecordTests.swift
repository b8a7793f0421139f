import XCTest
import ChimeraCore
import ChimeraScheduler
import ChimeraTestSupport
@testable import ChimeraMonitor

/// A run steered by monitor commands, recorded with their virtual times,
/// replays to the same result without any client.
final class CommandRecordTests: XCTestCase {
    /// Prints a letter every 64 iterations, 40 letters and a newline, then exits.
    static func printer() -> [UInt8] {
        var asm = ToyAssembler()
        asm.emit(.li, 1, 0, Int64(MonitorFixture.uartBase))
        asm.emit(.li, 2, 0, 0)                  // letters printed
        asm.emit(.li, 3, 0, 0)                  // iteration counter
        asm.label("loop")
        asm.emit(.addi, 3, 0, 1)
        asm.emit(.mov, 4, 3)
        asm.emit(.andi, 4, 0, 63)
        asm.emit(.bnz, 4, 0, target: "loop")
        asm.emit(.mov, 5, 2)
        asm.emit(.andi, 5, 0, 15)
        asm.emit(.addi, 5, 0, 0x61)
        asm.emit(.store, 5, 1, 0)
        asm.emit(.addi, 2, 0, 1)
        asm.emit(.mov, 6, 2)
        asm.emit(.cmpeq, 6, 0, 40)
        asm.emit(.bz, 6, 0, target: "loop")
        asm.emit(.li, 5, 0, 0x0A)
        asm.emit(.store, 5, 1, 0)
        asm.emit(.li, 0, 0, 0)
        asm.emit(.exit, 0)
        return asm.assemble()
    }

    func testRecordedCommandsReplayAtTheirVirtualTimes() throws {
        // Live: steer a two-cluster toy machine through a session at chosen boundaries.
        let live = try MonitorFixture.makeMachine(programA: Self.printer())
        let session = try MonitorSession(machine: live)
        session.negotiate()
        var recorded: [RecordedCommand] = []
        session.dispatcher.recorder = { time, request in
            recorded.append(RecordedCommand(time: time, name: request.command, arguments: request.arguments))
        }
        let sim = try XCTUnwrap(session.dispatcher.simulation)
        _ = sim.run(RunLimits(deadline: .microseconds(3)))
        XCTAssertNotNil(session.send(#"{"execute": "system_reset"}"#).first?["return"])
        _ = sim.run(RunLimits(deadline: .microseconds(6)))
        XCTAssertNotNil(session.send(#"{"execute": "qom-set", "arguments": {"path": "/machine", "property": "quantum", "value": "7us"}}"#).first?["return"])
        XCTAssertNotNil(session.send(#"{"execute": "system_reset"}"#).first?["return"])
        let liveResult = sim.run(RunLimits(deadline: .seconds(1)))
        XCTAssertEqual(recorded.map(\.time), [.microseconds(3), .microseconds(6), .microseconds(6)])
        XCTAssertTrue(live.serial.text.hasSuffix("\n"), live.serial.text)

        // The record survives its text form and replays to the same hash and output.
        let text = recorded.map(\.jsonText).joined(separator: "\n")
        let parsed = try RecordedCommand.parse(text, file: "record.jsonl")
        XCTAssertEqual(parsed, recorded)
        let replayMachine = try MonitorFixture.makeMachine(programA: Self.printer())
        let replayed = try runReplayingCommands(parsed, machine: replayMachine, limits: RunLimits(deadline: .seconds(1)))
        XCTAssertEqual(replayed.outcome, liveResult.outcome)
        XCTAssertEqual(replayed.traceHash, liveResult.traceHash)
        XCTAssertEqual(replayMachine.serial.text, live.serial.text)
        XCTAssertEqual(replayMachine.quantum, .microseconds(7))

        // Replaying at the wrong time is visible: the reset lands elsewhere.
        var shifted = parsed
        shifted[0].time = .microseconds(2)
        let other = try MonitorFixture.makeMachine(programA: Self.printer())
        _ = try runReplayingCommands(shifted, machine: other, limits: RunLimits(deadline: .seconds(1)))
        XCTAssertNotEqual(other.serial.text, live.serial.text)

        XCTAssertThrowsError(try RecordedCommand.parse("{\"time\": 5, \"execute\": \"stop\"}\n{\"time\": 4, \"execute\": \"cont\"}", file: "bad.jsonl")) {
            XCTAssertTrue("\($0)".hasPrefix("bad.jsonl:2: times must not decrease"), "\($0)")
        }
    }
}
