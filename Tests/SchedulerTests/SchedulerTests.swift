import XCTest
import Foundation
import ChimeraCore
import ChimeraDevices
import ChimeraTestSupport
@testable import ChimeraScheduler

final class SchedulerTests: XCTestCase {
    /// One toy core with 64 KiB of RAM at 0, realized.
    func singleToyCore() throws -> (Machine, Cluster) {
        let m = try Machine(registry: TwoClusterFixture.registry())
        let cluster = try m.addChild("c", type: "cluster", as: Cluster.self)
        try cluster.addChild("cpu[0]", type: "toy-cpu")
        try cluster.addChild("ram", type: "ram").setProperty("size", "64K")
        try cluster.map(RegionMapping(objectPath: "c/ram", region: "mem", address: 0))
        try m.realizeMachine()
        return (m, cluster)
    }

    static let expectedA = String(repeating: "eima", count: 10) + "\n"
    static let expectedB = "1234567012345670123456701234567012345670"

    func testPingPongProducesTheExpectedOutputAndExits() throws {
        let (merged, a, b, _, result) = try TwoClusterFixture.run()
        XCTAssertEqual(result.outcome, .exited(code: 0, reason: "/machine/a/cpu[0] requested exit"))
        XCTAssertEqual(a, Self.expectedA)
        XCTAssertEqual(b, Self.expectedB)
        XCTAssertEqual(merged.count, a.count + b.count)
    }

    func testRepeatedRunsAreIdentical() throws {
        let first = try TwoClusterFixture.run()
        let second = try TwoClusterFixture.run()
        XCTAssertEqual(first.0, second.0)
        XCTAssertEqual(first.3, second.3)
    }

    func testOutputDoesNotDependOnTheQuantum() throws {
        let reference = try TwoClusterFixture.run(quantum: "10us")
        for q in ["1us", "1ms"] {
            let other = try TwoClusterFixture.run(quantum: q)
            XCTAssertEqual(other.1, reference.1, "UART a output with quantum \(q)")
            XCTAssertEqual(other.2, reference.2, "UART b output with quantum \(q)")
            XCTAssertEqual(other.0, reference.0, "merged output with quantum \(q)")
        }
        // Polling instead of interrupts gives the same answer too.
        XCTAssertEqual(try TwoClusterFixture.run(useInterrupts: false).0, reference.0)
    }

