import ChimeraGDB
import XCTest

/// Every packet form gdb-multiarch 13 sends to a bare-metal multiprocess stub.
final class GDBCommandTests: XCTestCase {
    private func parse(_ text: String) -> GDBCommand { GDBCommand.parse(text) }
    private func tid(_ process: GDBID?, _ thread: GDBID) -> GDBThreadID { GDBThreadID(process: process, thread: thread) }

    func testConnectionSetUp() {
        XCTAssertEqual(parse("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;"
                             + "exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;xmlRegisters=i386"),
                       .supported(["multiprocess+", "swbreak+", "hwbreak+", "qRelocInsn+", "fork-events+", "vfork-events+",
                                   "exec-events+", "vContSupported+", "QThreadEvents+", "no-resumed+", "memory-tagging+",
                                   "xmlRegisters=i386"]))
        XCTAssertEqual(parse("qSupported"), .supported([]))
        XCTAssertEqual(parse("QStartNoAckMode"), .startNoAckMode)
        XCTAssertEqual(parse("vMustReplyEmpty"), .mustReplyEmpty)
        XCTAssertEqual(parse("?"), .stopReason)
        XCTAssertEqual(parse("qC"), .currentThread)
        XCTAssertEqual(parse("qAttached"), .attached(process: nil))
        XCTAssertEqual(parse("qAttached:1"), .attached(process: 1))
        XCTAssertEqual(parse("qOffsets"), .offsets)
        XCTAssertEqual(parse("qSymbol::"), .symbolLookupOffer)
        XCTAssertEqual(parse("qTStatus"), .traceStatus)
        XCTAssertEqual(parse("vCont?"), .resumeActionsQuery)
    }

    func testThreadQueries() {
        XCTAssertEqual(parse("qfThreadInfo"), .firstThreadInfo)
        XCTAssertEqual(parse("qsThreadInfo"), .nextThreadInfo)
        XCTAssertEqual(parse("qThreadExtraInfo,p1.2"), .threadExtraInfo(tid(.id(1), .id(2))))
        XCTAssertEqual(parse("Hgp1.a"), .selectThread(tid(.id(1), .id(10)), for: .general))
        XCTAssertEqual(parse("Hg0"), .selectThread(tid(nil, .any), for: .general))
        XCTAssertEqual(parse("Hc-1"), .selectThread(tid(nil, .all), for: .resume))
        XCTAssertEqual(parse("Hcp1.-1"), .selectThread(tid(.id(1), .all), for: .resume))
        XCTAssertEqual(parse("Tp1.3"), .isThreadAlive(tid(.id(1), .id(3))))
        XCTAssertEqual(parse("T3"), .isThreadAlive(tid(nil, .id(3))))
    }

    func testThreadIDSyntax() {
        XCTAssertEqual(GDBThreadID("p1"), tid(.id(1), .all))
        XCTAssertEqual(GDBThreadID("p-1.-1"), tid(.all, .all))
        XCTAssertEqual(GDBThreadID("p0.0"), tid(.any, .any))
        XCTAssertEqual(GDBThreadID("p1f.ff")?.description, "p1f.ff")
        XCTAssertEqual(GDBThreadID("-1")?.description, "-1")
        XCTAssertNil(GDBThreadID("p1."))
        XCTAssertNil(GDBThreadID("-2"))
        XCTAssertNil(GDBThreadID("p.1"))
        XCTAssertNil(GDBThreadID("ffffffffffffffff"))  // not an Int
        XCTAssertTrue(tid(.id(1), .all).matches(process: 1, thread: 7))
        XCTAssertFalse(tid(.id(2), .all).matches(process: 1, thread: 7))
        XCTAssertTrue(tid(nil, .id(7)).matches(process: 1, thread: 7))
    }

    func testTargetDescriptionAndThreadTransfers() {
        XCTAssertEqual(parse("qXfer:features:read:target.xml:0,ffb"),
                       .readFeatures(annex: "target.xml", offset: 0, length: 0xFFB))
        XCTAssertEqual(parse("qXfer:features:read:aarch64-core.xml:7fe,ffb"),
                       .readFeatures(annex: "aarch64-core.xml", offset: 0x7FE, length: 0xFFB))
        XCTAssertEqual(parse("qXfer:threads:read::0,ffb"), .readThreads(offset: 0, length: 0xFFB))
        XCTAssertEqual(parse("qXfer:exec-file:read:1:0,ffb"), .unknown("qXfer:exec-file:read:1:0,ffb"))
        XCTAssertEqual(parse("qXfer:features:write:target.xml:0,1"), .unknown("qXfer:features:write:target.xml:0,1"))
    }

