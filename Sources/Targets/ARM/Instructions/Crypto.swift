// A64 cryptographic extension (ARM ARM C4.1.95 "Cryptographic AES",
// "Cryptographic three-register SHA", "Cryptographic two-register SHA";
// FEAT_AES, FEAT_PMULL is in SIMDSaturating.swift, FEAT_SHA1, FEAT_SHA256).
// The AES tables are derived from the FIPS-197 definitions (multiplicative
// inverse in GF(2^8) modulo x^8+x^4+x^3+x+1, then the affine map), the SHA
// helper functions from FIPS 180-4, in the order the ARM ARM pseudocode applies them.

/// Operations of `crypto` (aux).
enum CryptoOp {
    static let aese: UInt16 = 0, aesd: UInt16 = 1, aesmc: UInt16 = 2, aesimc: UInt16 = 3
    static let sha1c: UInt16 = 10, sha1p: UInt16 = 11, sha1m: UInt16 = 12, sha1su0: UInt16 = 13
    static let sha256h: UInt16 = 14, sha256h2: UInt16 = 15, sha256su1: UInt16 = 16
    static let sha1h: UInt16 = 20, sha1su1: UInt16 = 21, sha256su0: UInt16 = 22
}

/// AES byte substitution tables and GF(2^8) arithmetic (FIPS-197 §4, §5.1.1).
enum AESTables {
    /// Product in GF(2^8) with the AES reduction polynomial 0x11B.
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var x = a, y = b, p: UInt8 = 0
        while y != 0 {
            if y & 1 != 0 { p ^= x }
            x = (x << 1) ^ (x & 0x80 != 0 ? 0x1B : 0)
            y >>= 1
        }
        return p
    }

    /// SubBytes: multiplicative inverse followed by the affine transformation.
    static let sbox: [UInt8] = (0..<256).map { i -> UInt8 in
        let x = UInt8(i)
        var inverse: UInt8 = 0
        if x != 0 {
            for y in 1...255 where multiply(x, UInt8(y)) == 1 { inverse = UInt8(y); break }
        }
        func rotl(_ v: UInt8, _ n: UInt8) -> UInt8 { (v << n) | (v >> (8 - n)) }
        return inverse ^ rotl(inverse, 1) ^ rotl(inverse, 2) ^ rotl(inverse, 3) ^ rotl(inverse, 4) ^ 0x63
    }

    /// InvSubBytes.
    static let inverseSbox: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for i in 0..<256 { t[Int(sbox[i])] = UInt8(i) }
        return t
    }()
}

extension A64Decoder {
    static func decodeCryptoAES(_ f: CryptoAESFields) -> Op {
        let opcode = f.opcode
        guard f.size == 0, (4...7).contains(opcode) else { return .undefined }
        return Op(.crypto, rd: f.rd.raw, rn: f.rn.raw, aux: UInt16(opcode - 4))
    }

    static func decodeCryptoThreeRegisterSHA(_ f: CryptoThreeRegisterSHAFields) -> Op {
        let opcode = f.opcode
        guard f.size == 0, opcode < 7 else { return .undefined }
        return Op(.crypto, rd: f.rd.raw, rn: f.rn.raw, rm: f.rm.raw,
                  aux: CryptoOp.sha1c + UInt16(opcode))
    }

    static func decodeCryptoTwoRegisterSHA(_ f: CryptoTwoRegisterSHAFields) -> Op {
        let opcode = f.opcode
        guard f.size == 0, opcode < 3 else { return .undefined }
        return Op(.crypto, rd: f.rd.raw, rn: f.rn.raw, aux: CryptoOp.sha1h + UInt16(opcode))
    }
}

