import ChimeraCore
@testable import ChimeraMonitor
import XCTest

final class FramingTests: XCTestCase {
    func testSplitsBareObjectsWithoutNewlines() {
        var framer = QMPFramer()
        let items = framer.consume(Array(#"{"execute":"a"}{"execute":"b", "arguments": {"x": "}{"}}  [1]"#.utf8))
        XCTAssertEqual(items, [.message(#"{"execute":"a"}"#), .message(#"{"execute":"b", "arguments": {"x": "}{"}}"#),
                               .message("[1]")])
    }

    func testMessagesMaySpanReadsAndEscapedQuotes() {
        var framer = QMPFramer()
        XCTAssertEqual(framer.consume(Array(#"{"a": "x\"}"#.utf8)), [])
        XCTAssertTrue(framer.isMidMessage)
        XCTAssertEqual(framer.consume(Array("\"}\n".utf8)), [.message(#"{"a": "x\"}"}"#)])
        XCTAssertFalse(framer.isMidMessage)
    }

    func testGarbageIsReportedPerLine() {
        var framer = QMPFramer()
        XCTAssertEqual(framer.consume(Array("hello world\n  \n{}".utf8)), [.garbage("hello world"), .message("{}")])
        XCTAssertEqual(framer.consume(Array("}".utf8)), [.message("}")])
    }

    func testOversizedMessageIsReportedOnceAndSkipped() {
        var framer = QMPFramer(limit: 16)
        var items = framer.consume(Array(#"{"execute": "x", "arguments": {"pad": "0123456789012345678901234567890"}}"#.utf8))
        items += framer.consume(Array(#"{"execute":"ok"}"#.utf8))
        XCTAssertEqual(items, [.oversized, .message(#"{"execute":"ok"}"#)])
    }

    func testNegotiationIsRequiredFirstAndOnlyOnce() {
        var c = QMPConnection(client: 1)
        XCTAssertEqual(c.receive(Array(#"{"execute": "query-status", "id": 1}"#.utf8)),
                       [.reply(QMPMessage.failure(.commandNotFound,
                               "Expecting capabilities negotiation with 'qmp_capabilities' before command 'query-status'",
                               id: 1), negotiates: false)])
        XCTAssertEqual(c.receive(Array(#"{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}"#.utf8)),
                       [.reply(QMPMessage.failure(.generic, "Capability 'oob' not available", id: nil), negotiates: false)])
        XCTAssertEqual(c.receive(Array(#"{"execute": "qmp_capabilities", "id": "n"}"#.utf8)),
                       [.reply(["return": [:], "id": "n"], negotiates: true)])
        XCTAssertEqual(c.receive(Array(#"{"execute": "qmp_capabilities"}"#.utf8)),
                       [.reply(QMPMessage.failure(.commandNotFound,
                               "Capabilities negotiation is already complete, command 'qmp_capabilities' ignored", id: nil),
                               negotiates: false)])
        XCTAssertEqual(c.receive(Array(#"{"execute": "stop", "id": [1, 2]}"#.utf8)),
                       [.request(MonitorRequest(client: 1, id: [1, 2], command: "stop"))])
    }

    func testMalformedMessagesGetQEMUErrors() {
        var c = QMPConnection(client: 1)
        _ = c.receive(Array(#"{"execute": "qmp_capabilities"}"#.utf8))
        func error(_ text: String) -> (String?, String?) {
            guard case .reply(let v, _)? = c.receive(Array(text.utf8)).first else { return (nil, nil) }
            return (v["error"]?["class"]?.string, v["error"]?["desc"]?.string)
        }
        XCTAssertEqual(error(#"{"execute": }"#).0, "GenericError")
        XCTAssertEqual(error("[1, 2]").1, "QMP input must be a JSON object")
        XCTAssertEqual(error(#"{"arguments": {}}"#).1, "QMP input lacks member 'execute'")
        XCTAssertEqual(error(#"{"execute": 5}"#).1, "QMP input member 'execute' must be a string")
        XCTAssertEqual(error(#"{"execute": "stop", "arguments": []}"#).1, "QMP input member 'arguments' must be an object")
        XCTAssertEqual(error(#"{"execute": "stop", "extra": 1}"#).1, "QMP input member 'extra' is unexpected")
        XCTAssertEqual(error(#"{"execute": "no-such-command"}"#).0, "CommandNotFound")
        XCTAssertEqual(error("garbage\n").0, "GenericError")
        XCTAssertEqual(error(String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).0, "GenericError")
    }

    func testEndpointParsing() throws {
        XCTAssertEqual(try MonitorEndpoint(parsing: "unix:/tmp/x.sock"), .unix(path: "/tmp/x.sock"))
        XCTAssertEqual(try MonitorEndpoint(parsing: "unix:/tmp/x.sock,server=on,wait=off"), .unix(path: "/tmp/x.sock"))
        XCTAssertEqual(try MonitorEndpoint(parsing: "tcp:127.0.0.1:4444"), .tcp(host: "127.0.0.1", port: 4444))
        XCTAssertEqual(try MonitorEndpoint(parsing: "tcp:[::1]:0"), .tcp(host: "::1", port: 0))
        XCTAssertThrowsError(try MonitorEndpoint(parsing: "tcp:127.0.0.1:99999"))
        XCTAssertThrowsError(try MonitorEndpoint(parsing: "stdio"))
        XCTAssertThrowsError(try MonitorServer(endpoints: [.tcp(host: "0.0.0.0", port: 0)]))
    }
}
