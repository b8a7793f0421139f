import ChimeraFuzz

/// libFuzzer entry point of the `gdb` harness (`FuzzHarness.gdb`). Built with
/// `swift build --sanitize=fuzzer`; see Documentation/Limits.md, "Fuzzing".
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.gdb(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
