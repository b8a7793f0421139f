import ChimeraGDB
import XCTest

/// Reply payloads with a format of their own.
final class GDBReplyTests: XCTestCase {
    private let thread = GDBThreadID(process: .id(1), thread: .id(2))

    func testStopRepliesNameTheThreadAndCause() {
        XCTAssertEqual(GDBReply.stopped(signal: .trap, thread: thread, cause: .softwareBreakpoint), "T05thread:p1.2;swbreak:;")
        XCTAssertEqual(GDBReply.stopped(signal: .trap, thread: thread, cause: .hardwareBreakpoint), "T05thread:p1.2;hwbreak:;")
        XCTAssertEqual(GDBReply.stopped(signal: .interrupt, thread: thread), "T02thread:p1.2;")
        XCTAssertEqual(GDBReply.stopped(signal: .trap, thread: thread, cause: .writeWatchpoint(address: 0xFFFF_0000_1000)),
                       "T05thread:p1.2;watch:ffff00001000;")
        XCTAssertEqual(GDBReply.stopped(signal: .trap, thread: thread, cause: .readWatchpoint(address: 0x10)),
                       "T05thread:p1.2;rwatch:10;")
        XCTAssertEqual(GDBReply.stopped(signal: .segmentationFault, thread: thread, cause: .accessWatchpoint(address: 0x20)),
                       "T0bthread:p1.2;awatch:20;")
        XCTAssertEqual(GDBReply.exited(status: 0, process: 1), "W00;process:1")
        XCTAssertEqual(GDBReply.error(0x0e), "E0e")
    }

    func testTransferChunksEndWithL() {
        let document = Array("<target/>".utf8)
        XCTAssertEqual(GDBReply.transfer(document, offset: 0, length: 4), Array("m<tar".utf8))
        XCTAssertEqual(GDBReply.transfer(document, offset: 4, length: 100), Array("lget/>".utf8))
        XCTAssertEqual(GDBReply.transfer(document, offset: 4, length: 5), Array("lget/>".utf8))
        XCTAssertEqual(GDBReply.transfer(document, offset: 9, length: 5), Array("l".utf8))
        XCTAssertEqual(GDBReply.transfer(document, offset: 1000, length: 5), Array("l".utf8))
        XCTAssertEqual(GDBReply.transfer(document, offset: 0, length: 0), Array("m".utf8))
    }

    func testThreadListsAndSupportedFeatures() {
        XCTAssertEqual(GDBReply.threadList([thread, GDBThreadID(process: .id(1), thread: .id(0x1a))]), "mp1.2,p1.1a")
        XCTAssertEqual(GDBReply.threadList([]), "l")
        let supported = GDBReply.supported()
        XCTAssertTrue(supported.hasPrefix("PacketSize=4000;"))
        XCTAssertTrue(supported.split(separator: ";").contains("qXfer:features:read+"))
        XCTAssertTrue(supported.split(separator: ";").contains("multiprocess+"))
    }
}
