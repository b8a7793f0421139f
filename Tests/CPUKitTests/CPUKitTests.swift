import XCTest
import ChimeraCore
@testable import ChimeraCPUKit

/// The CPU kit on its own: a toy miss handler over one RAM region.
final class CPUKitTests: XCTestCase {
    /// A core stand-in: identity translation, RAM at 0x1000_0000, counts misses.
    final class Port: SoftTLBMissHandler, CodeWriteObserver {
        let space = AddressSpace(name: "test", owner: "test")
        let tlb = SoftTLB()
        let blocks = BlockCache<UInt32>(capacity: 1 << 16, maxBlock: 64, filler: 0)
        let ram: RAMBlock
        var misses = 0
        var invalidations = 0

        init() throws {
            let region = try MemoryRegion.ram(name: "ram", size: 0x10_0000, owner: "test")
            guard case .ram(let block) = region.kind else { fatalError("RAM region without a block") }
            ram = block
            try space.map(region, at: 0x1000_0000)
        }
        deinit { tlb.deallocate(); blocks.deallocate() }

        func readMiss(_ va: UInt64, size: Int, context: UInt64) throws(GuestTrap) -> UInt64 {
            misses += 1
            guard case .ram(let p, _, _, _, _) = tlb.fill(va, .read, TranslatedPage(physical: va), memory: space),
                  (va & 0xFFF) + UInt64(size) <= 0x1000 else { throw GuestTrap(vector: 14) }
            var v: UInt64 = 0
            withUnsafeMutableBytes(of: &v) { $0.baseAddress!.copyMemory(from: p, byteCount: size) }
            return v
        }
        func writeMiss(_ va: UInt64, size: Int, value: UInt64, context: UInt64) throws(GuestTrap) {
            misses += 1
            guard case .ram(let p, _, let block, let offset, _) = tlb.fill(va, .write, TranslatedPage(physical: va), memory: space)
            else { throw GuestTrap(vector: 14) }
            var v = value
            withUnsafeBytes(of: &v) { p.copyMemory(from: $0.baseAddress!, byteCount: size) }
            if block.codePages[Int(offset >> 12)] != 0 { block.codeWritten(offset: offset, length: UInt64(size)) }
        }
        func codeWritten(in block: RAMBlock, offset: UInt64, length: UInt64) {
            if blocks.invalidate(block, offset: offset, length: length, mark: RAMBlock.genericCodeMark) { invalidations += 1 }
        }
    }

    func testHitsAfterOneMissAndCrossingsAlwaysMiss() throws {
        let p = try Port()
        try p.tlb.store(UInt64.self, 0x1000_0010, 0x1122_3344_5566_7788, context: 0, p)
        XCTAssertEqual(p.misses, 1)
        XCTAssertEqual(try p.tlb.load(UInt32.self, 0x1000_0014, context: 0, p), 0x1122_3344)
        XCTAssertEqual(p.misses, 2, "the read array fills on its own first miss")
        XCTAssertEqual(try p.tlb.load(UInt16.self, 0x1000_0010, context: 0, p), 0x7788)
        XCTAssertEqual(p.misses, 2)
        // An access whose last byte is on the next page never hits (this
        // toy handler refuses crossings, a core splits them).
        XCTAssertThrowsError(try p.tlb.load(0x1000_0FFE, size: 4, context: 0, p))
        XCTAssertEqual(p.misses, 3)
        _ = try p.tlb.load(0x1000_0FFC, size: 4, context: 0, p)
        XCTAssertEqual(p.misses, 3)
    }

    func testUnmappedAccessThrowsTheHandlersTrap() throws {
        let p = try Port()
        XCTAssertThrowsError(try p.tlb.load(UInt64.self, 0x2000_0000, context: 0, p)) { e in
            XCTAssertEqual((e as? GuestTrap)?.vector, 14)
        }
    }

    func testFlushByPageAndBySpace() throws {
        let p = try Port()
        let tlb = p.tlb
        tlb.fill(0x1000_0000, .read, TranslatedPage(physical: 0x1000_0000, space: 5, global: false), memory: p.space)
        tlb.fill(0x1000_1000, .read, TranslatedPage(physical: 0x1000_1000, space: 5, global: true), memory: p.space)
        tlb.fill(0x1000_2000, .read, TranslatedPage(physical: 0x1000_2000, space: 6, global: false), memory: p.space)
        tlb.flush(space: 5)
        XCTAssertEqual(tlb.read[SoftTLB.index(0x1000_0000)].tag, 1, "non-global entry of regime 5 dropped")
        XCTAssertEqual(tlb.read[SoftTLB.index(0x1000_1000)].tag, 0x1000_1000, "global entry kept")
        XCTAssertEqual(tlb.read[SoftTLB.index(0x1000_2000)].tag, 0x1000_2000, "other regime kept")
        tlb.flush(page: 0x1000_2ABC)
        XCTAssertEqual(tlb.read[SoftTLB.index(0x1000_2000)].tag, 1)
        tlb.flushAll()
        XCTAssertEqual(tlb.read[SoftTLB.index(0x1000_1000)].tag, 1)
    }