    func testTwoMachinesOnTwoThreadsMatchASerialRun() throws {
        let reference = try TwoClusterFixture.run()
        let results = Mutex2<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let r = try? TwoClusterFixture.run()
            results.append((r?.0 ?? "failed") + "|" + (r?.3 ?? ""))
        }
        XCTAssertEqual(results.value, [reference.0 + "|" + reference.3, reference.0 + "|" + reference.3])
    }

    /// Prints the hash for the cross-process check below.
    func testPrintHashForChildProcess() throws {
        guard ProcessInfo.processInfo.environment["CHIMERA_PRINT_HASH"] != nil else { return }
        print("CHIMERA-HASH=\(try TwoClusterFixture.run().3)")
    }

    func testHashIsTheSameUnderDeterministicAndRandomHashing() throws {
        let reference = try TwoClusterFixture.run().3
        guard let binary = Self.testBinary() else { throw XCTSkip("cannot locate the test binary to re-run") }
        for deterministic in [true, false] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["ChimeraSchedulerTests.SchedulerTests/testPrintHashForChildProcess"]
            var env = ProcessInfo.processInfo.environment
            env["CHIMERA_PRINT_HASH"] = "1"
            if deterministic { env["SWIFT_DETERMINISTIC_HASHING"] = "1" } else { env.removeValue(forKey: "SWIFT_DETERMINISTIC_HASHING") }
            p.environment = env
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            let line = text.split(separator: "\n").first { $0.hasPrefix("CHIMERA-HASH=") }
            XCTAssertEqual(line.map { String($0.dropFirst("CHIMERA-HASH=".count)) }, reference,
                           "deterministic hashing \(deterministic): \(text.suffix(500))")
        }
    }

    static func testBinary() -> String? {
        let path = CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0]
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    func testIdleCoresSkipTimeCheaply() throws {
        // One core sleeps in WFI until a timer event one virtual second away.
        let (m, cluster) = try singleToyCore()
        var asm = ToyAssembler()
        asm.emit(.wfi)
        asm.emit(.li, 0, 0, 7)
        asm.emit(.exit, 0)
        cluster.memory.writeBytes(0, asm.assemble())
        let cpu = try m.resolve("c/cpu[0]")
        m.clock.schedule(at: .seconds(1), "wake") { try? cpu.input("irq").set(true) }
        let sim = try Simulation(machine: m)
        let start = DispatchTime.now()
        let result = sim.run()
        let hostSeconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        XCTAssertEqual(result.outcome, .exited(code: 7, reason: "/machine/c/cpu[0] requested exit"))
        XCTAssertGreaterThanOrEqual(result.time, .seconds(1))
        XCTAssertLessThan(result.time, .seconds(1) + m.quantum + m.quantum)
        XCTAssertEqual(result.instructions, 3)
        XCTAssertLessThan(hostSeconds, 0.5, "a one-second virtual sleep must not cost host time")
    }

    func testTimerEventFiresWithinAQuantumOfItsDeadline() throws {
        let m = try TwoClusterFixture.makeMachine(quantum: "100us")
        var firedAt: VirtualTime?
        m.clock.schedule(at: .microseconds(37), "probe") { firedAt = m.clock.now }
        let sim = try Simulation(machine: m)
        _ = sim.run(RunLimits(deadline: .microseconds(300)))
        let t = try XCTUnwrap(firedAt)
        XCTAssertGreaterThanOrEqual(t, .microseconds(37))
        XCTAssertLessThanOrEqual(t, .microseconds(137))
    }

    func testDeadlockIsReportedWithCoreStates() throws {
        let (m, cluster) = try singleToyCore()
        var asm = ToyAssembler()
        asm.emit(.wfi)
        asm.emit(.jmp, 0, 0, -1)
        cluster.memory.writeBytes(0, asm.assemble())
        let result = try Simulation(machine: m).run()
        guard case .deadlock(let reports) = result.outcome else { return XCTFail("\(result.outcome)") }
        XCTAssertEqual(reports.map(\.path), ["/machine/c/cpu[0]"])
        XCTAssertEqual(reports.first?.powerState, .halted)
    }

    func testGuestFaultStopsTheRunWithAReport() throws {
        let (m, cluster) = try singleToyCore()
        cluster.memory.writeBytes(0, [0xEE, 0, 0, 0, 0, 0, 0, 0])
        let result = try Simulation(machine: m).run()
        guard case .guestFault(let fault) = result.outcome else { return XCTFail("\(result.outcome)") }
        XCTAssertEqual(fault.cpuPath, "/machine/c/cpu[0]")
        XCTAssertEqual(result.exitStatus, 1)
    }

    func testLimitsStopTheRun() throws {
        let sim = try Simulation(machine: try TwoClusterFixture.makeMachine())
        let r1 = sim.run(RunLimits(outputPattern: "a"))
        XCTAssertEqual(r1.outcome, .outputMatched)
        let r2 = sim.run(RunLimits(instructionBudget: 500))
        XCTAssertEqual(r2.outcome, .budgetSpent)
        let r3 = sim.run(RunLimits(deadline: sim.time + .microseconds(50)))
        XCTAssertEqual(r3.outcome, .deadlineReached)
        sim.control.requestPause()
        XCTAssertEqual(sim.run().outcome, .paused)
        XCTAssertEqual(sim.run().outcome, .exited(code: 0, reason: "/machine/a/cpu[0] requested exit"))
    }

    func testInstructionTraceAndTimeline() throws {
        let sim = try Simulation(machine: try TwoClusterFixture.makeMachine())
        var lines: [String] = []
        sim.instructionTrace = { lines.append($0) }
        sim.timeline = Timeline()
        let traced = sim.run(RunLimits(instructionBudget: 200))
        XCTAssertEqual(traced.outcome, .budgetSpent)
        XCTAssertTrue(lines.count >= 200, "\(lines.count)")
        XCTAssertTrue(lines[0].hasPrefix("1ns /machine/a/cpu[0] 0x0: li r1, r0, 150994944 ; r1=0x9000000"), lines[0])
        let json = sim.timeline!.json
        let parsed = try Value(json: json)
        XCTAssertNotNil(parsed["traceEvents"]?.list?.first { $0["ph"] == "X" })
    }

    func testRecordedInputReplaysToTheSameHash() throws {
        func machineWithEcho() throws -> Machine {
            let m = try Machine(registry: TwoClusterFixture.registry())
            let cluster = try m.addChild("c", type: "cluster", as: Cluster.self)
            try cluster.addChild("cpu[0]", type: "toy-cpu")
            try cluster.addChild("ram", type: "ram").setProperty("size", "64K")
            let uart = try cluster.addChild("uart", type: "pl011")
            try uart.setProperty("output", "buffer")
            try cluster.map(RegionMapping(objectPath: "c/ram", region: "mem", address: 0))
            try cluster.map(RegionMapping(objectPath: "c/uart", region: "mmio", address: 0x0900_0000))
            try m.realizeMachine()
            cluster.memory.writeBytes(0, echoProgram(sleeping: false))
            return m
        }
        let live = try Simulation(machine: try machineWithEcho())
        _ = live.run(RunLimits(deadline: .microseconds(25)))
        live.control.injectInput(Array("abc".utf8), into: "c/uart")
        _ = live.run(RunLimits(deadline: .microseconds(80)))
        live.control.injectInput(Array("xy!".utf8), into: "c/uart")
        let liveResult = live.run(RunLimits(deadline: .milliseconds(1)))
        XCTAssertEqual(live.machine.serial.text, "bcdyz")
        XCTAssertEqual(liveResult.inputRecord.entries.count, 2)

        let record = try InputRecord(jsonLines: liveResult.inputRecord.jsonLines)
        let replay = try Simulation(machine: try machineWithEcho(), replaying: record)
        let replayResult = replay.run(RunLimits(deadline: .milliseconds(1)))
        XCTAssertEqual(replay.machine.serial.text, "bcdyz")
        XCTAssertEqual(replayResult.traceHash, liveResult.traceHash)
        XCTAssertEqual(replayResult.outcome, liveResult.outcome)
    }
}

