import ChimeraCore
import ChimeraMonitor
import Foundation
import XCTest

/// Replays every ```` ```qmp ```` block of Documentation/Monitor.md against
/// the fixture machine and checks each reply and event.
///
/// Rules (also stated in the document): each block gets a fresh machine
/// (unrealized for ```` ```qmp preconfig ````) and session, negotiated
/// automatically unless the block starts with the greeting. `->` lines are
/// sent, `<-` lines are what comes back, in order. `timestamp` is ignored;
/// the string `"..."` matches any value, `"..."` inside a list matches any
/// run of elements, a `"..."` key allows further keys, and a string ending
/// in `...` matches any string with that prefix.
final class TranscriptTests: XCTestCase {
    struct Block {
        var line: Int
        var preconfig: Bool
        var steps: [(send: Bool, text: String, line: Int)]
    }

    static var documentURL: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("Documentation/Monitor.md")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return URL(fileURLWithPath: "Documentation/Monitor.md")
    }

    static func blocks(in text: String) -> [Block] {
        var blocks: [Block] = []
        var current: Block?
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if current == nil, line.hasPrefix("```qmp") {
                current = Block(line: i + 1, preconfig: line.contains("preconfig"), steps: [])
            } else if current != nil, line.hasPrefix("```") {
                blocks.append(current!)
                current = nil
            } else if current != nil {
                if line.hasPrefix("-> ") { current!.steps.append((true, String(line.dropFirst(3)), i + 1)) }
                else if line.hasPrefix("<- ") { current!.steps.append((false, String(line.dropFirst(3)), i + 1)) }
                else if let last = current!.steps.indices.last, line.hasPrefix("   ") {
                    current!.steps[last].text += "\n" + line  // continuation of a long message
                }
            }
        }
        return blocks
    }

    /// Does `actual` match `expected` under the wildcard rules?
    static func matches(_ expected: Value, _ actual: Value) -> Bool {
        switch (expected, actual) {
        case (.string("..."), _): return true
        case (.string(let e), .string(let a)) where e.hasSuffix("..."): return a.hasPrefix(String(e.dropLast(3)))
        case (.list(let e), .list(let a)): return matchList(e[...], a[...])
        case (.dict(let e), .dict(let a)):
            let open = e["..."] != nil
            for (key, value) in e where key != "..." && key != "timestamp" {
                guard let other = a[key], matches(value, other) else { return false }
            }
            return open || a.keys.allSatisfy { e[$0] != nil || $0 == "timestamp" }
        default: return expected == actual
        }
    }

    private static func matchList(_ e: ArraySlice<Value>, _ a: ArraySlice<Value>) -> Bool {
        guard let first = e.first else { return a.isEmpty }
        if first == .string("...") {
            for skip in 0...a.count where matchList(e.dropFirst(), a.dropFirst(skip)) { return true }
            return false
        }
        guard let head = a.first, matches(first, head) else { return false }
        return matchList(e.dropFirst(), a.dropFirst())
    }

    /// Runs one block; returns what came back (for the dump mode).
    func replay(_ block: Block, check: Bool) throws -> [String] {
        let machine = try MonitorFixture.makeMachine(realized: !block.preconfig)
        let session = try MonitorSession(machine: machine)
        var received: [Value] = []
        var transcript: [String] = []
        var steps = block.steps[...]
        if let first = steps.first, !first.send, (try? Value(json: first.text))?["QMP"] != nil {
            received.append(session.greeting)
        } else {
            XCTAssertTrue(session.negotiate(), "line \(block.line): negotiation failed")
        }
        while let step = steps.popFirst() {
            if step.send {
                transcript.append("-> " + step.text)
                let replies = session.send(step.text)
                received += replies
                transcript += replies.map { "<- " + $0.jsonText }
                continue
            }
            guard check else { continue }
            let expected: Value
            do { expected = try Value(json: step.text) } catch {
                XCTFail("Monitor.md:\(step.line): the example is not JSON: \(error)")
                continue
            }
            guard !received.isEmpty else {
                XCTFail("Monitor.md:\(step.line): expected \(step.text) but nothing more was sent")
                continue
            }
            let actual = received.removeFirst()
            XCTAssertTrue(Self.matches(expected, actual),
                          "Monitor.md:\(step.line):\n  expected \(expected.jsonText)\n  actual   \(actual.jsonText)")
        }
        if check {
            XCTAssertTrue(received.isEmpty, "Monitor.md:\(block.line): unexpected output: "
                          + received.map(\.jsonText).joined(separator: "\n"))
        }
        return transcript
    }

    func testDocumentationTranscripts() throws {
        let text = try String(contentsOf: Self.documentURL, encoding: .utf8)
        let blocks = Self.blocks(in: text)
        XCTAssertGreaterThan(blocks.count, 10)
        let dump = ProcessInfo.processInfo.environment["CHIMERA_DUMP_TRANSCRIPTS"] != nil
        for block in blocks {
            let lines = try replay(block, check: !dump)
            if dump { print("--- Monitor.md:\(block.line)\n" + lines.joined(separator: "\n")) }
        }
    }

    /// Every command of the table appears in the document with an example.
    func testEveryCommandIsDocumented() throws {
        let text = try String(contentsOf: Self.documentURL, encoding: .utf8)
        let sent = Self.blocks(in: text).flatMap(\.steps).filter(\.send).compactMap { try? Value(json: $0.text) }
        let names = Set(sent.compactMap { $0["execute"]?.string })
        for command in MonitorCommand.all {
            XCTAssertTrue(names.contains(command.name), "Monitor.md has no example of \(command.name)")
        }
        let hmp = sent.compactMap { $0["arguments"]?["command-line"]?.string }
        for topic in ["info qom-tree", "info qtree", "info mtree", "info registers", "info cpus"] {
            XCTAssertTrue(hmp.contains { $0.hasPrefix(topic) }, "Monitor.md has no example of \(topic)")
        }
    }

    func testMatcherCanFail() {
        XCTAssertTrue(Self.matches(["a": [1, "...", 4]], ["a": [1, 2, 3, 4], "timestamp": 5]))
        XCTAssertFalse(Self.matches(["a": [1, "...", 4]], ["a": [1, 2, 3]]))
        XCTAssertFalse(Self.matches(["a": 1], ["a": 1, "b": 2]))
        XCTAssertTrue(Self.matches(["a": 1, "...": "..."], ["a": 1, "b": 2]))
        XCTAssertTrue(Self.matches("abc...", "abcdef"))
        XCTAssertFalse(Self.matches("abd...", "abcdef"))
    }
}
