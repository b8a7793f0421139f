@testable import ChimeraARM
import ChimeraCore
import XCTest

/// The GICv3 distributor, redistributors and CPU interfaces, driven
/// register by register: MMIO through the cluster's bus, ICC_* through the
/// cores' MRS/MSR path (`readSystemRegister`/`writeSystemRegister`).
final class GICv3Tests: XCTestCase {
    static let gicd: UInt64 = 0x0800_0000
    static let gicr: UInt64 = 0x080A_0000

    var board: ARMTestMachine!

    override func setUpWithError() throws {
        board = try ARMTestMachine(cores: 2, gic: true, gicVersion: 3)
    }

    func read(_ address: UInt64, size: Int = 4) -> UInt64 { board.cluster.memory.read(address, size: size) ?? .max }
    func write(_ address: UInt64, _ value: UInt64, size: Int = 4) {
        XCTAssertTrue(board.cluster.memory.write(address, size: size, value: value))
    }
    func dist(_ offset: UInt64) -> UInt64 { Self.gicd + offset }
    /// Offset in core `cpu`'s SGI_base frame.
    func sgi(_ cpu: Int, _ offset: UInt64) -> UInt64 { Self.gicr + UInt64(cpu) * 0x2_0000 + 0x1_0000 + offset }
    func icc(_ cpu: Int, _ key: SystemRegister) -> UInt64? { board.cpus[cpu].readSystemRegister(key) }
    func setICC(_ cpu: Int, _ key: SystemRegister, _ value: UInt64) {
        XCTAssertTrue(board.cpus[cpu].writeSystemRegister(key, value), "MSR \(key.genericName)")
    }
    func irq(_ cpu: Int) -> Bool { board.cpus[cpu].irqLevel }
    func spi(_ n: Int, _ level: Bool) throws { try board.machine.resolve("/machine/arm/gic").input("spi", n).set(level) }

    /// Wakes both redistributors, enables Group 1 everywhere, PMR 0xF0, and
    /// configures SPI `id` (level, Group 1, priority `priority`, routed to `cpu`).
    func bringUp(spi id: Int = 40, priority: UInt8 = 0x80, to cpu: Int = 0) {
        write(dist(0), 0x12)
        for c in 0..<2 {
            write(Self.gicr + UInt64(c) * 0x2_0000 + 0x14, 0)
            write(sgi(c, 0x80), 0xFFFF_FFFF)
            setICC(c, .iccPMREL1, 0xF0)
            setICC(c, .iccIGRPEN1EL1, 1)
        }
        write(dist(0x80 + UInt64(id / 32) * 4), 0xFFFF_FFFF)
        write(dist(0x400 + UInt64(id)), UInt64(priority), size: 1)
        write(dist(0x6000 + UInt64(id) * 8), UInt64(cpu), size: 8)
        write(dist(0x100 + UInt64(id / 32) * 4), 1 << UInt64(id % 32))
    }

    func testDistributorIdentifiesItselfAsGICv3WithOneSecurityState() {
        XCTAssertEqual(read(dist(0xFFE8)) >> 4 & 0xF, 3, "PIDR2.ArchRev")
        let typer = read(dist(4))
        XCTAssertEqual(typer & 0x1F, 7, "ITLinesNumber for 256 INTIDs")
        XCTAssertEqual(typer >> 19 & 0x1F, 9, "IDbits: 10-bit INTIDs")
        XCTAssertEqual(typer & (1 << 16 | 1 << 17 | 1 << 10), 0, "no MBIS, LPIS or SecurityExtn")
        XCTAssertEqual(read(dist(8)) & 0xFFF, 0x43B, "IIDR implementer")
        XCTAssertEqual(read(dist(0)), 1 << 4 | 1 << 6, "ARE and DS read as one, groups disabled")
        write(dist(0), 0x3)
        XCTAssertEqual(read(dist(0)), 0x53)
        write(dist(0), 0)
        XCTAssertEqual(read(dist(0)), 0x50, "ARE and DS are RAO/WI")
        // Under affinity routing the private IDs live in the redistributors.
        write(dist(0x100), 0xFFFF_FFFF)
        XCTAssertEqual(read(dist(0x100)), 0)
        XCTAssertEqual(read(sgi(0, 0x100)), 0)
    }

