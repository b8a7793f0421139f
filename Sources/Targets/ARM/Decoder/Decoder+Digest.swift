/// A fixed sample of instruction words and a digest of their decoded `Op`s:
/// the golden test pins the decoder's output with it (any change to any
/// field of any `Op` changes the digest) and `chimera-bench decode` times it.
extension A64Decoder {
    /// `perEncoding` words of every table entry (its fixed bits, the other
    /// bits random) followed by as many fully random words, from `seed`
    /// (SplitMix64, so the sample is the same on every host and run).
    public static func sampleWords(perEncoding: Int, seed: UInt64) -> [UInt32] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var words: [UInt32] = []
        words.reserveCapacity(perEncoding * (table.encodings.count + 1))
        for e in table.encodings {
            for _ in 0..<perEncoding { words.append((UInt32(truncatingIfNeeded: next()) & ~e.mask) | e.value) }
        }
        for _ in 0..<perEncoding { words.append(UInt32(truncatingIfNeeded: next())) }
        return words
    }

    /// Decodes every word (word `i` at pc `base + 4 i`) exactly as block
    /// translation does and folds each resulting `Op` (all fields, after
    /// `specializeAddressing`), the FP/SIMD trap predicate and the
    /// block-ending rule into a 64-bit FNV-1a digest.
    public static func digest(of words: [UInt32], base: UInt64 = 0x4000_0000) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        @inline(__always) func mix(_ v: UInt64) { h = (h ^ v) &* 0x0000_0100_0000_01B3 }
        for (i, w) in words.enumerated() {
            let op = specializeAddressing(decode(w, pc: base &+ UInt64(i) &* 4))
            mix(UInt64(op.kind.rawValue) | UInt64(op.rd) << 16 | UInt64(op.rn) << 24 | UInt64(op.rm) << 32
                | UInt64(op.ra) << 40 | UInt64(op.aux) << 48)
            mix(op.imm)
            mix((isFPOrSIMD(w) ? 1 : 0) | (endsBlock(op.kind) ? 2 : 0))
        }
        return h
    }
}
