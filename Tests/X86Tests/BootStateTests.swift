import XCTest
import ChimeraCore
import ChimeraDevices
import ChimeraTestSupport
import ChimeraX86

/// The psABI boot state (issue #16, item 6): SSE works from the first
/// instruction unless `psabi-boot-state` is off.
final class BootStateTests: XCTestCase {
    func machine(psABI: Bool?) throws -> (Machine, X86CPU) {
        var registry = TypeRegistry.withCoreTypes()
        Devices.register(into: &registry)
        X86.register(into: &registry)
        let m = try Machine(registry: registry)
        let cluster = try m.addChild("x86", type: "cluster", as: Cluster.self)
        try m.addChild("ram", type: "ram").setProperty("size", "16M")
        try cluster.map(RegionMapping(objectPath: "/machine/ram", region: "mem", address: 0))
        let cpu = try cluster.addChild("cpu[0]", type: "x86_64-cpu", as: X86CPU.self)
        if let psABI { try cpu.setProperty("psabi-boot-state", .bool(psABI)) }
        try m.realizeMachine()
        return (m, cpu)
    }

    func testDefaultBootStateEnablesSSEAsThePsABIAssumes() throws {
        let (_, cpu) = try machine(psABI: nil)
        let cr0 = try XCTUnwrap(cpu.readRegister("cr0")), cr4 = try XCTUnwrap(cpu.readRegister("cr4"))
        XCTAssertEqual(cr0 & 0x2, 0x2, "CR0.MP")
        XCTAssertEqual(cr0 & 0x4, 0, "CR0.EM")
        XCTAssertEqual(cr4 & 0x600, 0x600, "CR4.OSFXSR and OSXMMEXCPT")
        XCTAssertEqual(cr4 & 0x20, 0x20, "CR4.PAE stays")
        XCTAssertEqual(cpu.readRegister("mxcsr"), 0x1F80)
    }

    func testBareBootStateLeavesSSEOff() throws {
        let (_, cpu) = try machine(psABI: false)
        XCTAssertEqual(cpu.readRegister("cr4"), 0x20)
        XCTAssertEqual(cpu.readRegister("cr0"), 0x8000_0033)
    }

    /// `pxor %xmm0, %xmm0` (what clang emits to zero a double) then `ud2`:
    /// with the psABI state the #UD is the ud2 after it; bare, the pxor itself.
    func testFirstSSEInstructionRunsOnlyWithThePsABIState() throws {
        let program: [UInt8] = [0x66, 0x0F, 0xEF, 0xC0, 0x0F, 0x0B]
        for (psABI, faultPC) in [(true, UInt64(0x20_0004)), (false, UInt64(0x20_0000))] {
            let (m, cpu) = try machine(psABI: psABI)
            m.clusters[0].memory.writeBytes(0x20_0000, program)
            cpu.programCounter = 0x20_0000
            cpu.beginSlice()
            m.clock.beginSlice(of: cpu, until: cpu.localTime + cpu.duration(ofCycles: 10))
            let reason = cpu.run(budget: 10)
            m.clock.endSlice()
            guard case .guestFault(let fault) = reason else { return XCTFail("no fault (psabi \(psABI))") }
            XCTAssertEqual(fault.pc, faultPC, "psabi-boot-state \(psABI): \(fault.reason)")
            XCTAssertTrue(fault.reason.contains("#UD"), fault.reason)
        }
    }
}
