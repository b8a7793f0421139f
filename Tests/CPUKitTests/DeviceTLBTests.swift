import XCTest
import ChimeraCore
@testable import ChimeraCPUKit

/// The device half of the soft-TLB: ranges, clipping, flushes and the
/// write effect, over a recording device.
final class DeviceTLBTests: XCTestCase {
    final class Recorder: MMIOHandler {
        var log: [String] = []
        var exitOnWrite: Int32?
        func mmioRead(offset: UInt64, size: Int) -> UInt64 { log.append("r\(offset)/\(size)"); return offset &+ 0x100 }
        func mmioWrite(offset: UInt64, size: Int, value: UInt64) { log.append("w\(offset)/\(size)=\(value)") }
        func mmioWriteFromCPU(offset: UInt64, size: Int, value: UInt64) -> DeviceWriteEffect {
            mmioWrite(offset: offset, size: size, value: value)
            return exitOnWrite.map { .exit(code: $0) } ?? .none
        }
    }

    func space(_ device: Recorder, at address: UInt64, size: UInt64, sizes: AccessSizes = .any) throws -> AddressSpace {
        let s = AddressSpace(name: "bus", owner: "test")
        try s.map(MemoryRegion(name: "dev", size: size, kind: .mmio(device, sizes), owner: "test"), at: address)
        return s
    }

    func testAFilledRangeAnswersEveryAccessInsideItAndNothingOutside() throws {
        let d = Recorder()
        let bus = try space(d, at: 0x3F8, size: 8)
        let ports = DeviceTLB(shift: 3)
        defer { ports.deallocate() }
        XCTAssertNil(ports.read(0x3FD, size: 1), "empty until filled")
        XCTAssertTrue(ports.fill(0x3FD, physical: 0x3FD, clip: false, memory: bus))
        XCTAssertEqual(ports.read(0x3FD, size: 1), 0x105)
        XCTAssertEqual(ports.read(0x3F8, size: 1), 0x100)
        XCTAssertEqual(ports.write(0x3FF, size: 1, value: 7), DeviceWriteEffect.none)
        XCTAssertNil(ports.read(0x3FF, size: 2), "runs past the region")
        XCTAssertNil(ports.read(0x3F7, size: 1))
        XCTAssertNil(ports.read(0x3F8 &+ 64 * 8, size: 1), "same slot, other granule")
        XCTAssertEqual(d.log, ["r5/1", "r0/1", "w7/1=7"])
        XCTAssertFalse(ports.fill(0x80, physical: 0x80, clip: false, memory: bus), "unmapped is not a device")
    }

    func testTranslatedEntriesStayOnTheirPageAndMapVirtualToRegionOffsets() throws {
        let d = Recorder()
        // A 16 KiB device at physical 0x9000_0000, seen at virtual 0xFFFF_0000_0000_2000.
        let bus = try space(d, at: 0x9000_0000, size: 0x4000)
        let tlb = SoftTLB()
        defer { tlb.deallocate() }
        let va: UInt64 = 0xFFFF_0000_0000_2018
        tlb.fill(va, .read, TranslatedPage(physical: 0x9000_1018, space: 3, global: false), memory: bus)
        XCTAssertEqual(tlb.devices.read(va, size: 4), 0x100 + 0x1018)
        XCTAssertEqual(tlb.devices.read(0xFFFF_0000_0000_2FFC, size: 4), 0x100 + 0x1FFC)
        XCTAssertNil(tlb.devices.read(0xFFFF_0000_0000_3000, size: 4), "the next page is another translation")
        XCTAssertNil(tlb.devices.read(0xFFFF_0000_0000_1FFC, size: 4))
        XCTAssertEqual(tlb.read[SoftTLB.index(va)].tag, 1, "device pages never enter the RAM arrays")
        tlb.flush(space: 4)
        XCTAssertNotNil(tlb.devices.read(va, size: 4))
        tlb.flush(space: 3)
        XCTAssertNil(tlb.devices.read(va, size: 4))
        tlb.fill(va, .write, TranslatedPage(physical: 0x9000_1018), memory: bus)
        tlb.flush(page: 0xFFFF_0000_0000_2FFF)
        XCTAssertNil(tlb.devices.read(va, size: 4))
        tlb.fill(va, .read, TranslatedPage(physical: 0x9000_1018, cacheable: false), memory: bus)
        XCTAssertNil(tlb.devices.read(va, size: 4), "uncacheable pages stay out")
        tlb.fill(va, .read, TranslatedPage(physical: 0x9000_1018), memory: bus)
        tlb.flushAll()
        XCTAssertNil(tlb.devices.read(va, size: 4))
    }

    func testSizesOutsideTheDevicesRangeAreSplitAndTheWriteEffectIsReturned() throws {
        let d = Recorder()
        d.exitOnWrite = 5
        let bus = try space(d, at: 0x1000, size: 0x100, sizes: .word)
        let tlb = DeviceTLB(shift: 12)
        defer { tlb.deallocate() }
        tlb.fill(0x1008, physical: 0x1008, clip: true, memory: bus)
        XCTAssertEqual(tlb.read(0x1008, size: 8), 0x10C << 32 | 0x108)
        XCTAssertEqual(d.log, ["r8/4", "r12/4"])
        XCTAssertEqual(tlb.write(0x1010, size: 4, value: 9), .exit(code: 5))
        XCTAssertEqual(tlb.write(0x1010, size: 8, value: 9), DeviceWriteEffect.none, "a split write asks nothing")
    }
}
