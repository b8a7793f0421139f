import Foundation

/// The console output and exit status of a guest program run as a host (or qemu-user) process.
public struct KernelRunResult: Sendable {
    /// Everything the program wrote to stdout (its console).
    public let output: String
    /// The process exit status (kmain's return value).
    public let exitStatus: Int32
}

/// Runs `linux-user` builds: natively for x86-64, under `qemu-aarch64` for AArch64.
public enum KernelRunner {
    /// Runs a linux-user ELF and captures its stdout and exit status; throws if it cannot be started.
    public static func runLinuxUser(elf: String, platform: KernelPlatform) throws -> KernelRunResult {
        let executable: String
        let arguments: [String]
        switch platform {
        case .linuxUserX86_64:
            executable = elf
            arguments = []
        case .linuxUserARM64:
            guard let qemu = qemuUserARM64 else {
                throw KernelBuildError.io("qemu-aarch64 not found (apt-get install qemu-user)")
            }
            executable = qemu
            arguments = [elf]
        default:
            throw KernelBuildError.io("\(platform.rawValue) is not a linux-user platform")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw KernelBuildError.io("cannot run \(executable): \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return KernelRunResult(output: String(decoding: data, as: UTF8.self), exitStatus: process.terminationStatus)
    }

    /// The path of `qemu-aarch64` if it is installed in a standard location.
    public static var qemuUserARM64: String? {
        ["/usr/bin/qemu-aarch64", "/usr/local/bin/qemu-aarch64", "/usr/bin/qemu-aarch64-static"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
