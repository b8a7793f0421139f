import XCTest
@testable import ChimeraCore

final class ClockTests: XCTestCase {
    func testSameTimeEventsFireInInsertionOrderAndCancelledNever() {
        let clock = Clock()
        var log: [String] = []
        clock.schedule(at: .nanoseconds(20), "b") { log.append("b") }
        clock.schedule(at: .nanoseconds(10), "a1") { log.append("a1") }
        let cancelled = clock.schedule(at: .nanoseconds(10), "x") { log.append("x") }
        clock.schedule(at: .nanoseconds(10), "a2") { log.append("a2") }
        clock.cancel(cancelled)
        XCTAssertFalse(clock.isPending(cancelled))
        clock.advance(to: .nanoseconds(15))
        XCTAssertEqual(log, ["a1", "a2"])
        XCTAssertEqual(clock.nextEventTime, .nanoseconds(20))
        clock.advance(to: .nanoseconds(100))
        XCTAssertEqual(log, ["a1", "a2", "b"])
        XCTAssertEqual(clock.now, .nanoseconds(100))
    }

    func testEventsScheduledByHandlersFireInOrder() {
        let clock = Clock()
        var log: [UInt64] = []
        clock.schedule(at: .nanoseconds(5), "first") {
            log.append(clock.now.picoseconds)
            clock.schedule(after: .nanoseconds(1), "chained") { log.append(clock.now.picoseconds) }
        }
        clock.advance(to: .nanoseconds(10))
        XCTAssertEqual(log, [5_000, 6_000])
    }

    func testManyEventsComeOutSorted() {
        let clock = Clock()
        var fired: [UInt64] = []
        var state: UInt64 = 12345
        for i in 0..<500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let t = (state >> 33) % 1000
            clock.schedule(at: VirtualTime(picoseconds: t), "e\(i)") { fired.append(t) }
        }
        clock.advance(to: .seconds(1))
        XCTAssertEqual(fired, fired.sorted())
        XCTAssertEqual(fired.count, 500)
    }
}
