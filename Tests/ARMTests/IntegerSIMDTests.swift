@testable import ChimeraARM
import ChimeraCore
import XCTest

/// Known answers for the crypto and saturating instructions, independent of
/// Unicorn: hand-encoded instructions run on the core.
final class IntegerSIMDTests: XCTestCase {
    static let base: UInt64 = 0x4000_0000

    /// Runs `words` from RAM with FP/SIMD enabled; `setup` prepares registers first.
    func run(_ words: [UInt32], setup: (AArch64CPU) -> Void) throws -> AArch64CPU {
        let board = try ARMTestMachine(ramSize: "2M")
        let cpu = board.cpus[0]
        cpu.sys.cpacr = 3 << 20
        var bytes: [UInt8] = []
        for w in words { withUnsafeBytes(of: w.littleEndian) { bytes += $0 } }
        board.cluster.memory.writeBytes(Self.base, bytes)
        setup(cpu)
        cpu.programCounter = Self.base
        XCTAssertEqual(cpu.run(budget: UInt64(words.count)), .budgetExhausted)
        XCTAssertEqual(cpu.programCounter, Self.base + UInt64(4 * words.count))
        return cpu
    }

    static func vector(_ b: [UInt8]) -> (low: UInt64, high: UInt64) {
        var lo: UInt64 = 0, hi: UInt64 = 0
        for i in 0..<8 { lo |= UInt64(b[i]) << UInt64(8 * i); hi |= UInt64(b[8 + i]) << UInt64(8 * i) }
        return (lo, hi)
    }

    /// FIPS-197 Appendix C.1: AES-128 of 00112233…ff under key 000102…0f is 69c4e0d8…c55a.
    func testAES128KnownAnswer() throws {
        // Key expansion (FIPS-197 §5.2) into 11 round keys, byte order as in memory.
        var w: [[UInt8]] = (0..<4).map { i in (0..<4).map { UInt8(4 * i + $0) } }
        var rcon: UInt8 = 1
        for i in 4..<44 {
            var t = w[i - 1]
            if i % 4 == 0 {
                t = [t[1], t[2], t[3], t[0]].map { AESTables.sbox[Int($0)] }
                t[0] ^= rcon
                rcon = AESTables.multiply(rcon, 2)
            }
            w.append(zip(w[i - 4], t).map { $0 ^ $1 })
        }
        var program: [UInt32] = []
        for round in 0..<9 {
            program.append(0x4E28_4800 | UInt32(1 + round) << 5)   // aese v0.16b, v(1+round).16b
            program.append(0x4E28_6800)                          // aesmc v0.16b, v0.16b
        }
        program.append(0x4E28_4800 | 10 << 5)                    // aese v0.16b, v10.16b
        program.append(0x6E2B_1C00)                              // eor v0.16b, v0.16b, v11.16b
        let cpu = try run(program) { cpu in
            cpu.setVector(0, Self.vector((0..<16).map { UInt8($0 * 0x11) }))
            for r in 0...10 { cpu.setVector(1 + r, Self.vector(Array(w[4 * r..<4 * r + 4].joined()))) }
        }
        let expected = Self.vector([0x69, 0xC4, 0xE0, 0xD8, 0x6A, 0x7B, 0x04, 0x30, 0xD8, 0xCD, 0xB7, 0x80, 0x70, 0xB4, 0xC5, 0x5A])
        XCTAssertEqual(cpu.vector(0).low, expected.low)
        XCTAssertEqual(cpu.vector(0).high, expected.high)
    }

    /// AESD/AESIMC undo AESE/AESMC.
    func testAESDecryptionInvertsEncryption() throws {
        let program: [UInt32] = [
            0x4E28_4820,   // aese v0, v1
            0x4E28_6800,   // aesmc v0, v0
            0x4E28_7800,   // aesimc v0, v0
            0x4E28_5840,   // aesd v0, v2 (v2 = 0: only the inverse rows and S-box)
            0x6E21_1C00,   // eor v0, v0, v1
        ]
        let cpu = try run(program) { cpu in
            cpu.setVector(0, (0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210))
            cpu.setVector(1, (0x0F0E_0D0C_0B0A_0908, 0x0706_0504_0302_0100))
            cpu.setVector(2, (0, 0))
        }
        XCTAssertEqual(cpu.vector(0).low, 0x0123_4567_89AB_CDEF)
        XCTAssertEqual(cpu.vector(0).high, 0xFEDC_BA98_7654_3210)
    }