/// A console-like host source: the run waits for it instead of ending in a
/// deadlock, idle stretches go through the pacer, and the record replays
/// the session exactly without either.
final class LiveInputTests: XCTestCase {
    /// A core that sleeps in WFI until the PL011 receive interrupt, echoes
    /// each character + 1, and exits on '!'.
    func machineWithInterruptEcho(characterTime: String = "1us", quantum: String? = nil) throws -> Machine {
        let m = try Machine(registry: TwoClusterFixture.registry())
        if let quantum { try m.setProperty("quantum", parsing: quantum) }
        let cluster = try m.addChild("c", type: "cluster", as: Cluster.self)
        try cluster.addChild("cpu[0]", type: "toy-cpu")
        try cluster.addChild("ram", type: "ram").setProperty("size", "64K")
        let uart = try cluster.addChild("uart", type: "pl011")
        try uart.setProperty("output", "buffer")
        try uart.setProperty("character-time", parsing: characterTime)
        try cluster.map(RegionMapping(objectPath: "c/ram", region: "mem", address: 0))
        try cluster.map(RegionMapping(objectPath: "c/uart", region: "mmio", address: 0x0900_0000))
        try m.realizeMachine()
        try m.connect("/machine/c/uart.irq", to: "/machine/c/cpu[0].irq")
        cluster.memory.writeBytes(0, echoProgram(sleeping: true))
        return m
    }

    func testWithoutLiveInputAnIdleMachineDeadlocks() throws {
        let sim = try Simulation(machine: try machineWithInterruptEcho())
        guard case .deadlock = sim.run().outcome else { return XCTFail("expected a deadlock") }
        sim.control.setLiveInput(true)
        sim.control.setLiveInput(false)      // attached, then at EOF: the same
        let again = try Simulation(machine: try machineWithInterruptEcho())
        again.control.setLiveInput(true)
        again.control.setLiveInput(false)
        guard case .deadlock = again.run().outcome else { return XCTFail("a finished source must not keep the run waiting") }
    }

    func testRunWaitsForLiveInputAndTheRecordReplaysIt() throws {
        let live = try Simulation(machine: try machineWithInterruptEcho())
        live.control.setLiveInput(true)
        let control = live.control
        let typist = Thread {
            Thread.sleep(forTimeInterval: 0.05)
            control.injectInput(Array("ab".utf8), into: "/machine/c/uart")
            Thread.sleep(forTimeInterval: 0.05)
            control.injectInput(Array("c!".utf8), into: "/machine/c/uart")
        }
        typist.start()
        let result = live.run()
        XCTAssertEqual(result.outcome, .exited(code: 0, reason: "/machine/c/cpu[0] requested exit"))
        XCTAssertEqual(live.machine.serial.text, "bcd")
        XCTAssertEqual(result.inputRecord.entries.count, 2)

        let replay = try Simulation(machine: try machineWithInterruptEcho(),
                                    replaying: try InputRecord(jsonLines: result.inputRecord.jsonLines))
        let replayed = replay.run()
        XCTAssertEqual(replay.machine.serial.text, "bcd")
        XCTAssertEqual(replayed.traceHash, result.traceHash)
        XCTAssertEqual(replayed.time, result.time)
        XCTAssertEqual(replayed.instructions, result.instructions)
    }

