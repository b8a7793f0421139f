@testable import ChimeraARM
import ChimeraCore
import XCTest

/// Edge cases of FPCR/FPSR handling that random lockstep streams rarely hit,
/// checked against the ARM ARM pseudocode (FPRound, FPUnpack, FPCompare,
/// FPRoundInt, FPToFixed).
final class FloatingPointTests: XCTestCase {
    static let code: UInt64 = 0x4000_0000

    enum FPSR {
        static let ioc: UInt64 = 1, dzc: UInt64 = 2, ofc: UInt64 = 4, ufc: UInt64 = 8, ixc: UInt64 = 0x10, idc: UInt64 = 0x80
    }
    enum FPCR {
        static let rp: UInt64 = 1 << 22, rm: UInt64 = 2 << 22, rz: UInt64 = 3 << 22, fz: UInt64 = 1 << 24, dn: UInt64 = 1 << 25
    }

    /// Runs `words` on a fresh core with V registers (low 64 bits) and FPCR set; returns the core.
    func run(_ words: [UInt32], v: [Int: UInt64], fpcr: UInt64 = 0, fpsr: UInt64 = 0) throws -> AArch64CPU {
        let board = try ARMTestMachine(ramSize: "2M")
        let cpu = board.cpus[0]
        cpu.sys.cpacr = 3 << 20
        var bytes: [UInt8] = []
        for w in words { withUnsafeBytes(of: w.littleEndian) { bytes += $0 } }
        board.cluster.memory.writeBytes(Self.code, bytes)
        for (i, x) in v { cpu.setVector(i, (x, 0)) }
        _ = cpu.writeRegister("fpcr", fpcr)
        _ = cpu.writeRegister("fpsr", fpsr)
        cpu.programCounter = Self.code
        XCTAssertEqual(cpu.run(budget: UInt64(words.count)), .budgetExhausted)
        return cpu
    }

    func fpsr(_ cpu: AArch64CPU) -> UInt64 { cpu.readRegister("fpsr")! }
    func d(_ cpu: AArch64CPU, _ i: Int) -> UInt64 { cpu.vector(i).low }

    // fmul d0, d1, d2
    static let fmulD: UInt32 = 0x1E62_0820
    // fadd s0, s1, s2
    static let faddS: UInt32 = 0x1E22_2820

    /// (1 + 2^-27) * 2^-1022 * (1 - 2^-27) = 2^-1022 * (1 - 2^-54): rounds to the smallest
    /// normal, so x86 (tininess after rounding) sees no underflow, but ARM detects tininess
    /// before rounding: UFC and IXC.
    func testTininessIsDetectedBeforeRounding() throws {
        let a = Double(sign: .plus, exponent: -1022, significand: 1 + 0x1p-27).bitPattern
        let b = (1 - 0x1p-27 as Double).bitPattern
        let cpu = try run([Self.fmulD], v: [1: a, 2: b])
        XCTAssertEqual(d(cpu, 0), 0x0010_0000_0000_0000)
        XCTAssertEqual(fpsr(cpu), FPSR.ufc | FPSR.ixc)
        // With FZ the tiny result is flushed to zero: UFC only, no IXC.
        let flushed = try run([Self.fmulD], v: [1: a, 2: b], fpcr: FPCR.fz)
        XCTAssertEqual(d(flushed, 0), 0)
        XCTAssertEqual(fpsr(flushed), FPSR.ufc)
        // An exact subnormal result is not an underflow without FZ.
        let exact = try run([Self.fmulD], v: [1: 0x0010_0000_0000_0000, 2: (0.5 as Double).bitPattern])
        XCTAssertEqual(d(exact, 0), 0x0008_0000_0000_0000)
        XCTAssertEqual(fpsr(exact), 0)
    }

    func testFlushToZeroInputsSetIDC() throws {
        // fadd s0, s1, s2 with s1 the smallest subnormal and s2 = 1.0.
        let plain = try run([Self.faddS], v: [1: 1, 2: UInt64(Float(1).bitPattern)])
        XCTAssertEqual(d(plain, 0), UInt64(Float(1).bitPattern))
        XCTAssertEqual(fpsr(plain), FPSR.ixc)
        let fz = try run([Self.faddS], v: [1: 1, 2: UInt64(Float(1).bitPattern)], fpcr: FPCR.fz)
        XCTAssertEqual(d(fz, 0), UInt64(Float(1).bitPattern))
        XCTAssertEqual(fpsr(fz), FPSR.idc)
        // A negative subnormal flushes to -0: -0 + -0 = -0.
        let negative = try run([Self.faddS], v: [1: 0x8000_0001, 2: 0x8000_0000], fpcr: FPCR.fz)
        XCTAssertEqual(d(negative, 0), 0x8000_0000)
    }

    func testRoundingModeAppliesToArithmetic() throws {
        // fadd d0, d1, d2: 1 + 2^-60.
        let add: UInt32 = 0x1E62_2820
        let one = (1 as Double).bitPattern, tiny = (0x1p-60 as Double).bitPattern
        XCTAssertEqual(d(try run([add], v: [1: one, 2: tiny]), 0), one)
        XCTAssertEqual(d(try run([add], v: [1: one, 2: tiny], fpcr: FPCR.rp), 0), one + 1)
        XCTAssertEqual(d(try run([add], v: [1: one, 2: tiny], fpcr: FPCR.rz), 0), one)
        // 1 - 1 is -0 when rounding toward minus infinity (fsub d0, d1, d1).
        XCTAssertEqual(d(try run([0x1E61_3820], v: [1: one], fpcr: FPCR.rm), 0), 0x8000_0000_0000_0000)
    }

