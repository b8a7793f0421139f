import ChimeraGDB
import XCTest

/// Known packets with bad contents are `.malformed` with a reason, never a trap.
final class GDBCommandMalformedTests: XCTestCase {
    private func reason(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        guard case .malformed(let reason) = GDBCommand.parse(text) else {
            XCTFail("\(text) parsed as \(GDBCommand.parse(text)), not as malformed", file: file, line: line)
            return nil
        }
        return reason
    }

    func testBadHexAndMissingFields() {
        XCTAssertEqual(reason("mzz,4"), "m: address is not a hex number of at most 64 bits")
        XCTAssertEqual(reason("m1000"), "m: expected addr,length")
        XCTAssertEqual(reason("m1000,"), "m: length is missing")
        XCTAssertEqual(reason("M1000,2:0a"), "M: length 2 but 1 data bytes")
        XCTAssertEqual(reason("M1000,1:0g"), "M: data is not hex")
        XCTAssertEqual(reason("X1000,2:a"), "X: length 2 but 1 data bytes")
        XCTAssertEqual(reason("X1000,2"), "X: expected addr,length:data")
        XCTAssertEqual(reason("cxyz"), "c: address is not a hex number of at most 64 bits")
        XCTAssertEqual(reason("qRcmd,7"), "qRcmd: command is not hex")
        XCTAssertEqual(reason("qXfer:features:read:target.xml:0"), "qXfer: expected offset,length")
    }

    func testBreakpointTypesAndFields() {
        XCTAssertEqual(reason("Z9,1000,4"), "Z: unknown breakpoint type 9")
        XCTAssertEqual(reason("Z9"), "Z: expected type,addr,kind")
        XCTAssertEqual(reason("z0,1000"), "z: expected type,addr,kind")
        XCTAssertEqual(reason("Z0,1000,4,5"), "Z: expected type,addr,kind")
    }

    func testNumbersWiderThan64Bits() {
        XCTAssertEqual(reason("p10000000000000000"), "p: register number is not a hex number of at most 64 bits")
        XCTAssertEqual(reason("pffffffffffffffff"), "p: register number is too large")
        XCTAssertEqual(reason("m10000000000000000,4"), "m: address is not a hex number of at most 64 bits")
        XCTAssertEqual(reason("vCont;C100"), "vCont: signal is over 255")
    }

    func testLengthsOverTheCap() {
        let cap = GDBCommand.maximumTransferLength
        XCTAssertEqual(GDBCommand.parse("m0,\(String(cap, radix: 16))"), .readMemory(address: 0, length: cap))
        XCTAssertEqual(reason("m0,\(String(cap + 1, radix: 16))"), "m: length \(cap + 1) is over the limit of \(cap)")
        XCTAssertEqual(reason("m0,ffffffffffffffff"), "m: length \(UInt64.max) is over the limit of \(cap)")
        XCTAssertNotNil(reason("qXfer:features:read:target.xml:0,100000"))
    }

    func testACombiningMarkAfterTheCommandLetterIsNotSwallowed() {
        XCTAssertEqual(reason("m\u{301}10,4"), "m: address is not a hex number of at most 64 bits")
    }

    func testRegisterData() {
        XCTAssertEqual(reason("G001"), "G: register data has an odd number of hex digits")
        XCTAssertEqual(reason("G00zz"), "G: register data is not hex")
        XCTAssertEqual(reason("P1"), "P: expected n=value")
        XCTAssertEqual(reason("P1="), "P: no register value")
        XCTAssertEqual(reason("P=00"), "P: register number is missing")
    }

    func testThreadsAndProcesses() {
        XCTAssertEqual(reason("Hgp1.x"), "H: bad thread id 'p1.x'")
        XCTAssertEqual(reason("Hg"), "H: bad thread id ''")
        XCTAssertEqual(reason("T"), "T: bad thread id ''")
        XCTAssertEqual(reason("qThreadExtraInfo,p"), "qThreadExtraInfo: bad thread id 'p'")
        XCTAssertEqual(reason("D1"), "D: expected D or D;pid")
        XCTAssertEqual(reason("D;"), "D: process id is missing")
        XCTAssertEqual(reason("vKill;"), "vKill: process id is missing")
        XCTAssertEqual(reason("qAttached:q"), "qAttached: process id is not a hex number of at most 64 bits")
    }

    func testResumeActionErrors() {
        XCTAssertEqual(reason("vCont"), "vCont: no actions")
        XCTAssertEqual(reason("vCont;"), "vCont: unknown action ''")
        XCTAssertEqual(reason("vCont;x"), "vCont: unknown action 'x'")
        XCTAssertEqual(reason("vCont;cc"), "vCont: unknown action 'cc'")
        XCTAssertEqual(reason("vCont;c:"), "vCont: bad thread id ''")
        XCTAssertEqual(reason("vCont;r10"), "vCont: expected rstart,end")
        XCTAssertEqual(reason("vCont;C"), "vCont: signal is missing")
    }

    func testMutatedPacketsNeverTrap() {
        let seeds = ["qXfer:features:read:target.xml:0,ffb", "vCont;C05:p1.2;r1000,1010:p1.1", "Z0,400080,4;X3,220c01",
                     "M1000,3:0a0b0c", "X2000,4:ab:d", "P21=0011", "qRcmd,6869", "Hgp1.1", "D;1", "qAttached:1",
                     "qThreadExtraInfo,p1.2", "mffffff8000001000,40", "qSupported:multiprocess+", "vKill;1"].map { Array($0.utf8) }
        let alphabet = Array("0123456789abcdefABCDEFpx-.,:;=#$}".utf8) + [0x00, 0x80, 0xFF]
        var state: UInt64 = 1
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        var malformed = 0
        for _ in 0..<20_000 {
            var payload = seeds[next() % seeds.count]
            for _ in 0..<(1 + next() % 3) {
                let i = next() % payload.count
                switch next() % 3 {
                case 0: payload[i] = alphabet[next() % alphabet.count]
                case 1: payload.insert(alphabet[next() % alphabet.count], at: i)
                default: payload.removeSubrange(i...)
                }
                if payload.isEmpty { payload = [UInt8(ascii: "m")] }
            }
            if case .malformed = GDBCommand.parse(payload) { malformed += 1 }
        }
        XCTAssertGreaterThan(malformed, 1000)
        XCTAssertEqual(GDBCommand.parse([UInt8(ascii: "m"), 0xFF, 0xFE]), .malformed("m: expected addr,length"))
    }
}
