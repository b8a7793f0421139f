import ChimeraFuzz

/// libFuzzer entry point of the `expression` harness (`FuzzHarness.expression`). Built with
/// `swift build --sanitize=fuzzer`; see Documentation/Limits.md, "Fuzzing".
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.expression(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
