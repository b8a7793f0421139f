import ChimeraARM
import Foundation

/// A64 decode speed: the decoder's golden sample (every table pattern with
/// random field values, then random words), decoded the way block
/// translation does, best of five rounds.
enum DecodeBenchmark {
    static func run() {
        let words = A64Decoder.sampleWords(perEncoding: 16_384, seed: 0xC41_3E7A)
        var best = Double.infinity, digest: UInt64 = 0
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            digest = A64Decoder.digest(of: words)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, seconds)
        }
        print(String(format: "a64 decode: %d words, best of 5 %.4f s, %.1f ns/word, %.1f M words/s, digest %016llx",
                     words.count, best, best / Double(words.count) * 1e9, Double(words.count) / best / 1e6, digest))
    }
}
