import XCTest
import Foundation
@testable import ChimeraCore

final class DocumentationTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every `Sources/…`, `Tests/…`, `boards/…` or `Documentation/…` path cited in the docs exists.
    func testCitedPathsExist() throws {
        let docs = Self.root.appendingPathComponent("Documentation")
        let files = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
        XCTAssertFalse(files.isEmpty)
        var checked = 0
        for file in files + ["../README.md"] {
            let text = try String(contentsOf: docs.appendingPathComponent(file), encoding: .utf8)
            for raw in text.split(separator: "`").enumerated().filter({ $0.offset % 2 == 1 }).map(\.element) {
                let candidate = String(raw)
                guard ["Sources/", "Tests/", "boards/", "Documentation/", "kernels/"].contains(where: candidate.hasPrefix),
                      !candidate.contains(" "), !candidate.contains("*") else { continue }
                let path = candidate.split(separator: ":").first.map(String.init) ?? candidate
                XCTAssertTrue(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(path).path),
                              "\(file) cites \(path), which does not exist")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 5)
    }

    /// The Testing.md example is the compiled test file, line for line.
    func testTestingGuideExampleIsTheCompiledTest() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("Documentation/Testing.md"), encoding: .utf8)
        let code = doc.components(separatedBy: "```swift\n")[1].components(separatedBy: "```")[0]
        let test = try String(contentsOf: Self.root.appendingPathComponent("Tests/KitTests/TestMachineExampleTests.swift"), encoding: .utf8)
        XCTAssertEqual(test.split(separator: "\n", maxSplits: 1)[1], Substring(code))
    }

    /// The example device of ObjectModel.md works as the text says.
    func testExampleTimerTicks() throws {
        var registry = makeRegistry()
        registry.registerBuiltin(ExampleTimer.type)
        let m = try Machine(registry: registry)
        let cluster = try m.addChild("soc", type: "cluster", as: Cluster.self)
        let timer = try m.addChild("timer", type: "example-timer")
        try timer.setProperty("period", "10us")
        try cluster.map(RegionMapping(objectPath: "timer", region: "regs", address: 0x1000))
        try m.realizeMachine()
        cluster.memory.write(0x1000, size: 4, value: 1)
        m.clock.advance(to: .microseconds(35))
        XCTAssertEqual(try timer.property("ticks"), .uint(3))
        XCTAssertTrue(try timer.output("irq").level)
        cluster.memory.write(0x1004, size: 4, value: 1)
        XCTAssertFalse(try timer.output("irq").level)
        XCTAssertThrowsError(try timer.setProperty("ticks", 5))
    }
}