    /// A pacer that ends an idle stretch early (typing arrived half-way):
    /// the input lands there, and the replay, with no pacer, lands it at
    /// the same virtual time. The echo's 1 ms transmission is the idle
    /// stretch: past the quantum's end (10 µs) or inside it (1 s).
    func testAnIdleStretchEndedEarlyReplaysWithoutThePacer() throws {
        for quantum in ["10us", "1s"] {
            let live = try Simulation(machine: try machineWithInterruptEcho(characterTime: "1ms", quantum: quantum))
            live.control.setLiveInput(true)
            live.control.injectInput(Array("a".utf8), into: "/machine/c/uart")
            var typed = 0
            let control = live.control
            live.idlePacer = { now, target in
                guard typed == 0 else { return target }
                typed += 1
                control.injectInput(Array("b!".utf8), into: "/machine/c/uart")
                return now + VirtualTime(picoseconds: (target - now).picoseconds / 2)
            }
            // A failure must end as a deadlock, not hang the test run.
            let watchdog = Thread { Thread.sleep(forTimeInterval: 20); control.setLiveInput(false) }
            watchdog.start()
            let result = live.run()
            control.setLiveInput(false)
            XCTAssertEqual(typed, 1, "quantum \(quantum): the pacer saw an idle stretch")
            XCTAssertEqual(result.outcome, .exited(code: 0, reason: "/machine/c/cpu[0] requested exit"), "quantum \(quantum)")
            XCTAssertEqual(live.machine.serial.text, "bc", "quantum \(quantum)")
            let replay = try Simulation(machine: try machineWithInterruptEcho(characterTime: "1ms", quantum: quantum),
                                        replaying: try InputRecord(jsonLines: result.inputRecord.jsonLines))
            let replayed = replay.run()
            XCTAssertEqual(replayed.traceHash, result.traceHash, "quantum \(quantum)")
            XCTAssertEqual(replayed.time, result.time, "quantum \(quantum)")
            XCTAssertEqual(replay.machine.serial.text, "bc", "quantum \(quantum)")
        }
    }
}

/// A toy-CPU program for the PL011 at 0x0900_0000: echoes each received
/// character + 1 and exits on '!'. It polls UARTFR, or (`sleeping`) enables
/// the receive interrupt and waits in WFI while the FIFO is empty.
func echoProgram(sleeping: Bool) -> [UInt8] {
    var asm = ToyAssembler()
    asm.emit(.li, 1, 0, 0x0900_0000)
    if sleeping {
        asm.emit(.li, 5, 0, 0x10)
        asm.emit(.store, 5, 1, 0x38)            // UARTIMSC: receive interrupt
    }
    asm.label("wait")
    if sleeping { asm.emit(.wfi, 0) }
    asm.label("poll")
    asm.emit(.load, 2, 1, 0x18)
    asm.emit(.andi, 2, 0, 0x10)
    asm.emit(.bnz, 2, 0, target: sleeping ? "wait" : "poll")   // RXFE: nothing (more) to read
    asm.emit(.load, 3, 1, 0)
    asm.emit(.mov, 4, 3)
    asm.emit(.cmpeq, 4, 0, 0x21)
    asm.emit(.bnz, 4, 0, target: "end")
    asm.emit(.addi, 3, 0, 1)
    asm.emit(.store, 3, 1, 0)
    asm.emit(.jmp, target: "poll")
    asm.label("end")
    asm.emit(.li, 0, 0, 0)
    asm.emit(.exit, 0)
    return asm.assemble()
}

/// A tiny lock-protected box for collecting results from threads in tests.
final class Mutex2<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.lock(); defer { lock.unlock() }; return stored }
    func append<E>(_ e: E) where T == [E] { lock.lock(); stored.append(e); lock.unlock() }
}
