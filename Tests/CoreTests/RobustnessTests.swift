import XCTest
@testable import ChimeraCore

/// Regression tests for issue #16 at the level of values and limits.
final class CoreRobustnessTests: XCTestCase {
    func testDuplicateJSONMembersAreRejected() {
        XCTAssertThrowsError(try Value(json: #"{"execute": "stop", "execute": "quit"}"#)) { error in
            XCTAssertTrue("\(error)".contains("duplicate key 'execute'"), "\(error)")
        }
        XCTAssertThrowsError(try Value(json: #"{"a": {"b": 1, "b": 2}}"#))
        XCTAssertEqual(try Value(json: #"{"a": 1, "b": {"a": 2}}"#)["b"]?["a"], 2)
    }

    func testLimitsParseAndRefuseNonsense() throws {
        var limits = ResourceLimits()
        XCTAssertEqual(limits.objects, 65_536)
        XCTAssertEqual(limits.cores, 512)
        XCTAssertEqual(limits.fileSize, 1 << 30)
        try limits.set("objects=100000")
        try limits.set("cores=2048")
        try limits.set("file-size=4G")
        XCTAssertEqual(limits.objects, 100_000)
        XCTAssertEqual(limits.cores, 2048)
        XCTAssertEqual(limits.fileSize, 4 << 30)
        XCTAssertThrowsError(try limits.set("cores=0"))
        XCTAssertThrowsError(try limits.set("cores"))
        XCTAssertThrowsError(try limits.set("file-size=lots"))
        XCTAssertThrowsError(try limits.set("obejcts=5")) { XCTAssertTrue("\($0)".contains("did you mean 'objects'"), "\($0)") }
    }
}