    func testRedistributorsReportAffinityAndTheLastFrame() {
        board = try! ARMTestMachine(cores: 2, gic: true, gicVersion: 3)
        for c in 0..<2 {
            let base = Self.gicr + UInt64(c) * 0x2_0000
            let typer = read(base + 8, size: 8)
            XCTAssertEqual(typer >> 32, UInt64(c), "Affinity_Value from the core's MPIDR")
            XCTAssertEqual(typer >> 8 & 0xFFFF, UInt64(c), "Processor_Number")
            XCTAssertEqual(typer >> 4 & 1, c == 1 ? 1 : 0, "Last only on the final frame")
            XCTAssertEqual(typer & 0x3, 0, "no physical or virtual LPIs")
            XCTAssertEqual(read(base + 0xFFE8) >> 4 & 0xF, 3)
            XCTAssertEqual(read(base + 0x14), 0b110, "ProcessorSleep and ChildrenAsleep out of reset")
            write(base + 0x14, 0)
            XCTAssertEqual(read(base + 0x14), 0, "awake at once")
        }
    }

    func testLevelSPIIsAcknowledgedEndedAndSignalledAgainWhileHigh() throws {
        bringUp(spi: 40, priority: 0x80, to: 1)
        XCTAssertEqual(read(dist(0x6000 + 40 * 8), size: 8), 1)
        try spi(8, true)
        XCTAssertFalse(irq(0), "routed to core 1 only")
        XCTAssertTrue(irq(1))
        XCTAssertEqual(icc(1, .iccHPPIR1EL1), 40)
        XCTAssertEqual(icc(1, .iccIAR1EL1), 40)
        XCTAssertFalse(irq(1), "active: not signalled again")
        XCTAssertEqual(icc(1, .iccRPREL1), 0x80)
        XCTAssertEqual(read(dist(0x304)) >> 8 & 1, 1, "ISACTIVER1 bit of INTID 40")
        XCTAssertEqual(icc(1, .iccIAR1EL1), 1023)
        setICC(1, .iccEOIR1EL1, 40)
        XCTAssertEqual(icc(1, .iccRPREL1), 0xFF, "idle")
        XCTAssertTrue(irq(1), "EOImode 0 deactivated it and the line is still high")
        try spi(8, false)
        XCTAssertFalse(irq(1))
        XCTAssertEqual(icc(1, .iccIAR1EL1), 1023)
    }

    func testEdgeSPILatchesAndClearPendingDropsIt() throws {
        bringUp(spi: 33)
        write(dist(0xC08), 2 << 2)   // ICFGR2: INTID 33 edge
        try spi(1, true)
        try spi(1, false)
        XCTAssertTrue(irq(0), "latched by the rising edge")
        XCTAssertEqual(read(dist(0x204)) >> 1 & 1, 1, "ISPENDR1")
        write(dist(0x284), 1 << 1)
        XCTAssertFalse(irq(0))
        write(dist(0x204), 1 << 1)   // set pending by software
        XCTAssertEqual(icc(0, .iccIAR1EL1), 33)
        XCTAssertEqual(read(dist(0x204)) >> 1 & 1, 0, "acknowledge consumed the edge")
    }

    func testSplitEOIModeDropsPriorityAndDIRDeactivates() throws {
        bringUp(spi: 40)
        setICC(0, .iccCTLREL1, 2)
        XCTAssertEqual(icc(0, .iccCTLREL1).map { $0 & 2 }, 2)
        try spi(8, true)
        XCTAssertEqual(icc(0, .iccIAR1EL1), 40)
        setICC(0, .iccEOIR1EL1, 40)
        XCTAssertEqual(icc(0, .iccRPREL1), 0xFF, "priority dropped")
        XCTAssertFalse(irq(0), "still active until DIR")
        setICC(0, .iccDIREL1, 40)
        XCTAssertTrue(irq(0))
    }