    /// FIPS 180-4 SHA-256 of "abc" (one block) through SHA256H/H2/SU0/SU1.
    func testSHA256KnownAnswer() throws {
        // K[i]: the first 32 fraction bits of the cube roots of the first 64 primes (integer cube root).
        var primes: [UInt64] = []
        var candidate: UInt64 = 2
        while primes.count < 64 {
            if !primes.contains(where: { candidate % $0 == 0 }) { primes.append(candidate) }
            candidate += 1
        }
        let k: [UInt32] = primes.map { p in
            let target = UInt128(p) << 96
            var lo: UInt128 = 0, hi: UInt128 = 1 << 40
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if mid * mid * mid <= target { lo = mid } else { hi = mid - 1 }
            }
            return UInt32(truncatingIfNeeded: lo)
        }
        XCTAssertEqual(k[0], 0x428A_2F98)
        func four(_ w: [UInt32]) -> (low: UInt64, high: UInt64) {
            (UInt64(w[0]) | UInt64(w[1]) << 32, UInt64(w[2]) | UInt64(w[3]) << 32)
        }
        func reg(_ r: Int, _ lsb: Int) -> UInt32 { UInt32(r) << UInt32(lsb) }
        var program: [UInt32] = []
        for i in 0..<16 {
            let w = 4 + i % 4
            program.append(0x4EA0_8400 | reg(16 + i, 16) | reg(w, 5) | 3)   // add v3.4s, v(w).4s, v(16+i).4s
            program.append(0x4EA0_1C02)                                    // mov v2.16b, v0.16b
            program.append(0x5E00_4000 | reg(3, 16) | reg(1, 5) | 0)       // sha256h q0, q1, v3.4s
            program.append(0x5E00_5000 | reg(3, 16) | reg(2, 5) | 1)       // sha256h2 q1, q2, v3.4s
            if i < 12 {
                program.append(0x5E28_2800 | reg(4 + (i + 1) % 4, 5) | UInt32(w))                       // sha256su0
                program.append(0x5E00_6000 | reg(4 + (i + 3) % 4, 16) | reg(4 + (i + 2) % 4, 5) | UInt32(w))   // sha256su1
            }
        }
        program.append(0x4EA0_8400 | reg(8, 16) | 0)            // add v0.4s, v0.4s, v8.4s
        program.append(0x4EA0_8400 | reg(9, 16) | reg(1, 5) | 1) // add v1.4s, v1.4s, v9.4s
        let h: [UInt32] = [0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A, 0x510E_527F, 0x9B05_688C, 0x1F83_D9AB, 0x5BE0_CD19]
        let cpu = try run(program) { cpu in
            cpu.setVector(0, four(Array(h[0..<4])))
            cpu.setVector(1, four(Array(h[4..<8])))
            cpu.setVector(8, four(Array(h[0..<4])))
            cpu.setVector(9, four(Array(h[4..<8])))
            // "abc" padded to one block, as big-endian message words.
            let message: [UInt32] = [0x6162_6380] + [UInt32](repeating: 0, count: 14) + [0x18]
            for j in 0..<4 { cpu.setVector(4 + j, four(Array(message[4 * j..<4 * j + 4]))) }
            for j in 0..<16 { cpu.setVector(16 + j, four(Array(k[4 * j..<4 * j + 4]))) }
        }
        let digest: [UInt32] = [0xBA78_16BF, 0x8F01_CFEA, 0x4141_40DE, 0x5DAE_2223, 0xB003_61A3, 0x9617_7A9C, 0xB410_FF61, 0xF200_15AD]
        XCTAssertEqual(cpu.vector(0).low, four(Array(digest[0..<4])).low)
        XCTAssertEqual(cpu.vector(0).high, four(Array(digest[0..<4])).high)
        XCTAssertEqual(cpu.vector(1).low, four(Array(digest[4..<8])).low)
        XCTAssertEqual(cpu.vector(1).high, four(Array(digest[4..<8])).high)
    }

    /// Saturation sets FPSR.QC (bit 27); a non-saturating instruction leaves it alone.
    func testSaturationSetsQC() throws {
        let quiet = try run([0x6E21_0C23]) { cpu in           // uqadd v3.16b, v1.16b, v1.16b
            cpu.setVector(1, (0x0101_0101_0101_0101, 0x0101_0101_0101_0101))
        }
        XCTAssertEqual(quiet.vector(3).low, 0x0202_0202_0202_0202)
        XCTAssertEqual(quiet.readRegister("fpsr")! & (1 << 27), 0)
        let saturated = try run([0x4E21_0C02]) { cpu in       // sqadd v2.16b, v0.16b, v1.16b
            cpu.setVector(0, (0x7F7F_7F7F_7F7F_7F7F, 0x7F7F_7F7F_7F7F_7F7F))
            cpu.setVector(1, (0x0101_0101_0101_0101, 0x0101_0101_0101_0101))
        }
        XCTAssertEqual(saturated.vector(2).low, 0x7F7F_7F7F_7F7F_7F7F)
        XCTAssertEqual(saturated.readRegister("fpsr")! & (1 << 27), 1 << 27)
    }

    /// CRC32CB/CRC32B of "1" from the all-ones seed (bitwise references computed by hand in Python).
    func testCRC32Step() throws {
        let cpu = try run([0x1AC2_4020, 0x1AC2_5023]) { cpu in   // crc32b w0, w1, w2; crc32cb w3, w1, w2
            _ = cpu.writeRegister("x1", 0xFFFF_FFFF)
            _ = cpu.writeRegister("x2", 0x31)
        }
        XCTAssertEqual(cpu.readRegister("x0"), UInt64(crc32Update(0xFFFF_FFFF, 0x31, sz: 0, castagnoli: false)))
        XCTAssertEqual(cpu.readRegister("x0")! ^ 0xFFFF_FFFF, 0x83DC_EFB7)   // zlib.crc32(b"1")
        XCTAssertEqual(cpu.readRegister("x3")! ^ 0xFFFF_FFFF, 0x90F5_99E3)   // CRC-32C of b"1"
    }
}