    func testResumeActions() {
        XCTAssertEqual(parse("vCont;s:p1.1;c"),
                       .resume([GDBResumeAction(.step, thread: tid(.id(1), .id(1))), GDBResumeAction(.continue)]))
        XCTAssertEqual(parse("vCont;c:p1.-1"), .resume([GDBResumeAction(.continue, thread: tid(.id(1), .all))]))
        XCTAssertEqual(parse("vCont;C05:p1.2;S0b:2;t;r1000,1010:p1.1"),
                       .resume([GDBResumeAction(.continueWithSignal(5), thread: tid(.id(1), .id(2))),
                                GDBResumeAction(.stepWithSignal(11), thread: tid(nil, .id(2))),
                                GDBResumeAction(.stop),
                                GDBResumeAction(.rangeStep(start: 0x1000, end: 0x1010), thread: tid(.id(1), .id(1)))]))
        XCTAssertEqual(parse("c"), .continue(at: nil))
        XCTAssertEqual(parse("c400000"), .continue(at: 0x40_0000))
        XCTAssertEqual(parse("s"), .step(at: nil))
        XCTAssertEqual(parse("sffff000000001000"), .step(at: 0xFFFF_0000_0000_1000))
    }

    func testRegisterPackets() {
        XCTAssertEqual(parse("g"), .readRegisters)
        XCTAssertEqual(parse("G0011aaFF"), .writeRegisters([0x00, 0x11, 0xAA, 0xFF]))
        XCTAssertEqual(parse("p20"), .readRegister(32))
        XCTAssertEqual(parse("P21=0000004000000000"), .writeRegister(33, [0, 0, 0, 0x40, 0, 0, 0, 0]))
    }

    func testMemoryPackets() {
        XCTAssertEqual(parse("mffffff8000001000,40"), .readMemory(address: 0xFFFF_FF80_0000_1000, length: 64))
        XCTAssertEqual(parse("M1000,3:0a0b0c"), .writeMemory(address: 0x1000, bytes: [0x0A, 0x0B, 0x0C]))
        // X data is binary; the framer has already unescaped it, so ':' and ',' may appear in it.
        let x: [UInt8] = Array("X2000,4:".utf8) + [UInt8(ascii: ":"), 0x00, UInt8(ascii: "}"), 0xFF]
        XCTAssertEqual(GDBCommand.parse(x), .writeMemory(address: 0x2000, bytes: [UInt8(ascii: ":"), 0x00, UInt8(ascii: "}"), 0xFF]))
        XCTAssertEqual(parse("X1000,0:"), .writeMemory(address: 0x1000, bytes: []))
    }

    func testBreakpointsAndWatchpoints() {
        XCTAssertEqual(parse("Z0,400080,4"), .insertBreakpoint(GDBBreakpoint(.software, address: 0x40_0080, kind: 4)))
        XCTAssertEqual(parse("z1,ffffffff81000000,1"),
                       .removeBreakpoint(GDBBreakpoint(.hardware, address: 0xFFFF_FFFF_8100_0000, kind: 1)))
        XCTAssertEqual(parse("Z2,1000,8"), .insertBreakpoint(GDBBreakpoint(.writeWatchpoint, address: 0x1000, kind: 8)))
        XCTAssertEqual(parse("Z3,1000,4"), .insertBreakpoint(GDBBreakpoint(.readWatchpoint, address: 0x1000, kind: 4)))
        XCTAssertEqual(parse("Z4,1000,2;X3,220c01"),
                       .insertBreakpoint(GDBBreakpoint(.accessWatchpoint, address: 0x1000, kind: 2)))
        XCTAssertEqual(parse("Z0,400080,4;X3,220c01;cmds:0,X2,2a01"),
                       .insertBreakpoint(GDBBreakpoint(.software, address: 0x40_0080, kind: 4)))
        XCTAssertTrue(GDBBreakpointType.accessWatchpoint.isWatchpoint)
        XCTAssertFalse(GDBBreakpointType.hardware.isWatchpoint)
    }

    func testProcessControlAndMonitor() {
        XCTAssertEqual(parse("D"), .detach(process: nil))
        XCTAssertEqual(parse("D;1"), .detach(process: 1))
        XCTAssertEqual(parse("k"), .kill)
        XCTAssertEqual(parse("vKill;1"), .killProcess(1))
        XCTAssertEqual(parse("vAttach;a"), .attach(process: 10))
        XCTAssertEqual(parse("vRun;"), .unsupported("vRun"))
        XCTAssertEqual(parse("vRun;2f62696e2f7368"), .unsupported("vRun"))
        XCTAssertEqual(parse("qHostInfo"), .unsupported("qHostInfo"))
        XCTAssertEqual(parse("qProcessInfo"), .unsupported("qProcessInfo"))
        XCTAssertEqual(parse("qRcmd," + GDBHex.encodeText("info registers")), .monitor("info registers"))
    }

    func testUnknownPacketsAreNamed() {
        XCTAssertEqual(parse("vFile:setfs:0"), .unknown("vFile:setfs:0"))
        XCTAssertEqual(parse("QNonStop:0"), .unknown("QNonStop:0"))
        XCTAssertEqual(parse("qTfV"), .unknown("qTfV"))
        XCTAssertEqual(parse("qCRC:0,4"), .unknown("qCRC:0,4"))
        XCTAssertEqual(parse("!"), .unknown("!"))
        XCTAssertEqual(parse("gg"), .unknown("gg"))
        XCTAssertEqual(parse(""), .unknown(""))
    }
}
