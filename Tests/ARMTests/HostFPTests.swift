import CHostFP
import XCTest

/// The architecture-neutral contract of `CHostFP` (see its header): ARM and
/// x86 tininess and flushing rules, rounding directions, and that the host
/// MXCSR/FP environment is restored after each call.
final class HostFPTests: XCTestCase {
    let inexact = UInt32(CHFP_INEXACT), underflow = UInt32(CHFP_UNDERFLOW), denormal = UInt32(CHFP_DENORMAL)
    let before = UInt32(CHFP_TININESS_BEFORE_ROUNDING), flushOut = UInt32(CHFP_FLUSH_OUTPUTS)
    let flushIn = UInt32(CHFP_FLUSH_INPUTS), flushInexact = UInt32(CHFP_FLUSH_RAISES_INEXACT)

    /// 2^-1022 * (1 - 2^-54): tiny before rounding, the smallest normal after.
    let a = Double(sign: .plus, exponent: -1022, significand: 1 + 0x1p-27), b = 1 - 0x1p-27 as Double

    func testTininessBeforeAndAfterRounding() {
        var f: UInt32 = 0
        XCTAssertEqual(chfp_f64_mul(a, b, 0, &f), .leastNormalMagnitude)
        XCTAssertEqual(f, inexact, "x86: tininess after rounding, no underflow")
        f = 0
        XCTAssertEqual(chfp_f64_mul(a, b, before, &f), .leastNormalMagnitude)
        XCTAssertEqual(f, inexact | underflow, "ARM: tininess before rounding")
    }

    func testFlushingStyles() {
        var f: UInt32 = 0
        XCTAssertEqual(chfp_f64_mul(a, b, before | flushOut, &f), 0)
        XCTAssertEqual(f, underflow, "ARM FZ: underflow without inexact")
        f = 0
        let tiny = chfp_f64_mul(.leastNormalMagnitude, -0.5, flushOut | flushInexact, &f)
        XCTAssertEqual(tiny.bitPattern, (-0.0 as Double).bitPattern)
        XCTAssertEqual(f, underflow | inexact, "x86 FTZ: underflow and precision")
        f = 0
        XCTAssertEqual(chfp_f32_add(.leastNonzeroMagnitude, 1, flushIn, &f), 1)
        XCTAssertEqual(f, denormal)
    }

    func testRoundingDirectionsAndSticky() {
        var f = UInt32(CHFP_INVALID)
        XCTAssertEqual(chfp_f64_add(1, 0x1p-60, UInt32(CHFP_ROUND_UP), &f), 1.0.nextUp)
        XCTAssertEqual(chfp_f64_add(-1, -0x1p-60, UInt32(CHFP_ROUND_DOWN), &f), (-1.0).nextDown)
        XCTAssertEqual(chfp_f64_add(1, 0x1p-60, UInt32(CHFP_ROUND_ZERO), &f), 1)
        XCTAssertEqual(f, UInt32(CHFP_INVALID) | inexact, "flags accumulate")
        XCTAssertEqual(chfp_u64_to_f64(.max, UInt32(CHFP_ROUND_ZERO), &f), 0x1.fffffffffffffp63)
        XCTAssertEqual(chfp_u64_to_f64(0, UInt32(CHFP_ROUND_DOWN), &f).bitPattern, 0, "+0, not -0")
        // The caller's rounding is untouched: an ordinary Swift addition still rounds to nearest.
        let x = 1.0, y = 0x1p-53 * 1.5
        XCTAssertEqual(x + y, 1.0.nextUp)
    }
}
