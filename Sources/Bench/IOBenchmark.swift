import ChimeraKit
import ChimeraTestSupport
import Foundation

/// Nanoseconds per device access, Chimera against QEMU on the same ELFs
/// (issue 19): each kind of `IOAccess` is built with a short and a long loop,
/// and ns/access = (T(long) − T(short)) / (long − short), which cancels
/// everything but the loop: QEMU's process start-up, the guest's set-up and
/// its exit. Chimera runs in this process from the shipped board (only the
/// run is timed); QEMU is spawned. Both engines run every kind in each round,
/// so host speed drifts reach them alike.
enum IOBenchmark {
    /// Iterations of the short loop; the long loop's are `longCount`.
    static let shortCount: UInt64 = 1_000

    /// The long loop: 0.2–1 s of QEMU time per kind at its current speed,
    /// so that QEMU's start-up jitter (±15 ms for the PC's firmware, less on
    /// virt) stays within a few per cent; x86 needs the longer loops.
    static func longCount(_ access: IOAccess, scale: Double) -> UInt64 {
        let base: Double
        switch access {
        case .x86InLSR, .x86OutScratch: base = 10_000_000
        case .armPL011Flags, .armGICDistributorType: base = 4_000_000
        case .x86RAMLoad: base = 200_000_000
        case .armRAMLoad: base = 100_000_000
        }
        return max(shortCount + 1, min(UInt64(UInt32.max), UInt64(base * scale)))
    }

    struct Options {
        var kinds: [IOAccess]
        var rounds: Int
        var scale: Double
        var chimeraOnly: Bool
    }