    func testPriorityMaskAndPreemptionByGroupPriority() throws {
        bringUp(spi: 40, priority: 0x80)
        setICC(0, .iccPMREL1, 0x80)
        try spi(8, true)
        XCTAssertFalse(irq(0), "priority 0x80 is not below PMR 0x80")
        setICC(0, .iccPMREL1, 0x87)
        XCTAssertEqual(icc(0, .iccPMREL1), 0x80, "only five priority bits")
        setICC(0, .iccPMREL1, 0xF0)
        XCTAssertEqual(icc(0, .iccIAR1EL1), 40)
        // A second SPI: the same group priority cannot preempt, a higher one can.
        setICC(0, .iccBPR1EL1, 4)
        write(dist(0x400 + 41), 0x88, size: 1)
        write(dist(0x6000 + 41 * 8), 0, size: 8)
        write(dist(0x104), 1 << 9)
        try spi(9, true)
        XCTAssertFalse(irq(0), "with BPR1 = 4, 0x88 is group priority 0x80, as the running one")
        write(dist(0x400 + 41), 0x40, size: 1)
        XCTAssertTrue(irq(0), "0x40 preempts the running 0x80")
        XCTAssertEqual(icc(0, .iccIAR1EL1), 41)
        XCTAssertEqual(icc(0, .iccRPREL1), 0x40)
        setICC(0, .iccEOIR1EL1, 41)
        XCTAssertEqual(icc(0, .iccRPREL1), 0x80, "back to the preempted interrupt")
        XCTAssertEqual(icc(0, .iccAP1R0EL1), 1 << 16, "AP1R0 bit of group priority 0x80")
    }

    func testSGIsByTargetListBroadcastAndGroup() {
        bringUp()
        for c in 0..<2 {
            write(sgi(c, 0x400), 0x8080_8080)   // SGIs 0–3 at 0x80
            write(sgi(c, 0x100), 0xF)
        }
        setICC(0, .iccSGI1REL1, 3 << 24 | 1 << 1)   // INTID 3 to affinity 0.0.0.1
        XCTAssertFalse(irq(0))
        XCTAssertTrue(irq(1))
        XCTAssertEqual(icc(1, .iccIAR1EL1), 3)
        setICC(1, .iccEOIR1EL1, 3)
        setICC(1, .iccSGI1REL1, 2 << 24 | 1 << 40)  // IRM: all but core 1
        XCTAssertTrue(irq(0))
        XCTAssertFalse(irq(1))
        XCTAssertEqual(icc(0, .iccIAR1EL1), 2)
        setICC(0, .iccEOIR1EL1, 2)
        // Group 1 SGIs ignore SGI0R/ASGI1R, which pend only Group 0 ones.
        setICC(0, .iccSGI0REL1, 1 << 24 | 1 << 1)
        setICC(0, .iccASGI1REL1, 1 << 24 | 1 << 1)
        XCTAssertFalse(irq(1))
        XCTAssertEqual(read(sgi(1, 0x200)) & 0x2, 0)
        // Other Aff1 values address other clusters: nobody here.
        setICC(0, .iccSGI1REL1, 1 << 24 | 1 << 16 | 1 << 1)
        XCTAssertEqual(read(sgi(1, 0x200)) & 0x2, 0)
    }

    func testGroupZeroGoesToFIQThroughItsOwnRegisters() {
        bringUp()
        write(dist(0), 0x13)
        write(sgi(1, 0x80), 0)              // core 1's private IDs in Group 0
        write(sgi(1, 0x400), 0x80 << 8)     // SGI 1 at 0x80
        write(sgi(1, 0x100), 1 << 1)
        setICC(1, .iccIGRPEN0EL1, 1)
        setICC(0, .iccSGI0REL1, 1 << 24 | 1 << 1)
        XCTAssertTrue(board.cpus[1].fiqLevel)
        XCTAssertFalse(irq(1))
        XCTAssertEqual(icc(1, .iccHPPIR1EL1), 1023)
        XCTAssertEqual(icc(1, .iccHPPIR0EL1), 1)
        XCTAssertEqual(icc(1, .iccIAR1EL1), 1023, "not a Group 1 interrupt")
        XCTAssertEqual(icc(1, .iccIAR0EL1), 1)
        XCTAssertFalse(board.cpus[1].fiqLevel)
        XCTAssertEqual(icc(1, .iccAP0R0EL1), 1 << 16)
        setICC(1, .iccEOIR0EL1, 1)
        XCTAssertEqual(icc(1, .iccAP0R0EL1), 0)
    }

