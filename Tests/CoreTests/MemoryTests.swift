import XCTest
@testable import ChimeraCore

final class MemoryTests: XCTestCase {
    func testHigherPriorityCoversLowerAndLaterWinsTies() throws {
        let space = AddressSpace(name: "memory", owner: "/t")
        let low = try MemoryRegion.ram(name: "low", size: 0x10000, owner: "/t")
        let high = try MemoryRegion.ram(name: "high", size: 0x1000, owner: "/t")
        try space.map(high, at: 0x8000, priority: 1)
        try space.map(low, at: 0, priority: 0)
        let ranges = space.flatView.ranges.map { "\(String($0.start, radix: 16))-\(String($0.last, radix: 16)):\($0.region.name)+\(String($0.offsetInRegion, radix: 16))" }
        XCTAssertEqual(ranges, ["0-7fff:low+0", "8000-8fff:high+0", "9000-ffff:low+9000"])
        space.write(0x8004, size: 4, value: 0xAABBCCDD)
        XCTAssertEqual(space.read(0x8004, size: 4), 0xAABBCCDD)
        space.unmap(high)
        XCTAssertEqual(space.read(0x8004, size: 4), 0, "the lower RAM shows through after unmapping")
    }

    func testAliasWindowSeesTheSameBytesAtAnotherAddress() throws {
        let shared = try MemoryRegion.ram(name: "shared", size: 0x4000, owner: "/machine/shared")
        let a = AddressSpace(name: "arm", owner: "/a"), b = AddressSpace(name: "x86", owner: "/b")
        try a.map(shared, at: 0x8000_0000)
        try b.map(try MemoryRegion.alias(name: "win", of: shared, offset: 0x1000, size: 0x2000, owner: "/b"), at: 0x1_0000_0000)
        a.write(0x8000_1010, size: 8, value: 0x1122334455667788)
        XCTAssertEqual(b.read(0x1_0000_0010, size: 8), 0x1122334455667788)
        XCTAssertNil(b.read(0x1_0000_2000, size: 1), "the window ends after 0x2000 bytes")
        XCTAssertThrowsError(try MemoryRegion.alias(name: "bad", of: shared, offset: 0x3000, size: 0x2000, owner: "/b"))
        XCTAssertTrue(b.mtreeText().contains("alias"), b.mtreeText())
    }

    func testMMIODispatchSplitsAndWidensAccesses() throws {
        let device = LoggingMMIO()
        let space = AddressSpace(name: "memory", owner: "/t")
        try space.map(MemoryRegion(name: "regs", size: 0x40, kind: .mmio(device, .word), owner: "/dev"), at: 0x9000_0000)
        space.write(0x9000_0004, size: 4, value: 0x12345678)
        XCTAssertEqual(space.read(0x9000_0005, size: 1), 0x56, "a byte read widens to a word read")
        space.write(0x9000_0008, size: 8, value: 0xAAAA_BBBB_CCCC_DDDD)
        space.write(0x9000_0006, size: 2, value: 0xEEFF)
        XCTAssertEqual(device.log, ["w4@4=12345678", "r4@4", "w4@8=ccccdddd", "w4@12=aaaabbbb", "r4@4", "w4@4=eeff5678"])
        XCTAssertNil(space.read(0x9000_0040, size: 4), "past the region is unmapped")
    }

    func testROMIgnoresBusWritesButLoadersFillIt() throws {
        let space = AddressSpace(name: "memory", owner: "/t")
        try space.map(try MemoryRegion.rom(name: "rom", size: 0x1000, owner: "/t"), at: 0)
        XCTAssertFalse(space.write(0x10, size: 4, value: 7))
        XCTAssertNil(space.writeBytes(0x10, [1, 2, 3], allowROM: true))
        XCTAssertEqual(space.readBytes(0x10, count: 3), [1, 2, 3])
    }

    func testRegionsThatDoNotFitAreRejected() throws {
        let space = AddressSpace(name: "io", size: 0x10000, owner: "/t")
        XCTAssertThrowsError(try space.map(try MemoryRegion.ram(name: "r", size: 0x100, owner: "/t"), at: 0xFFF0))
    }

    func testHugeRAMIsLazy() throws {
        let before = RAMBlock.residentBytes()
        let block = try RAMBlock(size: 64 << 30)
        let after = RAMBlock.residentBytes()
        XCTAssertLessThan(after &- before, 64 << 20, "reserving 64 GiB must not commit it")
        block.base.storeBytes(of: 0xAB, toByteOffset: Int(63 << 30), as: UInt8.self)
        XCTAssertEqual(block.base.load(fromByteOffset: Int(63 << 30), as: UInt8.self), 0xAB)
        XCTAssertLessThan(RAMBlock.residentBytes() &- before, 64 << 20)
    }