    /// Parses the arguments after `io` (kind names or prefixes such as `x86`)
    /// and the CHIMERA_BENCH_* environment variables.
    static func options(_ arguments: [String], environment: [String: String]) throws -> Options {
        var kinds = IOAccess.allCases
        if !arguments.isEmpty {
            for a in arguments where !IOAccess.allCases.contains(where: { $0.rawValue.hasPrefix(a) }) {
                throw ChimeraError(.generic, "io: unknown access kind '\(a)'; kinds are "
                                   + IOAccess.allCases.map(\.rawValue).joined(separator: ", ") + " (or a prefix: x86, arm)")
            }
            kinds = IOAccess.allCases.filter { kind in arguments.contains { kind.rawValue.hasPrefix($0) } }
        }
        // The RAM loop of each architecture is the unit, so it always runs.
        for unit in [IOAccess.x86RAMLoad, .armRAMLoad] where kinds.contains(where: { $0.unit == unit }) && !kinds.contains(unit) {
            kinds.append(unit)
        }
        kinds = IOAccess.allCases.filter(kinds.contains)
        var rounds = 5
        if let text = environment["CHIMERA_BENCH_RUNS"] {
            guard let n = Int(text), n >= 1 else {
                throw ChimeraError(.generic, "CHIMERA_BENCH_RUNS='\(text)': expected a whole number of rounds, at least 1")
            }
            rounds = n
        }
        var scale = 1.0
        if let text = environment["CHIMERA_BENCH_IO_SCALE"] {
            guard let s = Double(text), s > 0, s <= 100 else {
                throw ChimeraError(.generic, "CHIMERA_BENCH_IO_SCALE='\(text)': expected a factor for the loop lengths, e.g. 0.1 or 2 (at most 100)")
            }
            scale = s
        }
        return Options(kinds: kinds, rounds: rounds, scale: scale, chimeraOnly: environment["CHIMERA_BENCH_ENGINES"] == "chimera")
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Runs one ELF on Chimera until the guest exits; returns the run's seconds and retired instructions.
    static func chimera(_ access: IOAccess, elf: String) throws -> (seconds: Double, instructions: UInt64) {
        let machine = try TestMachine(board: access.board)
        try machine.loadKernel(elf, on: access.cluster)
        try machine.start()
        let start = now()
        let result = try machine.run()
        let seconds = now() - start
        guard result.exitStatus == access.passStatus else {
            throw ChimeraError(.generic, "\(access.rawValue) on Chimera ended with \(result.outcome) (status \(result.exitStatus)), "
                               + "expected exit status \(access.passStatus): \(elf)")
        }
        return (seconds, result.instructions)
    }

    /// Runs one ELF under QEMU and returns the wall-clock seconds from spawn to exit.
    static func qemu(_ access: IOAccess, binary: String, elf: String, timeout: Double) throws -> Double {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("chimera-bench-qemu-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: errors.path, contents: nil),
              let errorHandle = try? FileHandle(forWritingTo: errors) else {
            throw ChimeraError(.generic, "cannot create \(errors.path) for QEMU's messages")
        }
        defer { try? FileManager.default.removeItem(at: errors) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = access.qemuArguments(elf: elf)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorHandle
        // Woken by the termination handler: waitUntilExit polls its run loop
        // in 50 ms steps, which would round every time up by as much.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let start = now()
        do { try process.run() } catch {
            throw ChimeraError(.generic, "cannot run \(binary): \(error)")
        }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            exited.wait()
            throw ChimeraError(.generic, "\(access.rawValue) under \(binary) did not exit within \(Int(timeout)) s: \(elf)")
        }
        let seconds = now() - start
        try? errorHandle.close()
        guard process.terminationStatus == access.passStatus else {
            let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw ChimeraError(.generic, "\(access.rawValue) under \(binary) exited with \(process.terminationStatus), expected \(access.passStatus)"
                               + (text.isEmpty ? "" : ": \(text.trimmingCharacters(in: .whitespacesAndNewlines))"))
        }
        return seconds
    }

    /// Finds an executable on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The first line of `binary --version`.
    static func version(_ binary: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return binary }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? binary
    }

    /// ns per access of every round, per kind (in `kinds` order) and engine.
    struct Samples {
        var chimera: [Double] = []
        var qemu: [Double] = []
    }

    static func run(_ arguments: [String]) throws {
        let options = try options(arguments, environment: ProcessInfo.processInfo.environment)
        let builder = try KernelBuilder()
        var notes: [String] = []
        // The QEMU binary per kind, nil where it is absent or skipped.
        var qemuBinaries: [String?] = []
        var versions: [String] = []
        for kind in options.kinds {
            guard !options.chimeraOnly else { qemuBinaries.append(nil); continue }
            let binary = which(kind.qemuBinary)
            if binary == nil, !notes.contains(where: { $0.contains(kind.qemuBinary) }) {
                notes.append("\(kind.qemuBinary) is not on PATH, so its column is empty (`make bench-deps` installs it).")
            }
            if let binary, !versions.contains(where: { $0.hasPrefix(kind.qemuBinary) }) {
                versions.append("\(kind.qemuBinary): \(version(binary))")
            }
            qemuBinaries.append(binary)
        }
        let elfs = try options.kinds.map { kind in
            (short: try builder.build(kind, count: shortCount),
             long: try builder.build(kind, count: longCount(kind, scale: options.scale)))
        }
        let timeout = 120 * max(1, options.scale)
        var samples = [Samples](repeating: Samples(), count: options.kinds.count)
        for round in 1...options.rounds {
            for (i, kind) in options.kinds.enumerated() {
                let extra = longCount(kind, scale: options.scale) - shortCount, accesses = Double(extra)
                let short = try chimera(kind, elf: elfs[i].short), long = try chimera(kind, elf: elfs[i].long)
                // Within 0.1 %: the loops are the only difference between the two runs.
                let expected = IOAccess.instructionsPerAccess * extra
                let retired = long.instructions &- short.instructions
                guard retired.distance(to: expected).magnitude <= expected / 1000 else {
                    throw ChimeraError(.generic, "\(kind.rawValue) on Chimera: the long run retired \(retired) more instructions than the short one, "
                                       + "expected \(expected) (\(IOAccess.instructionsPerAccess) per access)")
                }
                samples[i].chimera.append((long.seconds - short.seconds) / accesses * 1e9)
                var line = "round \(round)/\(options.rounds) \(kind.rawValue): Chimera \(format(samples[i].chimera.last!)) ns"
                if let binary = qemuBinaries[i] {
                    let q1 = try qemu(kind, binary: binary, elf: elfs[i].short, timeout: timeout)
                    let q2 = try qemu(kind, binary: binary, elf: elfs[i].long, timeout: timeout)
                    samples[i].qemu.append((q2 - q1) / accesses * 1e9)
                    line += ", QEMU \(format(samples[i].qemu.last!)) ns"
                }
                printError(line)
            }
        }
        printTable(options.kinds, samples, scale: options.scale)
        print("")
        print("Best of \(options.rounds) round\(options.rounds == 1 ? "" : "s"), range over the rounds in parentheses; ns/access = (T(N2) − T(N1)) / (N2 − N1), "
              + "N1 = \(shortCount). Ratios divide the best values; their ranges are the per-round ratios.")
        for line in versions + notes { print(line) }
    }

    static func printTable(_ kinds: [IOAccess], _ samples: [Samples], scale: Double) {
        print("| access | N2 | Chimera ns/access | QEMU ns/access | Chimera/QEMU | Chimera, in RAM loads | QEMU, in RAM loads |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for (i, kind) in kinds.enumerated() {
            let s = samples[i]
            let u = samples[kinds.firstIndex(of: kind.unit)!]
            var cells = [kind.summary, grouped(longCount(kind, scale: scale)), summary(s.chimera), summary(s.qemu)]
            cells.append(ratio(s.chimera, s.qemu))
            cells.append(kind.isRAMLoad ? "1" : ratio(s.chimera, u.chimera))
            cells.append(kind.isRAMLoad || s.qemu.isEmpty ? (s.qemu.isEmpty ? "–" : "1") : ratio(s.qemu, u.qemu))
            print("| " + cells.joined(separator: " | ") + " |")
        }
    }

    /// "best (min–max)" of a series, or a dash when it is empty.
    static func summary(_ values: [Double]) -> String {
        guard let low = values.min(), let high = values.max() else { return "–" }
        return values.count == 1 ? format(low) : "\(format(low)) (\(format(low))–\(format(high)))"
    }

    /// The ratio of the best values, with the range of the per-round ratios.
    static func ratio(_ a: [Double], _ b: [Double]) -> String {
        guard let a0 = a.min(), let b0 = b.min(), a.count == b.count, b0 > 0 else { return "–" }
        let perRound = zip(a, b).map { $0 / $1 }
        let best = String(format: "%.2f×", a0 / b0)
        guard perRound.count > 1 else { return best }
        return best + String(format: " (%.2f–%.2f)", perRound.min()!, perRound.max()!)
    }

    /// 10000000 as "10,000,000".
    static func grouped(_ n: UInt64) -> String {
        var digits = String(n), out = ""
        while digits.count > 3 { out = "," + digits.suffix(3) + out; digits.removeLast(3) }
        return digits + out
    }

    static func format(_ ns: Double) -> String {
        String(format: ns < 10 ? "%.2f" : ns < 100 ? "%.1f" : "%.0f", ns)
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