    func testUncacheablePagesAndPartialPagesStayOutOfTheTLB() throws {
        let p = try Port()
        p.tlb.fill(0x1000_0000, .read, TranslatedPage(physical: 0x1000_0000, cacheable: false), memory: p.space)
        XCTAssertEqual(p.tlb.read[SoftTLB.index(0x1000_0000)].tag, 1)
        // The last page of RAM is whole; the page after it is unmapped.
        p.tlb.fill(0x1010_0000, .read, TranslatedPage(physical: 0x1010_0000), memory: p.space)
        XCTAssertEqual(p.tlb.read[SoftTLB.index(0x1010_0000)].tag, 1)
    }

    func testStoresToCodePagesGoToTheMissPathAndInvalidateOnlyOverlaps() throws {
        let p = try Port()
        let host = UInt(bitPattern: p.ram.base)
        let code = p.blocks.reserve()!
        for k in 0..<4 { code[k] = UInt32(k) }
        p.ram.markCode(atOffset: 0x100)
        p.blocks.observe(p.ram, by: p)
        p.blocks.commit(key: 0x1000_0100, tag: 0, code: code, count: 4, host: host + 0x100, length: 16)
        XCTAssertNotNil(p.blocks.cached(0x1000_0100, tag: 0))
        XCTAssertNil(p.blocks.cached(0x1000_0100, tag: 1), "another regime does not see the block")
        // A store next to the code keeps the block and re-marks the page.
        try p.tlb.store(UInt32.self, 0x1000_0200, 7, context: 0, p)
        XCTAssertEqual(p.invalidations, 0)
        XCTAssertNotEqual(p.ram.codePages[0], 0)
        XCTAssertNotNil(p.blocks.cached(0x1000_0100, tag: 0))
        // The next store to the page still takes the miss path.
        let before = p.misses
        try p.tlb.store(UInt32.self, 0x1000_0204, 7, context: 0, p)
        XCTAssertEqual(p.misses, before + 1)
        // A store over translated bytes drops the block and moves the epoch.
        let epoch = p.blocks.epoch
        try p.tlb.store(UInt8.self, 0x1000_010C, 0xFF, context: 0, p)
        XCTAssertEqual(p.invalidations, 1)
        XCTAssertNil(p.blocks.cached(0x1000_0100, tag: 0))
        XCTAssertNil(p.blocks.recall(0x1000_0100, tag: 0))
        XCTAssertNotEqual(p.blocks.epoch, epoch)
    }

    func testEvictedBlocksAreRecalledAndLinksExpireWithTheEpoch() throws {
        let p = try Port()
        let host = UInt(bitPattern: p.ram.base)
        let a = p.blocks.reserve()!
        let first = p.blocks.commit(key: 0x40, tag: 0, code: a, count: 1, host: host, length: 4)
        // Same slot, different key: evicts the first from the table only.
        var other: UInt64 = 0x40
        repeat { other &+= 0x1000 } while BlockCache<UInt32>.slot(for: other) != BlockCache<UInt32>.slot(for: 0x40)
        let b = p.blocks.reserve()!
        let second = p.blocks.commit(key: other, tag: 0, code: b, count: 1, host: host + 0x1000, length: 4)
        XCTAssertNil(p.blocks.cached(0x40, tag: 0))
        XCTAssertEqual(p.blocks.recall(0x40, tag: 0)?.code, first.code)
        p.blocks.link(from: Int(second.slot), pc: 0x40, to: first)
        XCTAssertEqual(p.blocks.linked(from: Int(second.slot), pc: 0x40)?.code, first.code)
        p.blocks.bumpEpoch()
        XCTAssertNil(p.blocks.linked(from: Int(second.slot), pc: 0x40))
    }

    func testArenaGrowsInChunksUpToItsCapacity() throws {
        let cache = BlockCache<UInt32>(capacity: 3 * BlockCache<UInt32>.chunkSize, maxBlock: 64, filler: 0)
        defer { cache.deallocate() }
        var pointers: [UnsafeMutablePointer<UInt32>] = []
        var key: UInt64 = 0
        while let room = cache.reserve() {
            room[0] = UInt32(truncatingIfNeeded: key)
            cache.commit(key: key, tag: 0, code: room, count: 64, host: UInt(key << 8), length: 4)
            pointers.append(room)
            key += 1
        }
        XCTAssertEqual(cache.instructionsUsed, pointers.count * 64)
        XCTAssertLessThanOrEqual(cache.instructionsUsed, 3 * BlockCache<UInt32>.chunkSize)
        // Earlier blocks never moved while the arena grew.
        for (k, ptr) in pointers.enumerated() { XCTAssertEqual(ptr[0], UInt32(k)) }
        cache.flush()
        XCTAssertEqual(cache.instructionsUsed, 0)
        XCTAssertNotNil(cache.reserve())
    }
}
