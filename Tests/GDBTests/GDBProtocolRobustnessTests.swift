import ChimeraCore
import ChimeraGDB
import ChimeraKit
import ChimeraScheduler
import ChimeraTestSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What a careless or hostile client sends the stub: bad checksums,
/// garbage, malformed and oversized packets, unmapped addresses, a second
/// client, a client that vanishes mid-packet. Each gets an answer or a
/// closed connection; the run itself ends as it would without a debugger.
final class GDBProtocolRobustnessTests: XCTestCase {
    /// A raw TCP client speaking bytes.
    final class RawClient {
        let fd: Int32
        init(port: UInt16) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard ok == 0 else { close(fd); throw ChimeraError(.generic, "cannot connect to port \(port)") }
        }
        deinit { close(fd) }
        func send(_ text: String) { send(Array(text.utf8)) }
        func send(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        func packet(_ payload: String) { send(GDBPacket.encode(payload)) }
        /// Bytes until `until` appears, the peer closes, or the timeout.
        func receive(until marker: String, timeout: Int32 = 5000) -> String {
            var got: [UInt8] = []
            var left = timeout
            while left > 0 {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 100) >= 0 else { break }
                left -= 100
                if pfd.revents == 0 { continue }
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n <= 0 { break }
                got += chunk[0..<n]
                if String(decoding: got, as: UTF8.self).contains(marker) { break }
            }
            return String(decoding: got, as: UTF8.self)
        }
        /// Has the peer closed the connection?
        func isClosed() -> Bool {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 3000) > 0 else { return false }
            var byte: UInt8 = 0
            return read(fd, &byte, 1) <= 0
        }
    }

    func testBadInputNeverCrashesOrHangsTheRun() throws {
        // A guest that runs until the budget ends it, so it is still running when later clients come.
        let elf = try KernelBuilder().buildRaw(assembly: "1:  add x0, x0, #1\n    b 1b\n", platform: .arm64Virt,
                                               linkAddress: 0x4008_0000)
        let budget: UInt64 = 300_000_000
        let plainMachine = try TestMachine(board: "virt-arm64")
        try plainMachine.loadKernel(elf, on: "arm")
        let plain = try plainMachine.run(until: .exit, within: budget)
        XCTAssertEqual(plain.outcome, .budgetSpent)

        let board = try TestMachine(board: "virt-arm64")
        try board.loadKernel(elf, on: "arm")
        let stub = try board.startGDB(waitForDebugger: true)
        guard case .tcp(_, let port) = stub.endpoint else { return XCTFail("no port") }
        let background = BackgroundRun(board, within: budget)

        let a = try RawClient(port: port)
        a.packet("qSupported:multiprocess+;swbreak+")
        XCTAssertTrue(a.receive(until: "#").contains("PacketSize=4000"))
        a.send("$g#00")                                  // wrong checksum
        XCTAssertTrue(a.receive(until: "-").contains("-"))
        a.send("garbage between packets")
        a.packet("?")
        XCTAssertTrue(a.receive(until: "#").contains("T05thread:p1.1;"))
        a.packet("mffffffffffff0000,10")                 // unmapped
        XCTAssertTrue(a.receive(until: "#").contains("$E0e#"))
        a.packet("m40080000,zz")                         // malformed
        XCTAssertTrue(a.receive(until: "#").contains("$E01#"))
        a.packet("Z0,ffffffffffff0000,4")                // a breakpoint where nothing is mapped
        XCTAssertTrue(a.receive(until: "#").contains("$OK#"))
        a.packet("z0,ffffffffffff0000,4")
        XCTAssertTrue(a.receive(until: "#").contains("$OK#"))
        a.packet("p9999")                                 // no such register
        XCTAssertTrue(a.receive(until: "#").contains("$E16#"))
        a.packet("vNoSuchPacket")
        XCTAssertTrue(a.receive(until: "#").contains("$#00"))
        // No-ack mode: the OK is the last reply preceded by an acknowledgement.
        a.packet("QStartNoAckMode")
        XCTAssertTrue(a.receive(until: "#").contains("$OK#"))
        a.packet("qC")
        let unacknowledged = a.receive(until: "#")
        XCTAssertTrue(unacknowledged.hasPrefix("$QCp1.1#"), unacknowledged)
        a.send("$qC#00")                                 // a wrong checksum gets no "-" now
        a.packet("qAttached")
        XCTAssertTrue(a.receive(until: "#").hasPrefix("$1#"))

        // One debugger at a time.
        let b = try RawClient(port: port)
        XCTAssertTrue(b.receive(until: "#").contains("$E10#"))
        XCTAssertTrue(b.isClosed())

        // An oversized packet ends that client; the stub serves the next one.
        a.send("$" + String(repeating: "A", count: 20_000))
        XCTAssertTrue(a.isClosed())
        // Until the stub has seen the first client go, a new one is still turned away.
        var c = try RawClient(port: port)
        for _ in 0..<50 {
            c.packet("?")
            let answer = c.receive(until: "#")
            if answer.contains("T05") { break }
            guard answer.contains("$E10#") else { return XCTFail("neither served nor turned away: '\(answer)'") }
            usleep(50_000)
            c = try RawClient(port: port)
        }
        // Ctrl-C while the machine runs stops it at the next quantum boundary with SIGINT.
        c.packet("vCont;c")
        XCTAssertEqual(c.receive(until: "+", timeout: 2000), "+")
        usleep(100_000)
        c.send([GDBInbound.interruptByte])
        XCTAssertTrue(c.receive(until: "#").contains("T02thread:p1.1;"))
        // A client that vanishes mid-packet: the run goes on to its end.
        c.send("$qSupp")
        _ = shutdown(c.fd, Int32(SHUT_RDWR))

        guard let debugged = background.wait() else {
            return XCTFail("the run did not end after the clients left")
        }
        XCTAssertEqual(debugged.outcome, plain.outcome)
        XCTAssertEqual(debugged.traceHash, plain.traceHash)
        XCTAssertEqual(debugged.instructions, plain.instructions)
    }
}
