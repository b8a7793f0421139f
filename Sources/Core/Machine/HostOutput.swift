#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered bytes to the host's standard output: what a guest's console
/// prints appears at once and in order with every other direct writer
/// (UARTs, semihosting). Portable across the C libraries Swift runs on.
public enum HostOutput {
    /// Writes one byte to file descriptor 1.
    public static func writeStandardOutput(_ byte: UInt8) {
        var b = byte
        #if canImport(Glibc)
        _ = Glibc.write(1, &b, 1)
        #elseif canImport(Darwin)
        _ = Darwin.write(1, &b, 1)
        #endif
    }
}