    func testFCMPESignalsQuietNaNAndFCMPDoesNot() throws {
        let qnan: UInt64 = 0x7FF8_0000_0000_0000, snan: UInt64 = 0x7FF0_0000_0000_0001, one = (1 as Double).bitPattern
        let fcmp: UInt32 = 0x1E62_2020, fcmpe: UInt32 = 0x1E62_2030   // fcmp{e} d1, d2
        XCTAssertEqual(fpsr(try run([fcmp], v: [1: qnan, 2: one])), 0)
        XCTAssertEqual(fpsr(try run([fcmpe], v: [1: qnan, 2: one])), FPSR.ioc)
        XCTAssertEqual(fpsr(try run([fcmp], v: [1: one, 2: snan])), FPSR.ioc)
        let cpu = try run([fcmpe], v: [1: qnan, 2: one])
        XCTAssertEqual(cpu.readRegister("nzcv"), 0x3 << 28)
    }

    func testFRINTXSignalsInexactAndFRINTIDoesNot() throws {
        let x = (2.5 as Double).bitPattern
        let frintx = try run([0x1E67_4020], v: [1: x])    // frintx d0, d1
        XCTAssertEqual(d(frintx, 0), (2 as Double).bitPattern)
        XCTAssertEqual(fpsr(frintx), FPSR.ixc)
        let frinti = try run([0x1E67_C020], v: [1: x], fpcr: FPCR.rp)   // frinti d0, d1 (FPCR.RMode = RP)
        XCTAssertEqual(d(frinti, 0), (3 as Double).bitPattern)
        XCTAssertEqual(fpsr(frinti), 0)
    }

    func testFixedPointConversionSaturatesWithIOC() throws {
        let fcvtzs: UInt32 = 0x1E58_F020   // fcvtzs w0, d1, #4
        XCTAssertEqual(A64Decoder.decode(fcvtzs, pc: 0).kind, .fcvtToInt)
        let big = try run([fcvtzs], v: [1: (1e10 as Double).bitPattern])
        XCTAssertEqual(big.readRegister("x0"), 0x7FFF_FFFF)
        XCTAssertEqual(fpsr(big), FPSR.ioc)
        let small = try run([fcvtzs], v: [1: (-1.03 as Double).bitPattern])   // -16.48 -> -16
        XCTAssertEqual(small.readRegister("x0"), UInt64(UInt32(bitPattern: -16)))
        XCTAssertEqual(fpsr(small), FPSR.ixc)
        let nan = try run([fcvtzs], v: [1: 0x7FF8_0000_0000_0000])
        XCTAssertEqual(nan.readRegister("x0"), 0)
        XCTAssertEqual(fpsr(nan), FPSR.ioc)
        // scvtf d0, x1, #8: 0x180 / 256 = 1.5, exact.
        let scvtf: UInt32 = 0x9E42_E020
        let board = try ARMTestMachine(ramSize: "2M")
        let cpu = board.cpus[0]
        cpu.sys.cpacr = 3 << 20
        board.cluster.memory.writeBytes(Self.code, withUnsafeBytes(of: scvtf.littleEndian) { Array($0) })
        _ = cpu.writeRegister("x1", 0x180)
        cpu.programCounter = Self.code
        _ = cpu.run(budget: 1)
        XCTAssertEqual(d(cpu, 0), (1.5 as Double).bitPattern)
    }

    func testFlagsAreSticky() throws {
        // fadd d0, d1, d2 (exact) after an earlier IOC and DZC: nothing cleared.
        let cpu = try run([0x1E62_2820], v: [1: (1 as Double).bitPattern, 2: (1 as Double).bitPattern], fpsr: FPSR.ioc | FPSR.dzc)
        XCTAssertEqual(fpsr(cpu), FPSR.ioc | FPSR.dzc)
        // fdiv d0, d1, d2: 1 / 0 adds DZC.
        let div = try run([0x1E62_1820], v: [1: (1 as Double).bitPattern, 2: 0], fpsr: FPSR.ixc)
        XCTAssertEqual(d(div, 0), Double.infinity.bitPattern)
        XCTAssertEqual(fpsr(div), FPSR.ixc | FPSR.dzc)
    }

    func testHalfPrecisionConversions() throws {
        // fcvt h0, s1 and fcvt s0, h1.
        let toHalf: UInt32 = 0x1E23_C020, fromHalf: UInt32 = 0x1EE2_4020
        let cpu = try run([toHalf], v: [1: UInt64(Float(65504).bitPattern)])
        XCTAssertEqual(d(cpu, 0), 0x7BFF)
        XCTAssertEqual(fpsr(cpu), 0)
        let overflow = try run([toHalf], v: [1: UInt64(Float(65520).bitPattern)])
        XCTAssertEqual(d(overflow, 0), 0x7C00)
        XCTAssertEqual(fpsr(overflow), FPSR.ofc | FPSR.ixc)
        let back = try run([fromHalf], v: [1: 0x3C01])
        XCTAssertEqual(d(back, 0), UInt64((1 + 0x1p-10 as Float).bitPattern))
    }
}