@inline(__always) private func rol32(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
@inline(__always) private func ror32(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
@inline(__always) private func shaChoose(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { ((y ^ z) & x) ^ z }
@inline(__always) private func shaMajority(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & y) | ((x | y) & z) }
@inline(__always) private func shaParity(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { x ^ y ^ z }

/// A vector as four 32-bit words, element 0 first.
private func words(_ v: Vec) -> [UInt32] {
    [UInt32(truncatingIfNeeded: v.lo), UInt32(truncatingIfNeeded: v.lo >> 32),
     UInt32(truncatingIfNeeded: v.hi), UInt32(truncatingIfNeeded: v.hi >> 32)]
}
private func vecFromWords(_ w: [UInt32]) -> Vec {
    Vec(lo: UInt64(w[0]) | UInt64(w[1]) << 32, hi: UInt64(w[2]) | UInt64(w[3]) << 32)
}
private func bytes(_ v: Vec) -> [UInt8] { (0..<16).map { UInt8(truncatingIfNeeded: v.lane($0, 8)) } }
private func vecFromBytes(_ b: [UInt8]) -> Vec {
    var v = Vec()
    for i in 0..<16 { v.setLane(i, 8, UInt64(b[i])) }
    return v
}

/// MixColumns (or InvMixColumns) on a column-major 16-byte state.
private func mixColumns(_ s: [UInt8], inverse: Bool) -> [UInt8] {
    let k: [UInt8] = inverse ? [0x0E, 0x0B, 0x0D, 0x09] : [0x02, 0x03, 0x01, 0x01]
    var out = s
    for c in 0..<4 {
        for r in 0..<4 {
            var x: UInt8 = 0
            for j in 0..<4 { x ^= AESTables.multiply(k[(j - r + 4) % 4], s[4 * c + j]) }
            out[4 * c + r] = x
        }
    }
    return out
}

/// The SHA-256 four-round update of the ARM ARM `SHA256hash` (X = a..d, Y = e..h).
private func sha256Hash(_ x0: [UInt32], _ y0: [UInt32], _ w: [UInt32], part1: Bool) -> [UInt32] {
    var x = x0, y = y0
    for e in 0..<4 {
        let chs = shaChoose(y[0], y[1], y[2])
        let maj = shaMajority(x[0], x[1], x[2])
        let sigma1 = ror32(y[0], 6) ^ ror32(y[0], 11) ^ ror32(y[0], 25)
        let sigma0 = ror32(x[0], 2) ^ ror32(x[0], 13) ^ ror32(x[0], 22)
        let t = y[3] &+ sigma1 &+ chs &+ w[e]
        x[3] = t &+ x[3]
        y[3] = t &+ sigma0 &+ maj
        // <Y, X> = ROL(Y : X, 32)
        let topY = y[3], topX = x[3]
        x = [topY, x[0], x[1], x[2]]
        y = [topX, y[0], y[1], y[2]]
    }
    return part1 ? x : y
}

extension AArch64CPU {
    func executeCrypto(_ op: Op) {
        let d = vec(op.rd), n = vec(op.rn), m = vec(op.rm)
        var result = Vec()
        switch op.aux {
        case CryptoOp.aese, CryptoOp.aesd:
            let inverse = op.aux == CryptoOp.aesd
            let state = bytes(Vec(lo: d.lo ^ n.lo, hi: d.hi ^ n.hi))
            var out = [UInt8](repeating: 0, count: 16)
            for c in 0..<4 {
                for r in 0..<4 {
                    // ShiftRows moves row r left by r columns; InvShiftRows right.
                    let from = inverse ? (c - r + 4) % 4 : (c + r) % 4
                    let b = state[4 * from + r]
                    out[4 * c + r] = inverse ? AESTables.inverseSbox[Int(b)] : AESTables.sbox[Int(b)]
                }
            }
            result = vecFromBytes(out)
        case CryptoOp.aesmc, CryptoOp.aesimc:
            result = vecFromBytes(mixColumns(bytes(n), inverse: op.aux == CryptoOp.aesimc))
        case CryptoOp.sha1c, CryptoOp.sha1p, CryptoOp.sha1m:
            var x = words(d)
            var y = UInt32(truncatingIfNeeded: n.lo)
            let w = words(m)
            for e in 0..<4 {
                let t: UInt32
                switch op.aux {
                case CryptoOp.sha1c: t = shaChoose(x[1], x[2], x[3])
                case CryptoOp.sha1p: t = shaParity(x[1], x[2], x[3])
                default: t = shaMajority(x[1], x[2], x[3])
                }
                y = y &+ rol32(x[0], 5) &+ t &+ w[e]
                x[1] = rol32(x[1], 30)
                // <Y, X> = ROL(Y : X, 32)
                let top = x[3]
                x = [y, x[0], x[1], x[2]]
                y = top
            }
            result = vecFromWords(x)
        case CryptoOp.sha1su0:
            result = Vec(lo: d.lo ^ d.hi ^ m.lo, hi: d.hi ^ n.lo ^ m.hi)
        case CryptoOp.sha256h:
            result = vecFromWords(sha256Hash(words(d), words(n), words(m), part1: true))
        case CryptoOp.sha256h2:
            result = vecFromWords(sha256Hash(words(n), words(d), words(m), part1: false))
        case CryptoOp.sha256su1:
            let x = words(d), y = words(n), z = words(m)
            let t0 = [y[1], y[2], y[3], z[0]]
            var out = [UInt32](repeating: 0, count: 4)
            for e in 0..<4 {
                let elt = e < 2 ? z[2 + e] : out[e - 2]
                let s = ror32(elt, 17) ^ ror32(elt, 19) ^ (elt >> 10)
                out[e] = s &+ x[e] &+ t0[e]
            }
            result = vecFromWords(out)
        case CryptoOp.sha1h:
            result = Vec(lo: UInt64(rol32(UInt32(truncatingIfNeeded: n.lo), 30)))
        case CryptoOp.sha1su1:
            let x = words(d), y = words(n)
            let t = [x[0] ^ y[1], x[1] ^ y[2], x[2] ^ y[3], x[3]]
            result = vecFromWords([rol32(t[0], 1), rol32(t[1], 1), rol32(t[2], 1), rol32(t[3], 1) ^ rol32(t[0], 2)])
        default:   // SHA256SU0
            let x = words(d), y = words(n)
            let t = [x[1], x[2], x[3], y[0]]
            result = vecFromWords((0..<4).map { e in
                let elt = t[e]
                return (ror32(elt, 7) ^ ror32(elt, 18) ^ (elt >> 3)) &+ x[e]
            })
        }
        setV(op.rd, result.lo, result.hi)
    }
}
