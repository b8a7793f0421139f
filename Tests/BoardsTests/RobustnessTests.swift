import XCTest
import Foundation
import ChimeraCore
import ChimeraDevices
import ChimeraLoader
import ChimeraTestSupport
@testable import ChimeraBoards

/// Regression tests for issue #16: hostile board files end in one clear
/// error with a file position, never a trap, a hang or exhausted memory.
final class BoardRobustnessTests: XCTestCase {
    var dir: String = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "chimera-robust-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    var registry: TypeRegistry {
        var r = TypeRegistry.withCoreTypes()
        Devices.register(into: &r)
        Loader.register(into: &r)
        r.registerBuiltin(ToyCPU.type)
        return r
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }

    /// The error of expanding (and building, realizing) `text`, or nil if all worked.
    func failure(_ text: String, limits: ResourceLimits = ResourceLimits(), realize: Bool = false) -> ChimeraError? {
        do {
            try write("board.yaml", text)
            let loader = BoardLoader(searchPaths: [dir], limits: limits)
            let board = try loader.load(dir + "/board.yaml", registry: registry)
            if realize {
                let m = try board.build(registry: registry)
                try m.realizeMachine()
            }
            return nil
        } catch let e as ChimeraError {
            return e
        } catch {
            return ChimeraError(.generic, "\(error)")
        }
    }

    func assertFails(_ text: String, containing fragment: String, limits: ResourceLimits = ResourceLimits(),
                     realize: Bool = false, line: UInt = #line) {
        guard let e = failure(text, limits: limits, realize: realize) else { return XCTFail("accepted", line: line) }
        XCTAssertTrue(e.description.contains(fragment), e.description, line: line)
        XCTAssertNotNil(e.location?.line, "no file:line:column in \(e.description)", line: line)
    }

    func board(prop expression: String) -> String {
        """
        board: t
        objects:
          m: {type: ram, props: {size: "\(expression)"}}
        """
    }

    // Item 1: traps and stack overflows.

    func testDivisionOverflowIsAnError() {
        assertFails(board(prop: "${(0 - 9223372036854775807 - 1) / -1}"), containing: "outside the 64-bit integer range")
        assertFails(board(prop: "${(0 - 9223372036854775807 - 1) % -1}"), containing: "outside the 64-bit integer range")
        assertFails(board(prop: "${9223372036854775807 + 1}"), containing: "outside the 64-bit integer range")
        assertFails(board(prop: "${4294967296 * 4294967296}"), containing: "outside the 64-bit integer range")
        assertFails(board(prop: "${0 - (0 - 9223372036854775807 - 1)}"), containing: "outside the 64-bit integer range")
        assertFails(board(prop: "${1 / 0}"), containing: "division by zero")
    }

    func testLoopBoundsFarApartAreRefused() {
        assertFails("""
            board: t
            objects:
              r:
                for: i in ${0 - 9223372036854775807}..${9223372036854775807}
                type: ram
            """, containing: "at most 4096 long")
    }

    func testDeepExpressionsAreRefused() {
        let parens = String(repeating: "(", count: 30_000) + "1" + String(repeating: ")", count: 30_000)
        assertFails(board(prop: "${\(parens)}"), containing: "more than 64 deep")
        assertFails(board(prop: "${" + String(repeating: "- ", count: 100_000) + "1}"), containing: "more than 64 deep")
        // Within the limit nesting still works.
        XCTAssertNil(failure(board(prop: "${" + String(repeating: "(", count: 60) + "4096" + String(repeating: ")", count: 60) + "}")))
    }

    func testComponentCyclesAreRefused() throws {
        try write("a.yaml", "component: a\ntype: container\nchildren:\n  x: {use: b.yaml}\n")
        try write("b.yaml", "component: b\ntype: container\nchildren:\n  y: {use: a.yaml}\n")
        assertFails("board: t\nobjects:\n  top: {use: a.yaml}\n", containing: "uses itself: a.yaml -> b.yaml -> a.yaml")
        try write("self.yaml", "board: self\ninclude: [self.yaml]\n")
        assertFails("board: t\ninclude: [self.yaml]\n", containing: "uses itself")
    }

    // Item 2: memory exhaustion.

    func testYAMLAliasesAreRejected() {
        assertFails("""
            board: t
            objects:
              a: &r {type: ram}
              b: *r
            """, containing: "aliases")
        // The classic bomb: ten levels of ten aliases each would be 10^10 nodes.
        var bomb = "board: t\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            bomb += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        bomb += "objects: {}\n"
        assertFails(bomb, containing: "aliases")
    }

    func testNestedLoopsStopAtTheObjectLimit() {
        let text = """
            board: t
            objects:
              c:
                for: i in 0..4096
                type: container
                children:
                  r:
                    for: j in 0..4096
                    type: container
            """
        var limits = ResourceLimits()
        limits.objects = 5_000
        assertFails(text, containing: "more than 5000 objects", limits: limits)
        assertFails(text, containing: "more than 65536 objects")
    }

    func testCoreLimit() {
        let text = """
            board: t
            objects:
              a:
                type: cluster
                children:
                  cpu: {for: i in 0..4096, type: toy-cpu}
            """
        assertFails(text, containing: "more than 512 cores")
        var limits = ResourceLimits()
        limits.cores = 4
        assertFails(text.replacingOccurrences(of: "0..4096", with: "0..5"), containing: "more than 4 cores", limits: limits)
        XCTAssertNil(failure(text.replacingOccurrences(of: "0..4096", with: "0..4"), limits: limits))
    }

    // Item 3: hangs.

    func testFIFOKernelInABoardIsRefusedWithoutBlocking() throws {
        let fifo = dir + "/kernel.fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let text = """
            board: t
            objects:
              a:
                type: cluster
                children:
                  cpu[0]: {type: toy-cpu}
                  ram: {type: ram, props: {size: 64K}, map: {into: a, address: 0}}
            kernels:
              a: \(fifo)
            """
        // The error names the kernel file itself (it has no line) and the loader object.
        let e = failure(text, realize: true)
        XCTAssertTrue(e?.description.contains("is a FIFO") == true, "\(String(describing: e))")
        XCTAssertEqual(e?.location?.file, fifo)
    }

    func testBoardFileThatIsAFIFOIsRefused() throws {
        let fifo = dir + "/board.yaml"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertThrowsError(try BoardLoader(searchPaths: [dir]).load(fifo, registry: registry)) { error in
            XCTAssertTrue("\(error)".contains("FIFO"), "\(error)")
        }
    }

    // Item 5: questionable acceptance.

    func testParameterDeclarationsAreCheckedWhereWritten() {
        assertFails("board: t\nparameters:\n  n: {type: int, min: 8, max: 1, default: 4, doc: N}\n", containing: "min 8 is greater than max 1")
        assertFails("board: t\nparameters:\n  e: {type: enum, values: [], doc: E}\n", containing: "at least one value")
        assertFails("board: t\nparameters:\n  e: {type: enum, values: [a, a], doc: E}\n", containing: "listed twice")
        assertFails("board: t\nparameters:\n  s: {type: size, min: 1, doc: S}\n", containing: "only to int")
    }

    func testRealizeErrorsNameTheFilePosition() {
        guard let e = failure("""
            board: t
            objects:
              a:
                type: cluster
                children:
                  ram: {type: ram, props: {size: 0}, map: {into: a, address: 0}}
            """, realize: true) else { return XCTFail("accepted") }
        XCTAssertEqual(e.location?.line, 6, e.description)
        XCTAssertTrue(e.description.contains("board.yaml:6:"), e.description)
    }

    func testRegionThatDoesNotFitNamesTheFilePosition() {
        guard let e = failure("""
            board: t
            objects:
              a:
                type: cluster
                children:
                  cpu[0]: {type: toy-cpu}
                  ram: {type: ram, props: {size: 1M}, map: {into: a, address: 0xFFFFFFFFFFF80000}}
            """, realize: true) else { return XCTFail("accepted") }
        XCTAssertTrue(e.description.contains("does not fit"), e.description)
        XCTAssertTrue(e.description.contains("board.yaml:7:"), e.description)
    }
}