    func testClusterMapsDeviceRegionsAtRealize() throws {
        let m = try Machine(registry: makeRegistry())
        let cluster = try m.addChild("arm", type: "cluster", as: Cluster.self)
        try m.addChild("ram", type: "ram-test")
        try cluster.map(RegionMapping(objectPath: "ram", region: "mem", address: 0x4000_0000))
        try cluster.map(RegionMapping(objectPath: "ram", region: "mem", address: 0x8000_0000, offset: 0x100, size: 0x100))
        try m.realizeMachine()
        cluster.memory.write(0x4000_0100, size: 4, value: 0xCAFE)
        XCTAssertEqual(cluster.memory.read(0x8000_0000, size: 4), 0xCAFE)
        XCTAssertThrowsError(try cluster.map(RegionMapping(objectPath: "ram", region: "nope", address: 0))) {
            XCTAssertTrue("\($0)".contains("has no region 'nope'; regions are: mem"), "\($0)")
        }
    }

    func testCodeWritesNotifyObservers() throws {
        final class Observer: CodeWriteObserver {
            var hits: [UInt64] = []
            func codeWritten(in block: RAMBlock, offset: UInt64, length: UInt64) { hits.append(offset) }
        }
        let region = try MemoryRegion.ram(name: "r", size: 0x10000, owner: "/t")
        guard case .ram(let block) = region.kind else { return XCTFail() }
        let observer = Observer()
        block.addCodeObserver(observer)
        block.markCode(atOffset: 0x2000)
        let space = AddressSpace(name: "m", owner: "/t")
        try space.map(region, at: 0)
        space.write(0x1000, size: 4, value: 1)
        space.write(0x2010, size: 4, value: 1)
        space.write(0x2020, size: 4, value: 1)  // mark was cleared by the first hit
        XCTAssertEqual(observer.hits, [0x2010])
    }
}

/// `RegisterMap`: table lookup equals the declaration order's first match,
/// far offsets work, and reports are made once per offset and direction.
final class RegisterMapTests: XCTestCase {
    func testLookupMatchesTheDeclarationsAndReportsOnce() throws {
        let map = RegisterMap([
            RegisterDescriptor(0x00, "DATA", .readWrite, doc: ""),
            RegisterDescriptor(0x08, "STATUS", .readOnly, reset: 0x60, doc: ""),
            RegisterDescriptor(0x08, "SHADOW", .readWrite, doc: "a second declaration of 0x08 is never found"),
            RegisterDescriptor(0x0C, "CMD", .writeOnly, doc: ""),
            RegisterDescriptor(0x10, "SPARE", .readWrite, reset: 3, modelled: false, doc: ""),
            RegisterDescriptor(0x2_0000, "FAR", .readWrite, doc: ""),
        ])
        for offset: UInt64 in [0, 4, 8, 0xC, 0x10, 0x14, 0x1_FFFF, 0x2_0000, 0x2_0004, .max] {
            XCTAssertEqual(map.register(at: offset)?.name, map.registers.first { $0.offset == offset }?.name, "offset \(offset)")
        }
        var registry = TypeRegistry.withCoreTypes()
        registry.registerBuiltin(ObjectType("reg-test", parent: "device", summary: "", instanceClass: SimObject.self))
        let m = try Machine(registry: registry)
        let d = try m.addChild("d", type: "reg-test")
        XCTAssertEqual(map.check(0x08, write: false, device: d)?.resetValue, 0x60)
        XCTAssertEqual(map.check(0x2_0000, write: true, device: d).map { map.registers[$0.index].name }, "FAR")
        XCTAssertNil(map.check(0x08, write: true, device: d), "read-only")
        XCTAssertNil(map.check(0x0C, write: false, device: d), "write-only")
        XCTAssertEqual(map.check(0x10, write: false, device: d)?.modelled, false, "unmodelled registers are handed back")
        for _ in 0..<3 { XCTAssertNil(map.check(0x44, write: false, device: d)) }
        XCTAssertNil(map.check(0x44, write: true, device: d))
        XCTAssertEqual(m.warnings, [
            "/machine/d: write to read-only register STATUS ignored",
            "/machine/d: read from write-only register CMD returns 0",
            "/machine/d: SPARE is not modelled (reads as 0x3)",
            "/machine/d: read from unknown register at offset 0x44",
            "/machine/d: write to unknown register at offset 0x44",
        ])
    }
}
