import Foundation
import XCTest
import ChimeraFuzz

/// Replays every input under `Tests/Fuzz/corpus/HARNESS/` (the committed
/// seeds) and `Tests/Fuzz/crashes/HARNESS/` (inputs that once crashed,
/// hung or leaked, kept forever) through the harnesses without libFuzzer.
/// A regression traps here in an ordinary `swift test`.
final class CorpusReplayTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    func inputs(_ folder: String, _ harness: String) -> [URL] {
        let dir = CorpusReplayTests.root.appendingPathComponent(folder).appendingPathComponent(harness)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
    }

    func testEveryHarnessHasSeeds() {
        for (name, _) in FuzzHarness.all {
            XCTAssertFalse(inputs("corpus", name).isEmpty, "no seeds for the \(name) harness")
        }
    }

    func testSeedsAndSavedCrashesReplayCleanly() throws {
        var replayed = 0
        for (name, run) in FuzzHarness.all {
            for url in inputs("corpus", name) + inputs("crashes", name) {
                run(Array(try Data(contentsOf: url)))
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 20)
    }

    /// The reproducers of issue #16, fed to the harnesses as a fuzzer would.
    func testIssueReproducersAsHarnessInputs() {
        FuzzHarness.expression(Array("(0 - 9223372036854775807 - 1) / -1".utf8))
        FuzzHarness.expression(Array("(0 - 9223372036854775807 - 1) % -1".utf8))
        FuzzHarness.expression(Array((String(repeating: "(", count: 30_000) + "1").utf8))
        FuzzHarness.expression(Array((String(repeating: "-", count: 100_000) + "1").utf8))
        FuzzHarness.board(Array("board: b\nobjects:\n  r:\n    for: i in ${0 - 9223372036854775807}..${9223372036854775807}\n    type: ram\n".utf8))
        FuzzHarness.qmp(Array(#"{"execute": "qmp_capabilities", "execute": "qmp_capabilities"}"#.utf8))
        FuzzHarness.qmp(Array(#"{"execute": "pmemsave", "arguments": {"val": 0, "size": 16, "filename": "/tmp/x"}}"#.utf8))
        FuzzHarness.keyval(Array("loader,file=/dev/zero,force-raw=true,,,".utf8))
    }
}
