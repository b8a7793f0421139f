import ChimeraFuzz

/// libFuzzer entry point of the `elf` harness (`FuzzHarness.elf`). Built with
/// `swift build --sanitize=fuzzer`; see Documentation/Limits.md, "Fuzzing".
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.elf(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