    func testOneOfNRoutingPicksTheLowestEligibleCore() throws {
        bringUp(spi: 40)
        write(dist(0x6000 + 40 * 8), 1 << 31, size: 8)
        setICC(0, .iccIGRPEN1EL1, 0)
        try spi(8, true)
        XCTAssertTrue(irq(1), "core 0 has Group 1 disabled")
        setICC(0, .iccIGRPEN1EL1, 1)
        XCTAssertTrue(irq(0))
        XCTAssertFalse(irq(1), "one of N: core 0 first")
    }

    func testTimerPPIReachesItsOwnCore() throws {
        bringUp()
        write(sgi(1, 0x400 + 28), 0xA0 << 16)   // INTID 30 at 0xA0
        write(sgi(1, 0x100), 1 << 30)
        try board.machine.resolve("/machine/arm/gic").input("ppi", 16 + 14).set(true)
        XCTAssertFalse(irq(0))
        XCTAssertTrue(irq(1))
        XCTAssertEqual(icc(1, .iccIAR1EL1), 30)
    }

    func testCPUInterfaceIdentityAndIDRegister() {
        XCTAssertEqual(icc(0, .idAA64PFR0EL1).map { $0 >> 24 & 0xF }, 1, "ID_AA64PFR0_EL1.GIC")
        XCTAssertEqual(icc(0, .iccSREEL1), 0b111, "SRE, DFB, DIB")
        let ctlr = icc(0, .iccCTLREL1) ?? 0
        XCTAssertEqual(ctlr >> 8 & 7, 4, "PRIbits: five bits")
        XCTAssertEqual(ctlr >> 11 & 7, 0, "IDbits: 16")
        XCTAssertEqual(ctlr >> 6 & 1, 0, "PMHE")
        setICC(0, .iccBPR1EL1, 0)
        XCTAssertEqual(icc(0, .iccBPR1EL1), 3, "minimum binary point")
        setICC(0, .iccBPR0EL1, 0)
        XCTAssertEqual(icc(0, .iccBPR0EL1), 2)
        setICC(0, .iccAP1R0EL1 , 0)
        XCTAssertEqual(icc(0, SystemRegister(3, 0, 12, 9, 3)), 0, "AP1R3 RAZ/WI with five priority bits")
        XCTAssertNil(icc(0, .iccEOIR1EL1), "write-only: UNDEFINED on read")
        XCTAssertFalse(board.cpus[0].writeSystemRegister(.iccIAR1EL1, 0), "read-only: UNDEFINED on write")
    }

    func testWithoutGICv3ICCRegistersStayUndefined() throws {
        let plain = try ARMTestMachine(cores: 1, gic: true, gicVersion: 2)
        XCTAssertEqual(plain.cpus[0].readSystemRegister(.idAA64PFR0EL1).map { $0 >> 24 & 0xF }, 0)
        XCTAssertNil(plain.cpus[0].readSystemRegister(.iccSREEL1))
        XCTAssertFalse(plain.cpus[0].writeSystemRegister(.iccPMREL1, 0xF0))
    }

    func testBadGuestAccessesAreArchitecturalAndReported() {
        write(dist(0x6000 + 1019 * 8), .max, size: 8)          // beyond num-irqs: ignored
        XCTAssertEqual(read(dist(0x6000 + 1019 * 8), size: 8), 0)
        write(dist(0x2000), 1)                                // nothing there
        XCTAssertEqual(read(dist(0x2000)), 0)
        write(dist(0x104), 0xFFFF, size: 2)                   // sub-word write of a bit register
        XCTAssertEqual(read(sgi(1, 0x9000)), 0)
        setICC(0, .iccEOIR1EL1, 1023)                         // special INTID: nothing to end
        setICC(0, .iccDIREL1, 0xFF_FFFF)
        XCTAssertEqual(icc(0, .iccRPREL1), 0xFF)
        let warnings = board.machine.warnings.joined(separator: "\n")
        XCTAssertTrue(warnings.contains("GICD offset 0x2000"), warnings)
        XCTAssertTrue(warnings.contains("GICR SGI_base offset 0x9000"), warnings)
    }
}
