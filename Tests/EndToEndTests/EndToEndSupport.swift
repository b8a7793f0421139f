import ChimeraBoards
import ChimeraCore
import ChimeraKit
import ChimeraScheduler
import ChimeraTestSupport
import Foundation
import XCTest

/// Paths, processes, demo kernels and golden files shared by the end-to-end tests.
enum EndToEnd {
    /// The package root: two levels above this file (`Tests/EndToEndTests/`).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var boardsDirectory: String { packageRoot + "/boards" }
    static var goldenDirectory: String { packageRoot + "/Tests/EndToEndTests/Golden" }

    /// The `chimera` executable built next to the test bundle (same scratch path and configuration).
    static func chimeraBinary() throws -> String {
        var directories: [URL] = []
        for path in [CommandLine.arguments.first, Bundle.main.executablePath, Bundle.main.bundlePath].compactMap({ $0 }) {
            var url = URL(fileURLWithPath: path).resolvingSymlinksInPath()
            // The bundle (…/debug/ChimeraPackageTests.xctest) or a binary inside it.
            for _ in 0..<4 {
                url.deleteLastPathComponent()
                directories.append(url)
            }
        }
        for dir in directories {
            let candidate = dir.appendingPathComponent("chimera").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        throw XCTSkip("the chimera executable was not found next to the test bundle (looked in "
                      + directories.map(\.path).joined(separator: ", ") + "); build it with `swift build --build-tests`")
    }

    /// Finds an executable on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// What a finished process produced.
    struct ProcessResult {
        var status: Int32
        var stdout: Data
        var stderr: String
        var timedOut: Bool
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs a program with stdout and stderr captured in files (no pipe deadlocks); kills it
    /// after `timeout` seconds of host time, which only guards against a hung guest.
    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil,
                    timeout: TimeInterval = 300, directory: String? = nil) throws -> ProcessResult {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("chimera-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let outURL = tmp.appendingPathComponent("stdout"), errURL = tmp.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                break
            }
            usleep(10_000)
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        return ProcessResult(status: process.terminationStatus,
                             stdout: (try? Data(contentsOf: outURL)) ?? Data(),
                             stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self),
                             timedOut: timedOut)
    }

    /// Runs `chimera` with arguments from the package root.
    static func chimera(_ arguments: [String], timeout: TimeInterval = 300) throws -> ProcessResult {
        try run(try chimeraBinary(), arguments, timeout: timeout, directory: packageRoot)
    }

    /// The trace hash from chimera's summary line on stderr.
    static func traceHash(inSummary stderr: String) -> String? {
        guard let range = stderr.range(of: "trace hash ") else { return nil }
        return String(stderr[range.upperBound...].prefix { $0.isHexDigit })
    }

    // MARK: - Demo kernels

    /// `kernels/build`-style ELFs of the ping-pong demo, built once per test process by
    /// `make -C kernels` into `.build/e2e-kernels` (the source tree stays clean).
    struct DemoKernels: Sendable {
        var arm: String
        var x86: String
    }

    private static let demoBuild: Result<DemoKernels, KernelBuildFailure> = {
        do {
            guard let make = which("make") else { return .failure(KernelBuildFailure(message: "make is not installed")) }
            let clang = try KernelBuilder.findClang()
            let output = packageRoot + "/.build/e2e-kernels"
            let result = try run(make, ["-s", "-C", packageRoot + "/kernels", "CLANG=\(clang)", "BUILD=\(output)"],
                                 timeout: 600)
            guard result.status == 0 else {
                return .failure(KernelBuildFailure(message: "make -C kernels failed (\(result.status)):\n"
                                                   + result.stdoutText + result.stderr))
            }
            return .success(DemoKernels(arm: output + "/arm-demo.elf", x86: output + "/x86-demo.elf"))
        } catch {
            return .failure(KernelBuildFailure(message: "\(error)"))
        }
    }()

    struct KernelBuildFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func demoKernels() throws -> DemoKernels { try demoBuild.get() }

    // MARK: - Machines through the Swift API

    /// Loads a shipped board with parameters (CLI `-p` syntax values) and builds its machine.
    static func machine(board: String, parameters: [(String, String)] = [],
                        registry: TypeRegistry = ChimeraKit.standardRegistry()) throws -> Machine {
        let loader = BoardLoader(searchPaths: [boardsDirectory])
        return try loader.load(board, parameters: parameters, registry: registry).build(registry: registry)
    }

    /// Switches every UART that would print on stdout to the in-memory log only.
    static func silenceUARTs(_ machine: Machine) throws { try ChimeraKit.silenceUARTs(machine) }

    /// The outcome of one run of the hetero demo through the Swift API.
    struct DemoRun: Equatable, Sendable {
        var outcome: RunOutcome
        var traceHash: String
        var merged: String
        var arm: String
        var x86: String
        var instructions: UInt64
    }

    /// Builds `hetero` with the demo kernels, runs it until the guest exits and reports what it printed.
    static func runDemo(quantum: String? = nil, parameters: [(String, String)] = []) throws -> DemoRun {
        let kernels = try demoKernels()
        let machine = try machine(board: "hetero", parameters: parameters)
        try silenceUARTs(machine)
        if let quantum { try machine.setProperty("quantum", parsing: quantum) }
        try machine.execute(.loadKernel(cpu: "/machine/arm/cpu[0]", file: kernels.arm))
        try machine.execute(.loadKernel(cpu: "/machine/x86/cpu[0]", file: kernels.x86))
        try machine.holdCoresWithoutKernels()
        try machine.realizeMachine()
        let simulation = try Simulation(machine: machine)
        // A generous virtual-time bound: the demo needs a few milliseconds.
        let result = simulation.run(RunLimits(deadline: .milliseconds(500)))
        return DemoRun(outcome: result.outcome, traceHash: result.traceHash, merged: machine.serial.text,
                       arm: machine.serial.text(of: "/machine/arm/uart"), x86: machine.serial.text(of: "/machine/x86/com1"),
                       instructions: result.instructions)
    }

    // MARK: - Golden files

    static var updatingGoldens: Bool { ProcessInfo.processInfo.environment["CHIMERA_UPDATE_GOLDEN"] == "1" }

    /// Compares `actual` with `Golden/<name>`; with `CHIMERA_UPDATE_GOLDEN=1` rewrites the file instead.
    static func assertGolden(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = goldenDirectory + "/" + name
        if updatingGoldens {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            XCTFail("golden file \(path) is missing; run the tests with CHIMERA_UPDATE_GOLDEN=1 to create it",
                    file: file, line: line)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        if actual != expected {
            XCTFail("output differs from \(path) (CHIMERA_UPDATE_GOLDEN=1 regenerates it):\n"
                    + firstDifference(expected, actual), file: file, line: line)
        }
    }

    /// The first differing line of two texts, for readable failures.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let e = expected.components(separatedBy: "\n"), a = actual.components(separatedBy: "\n")
        for i in 0..<max(e.count, a.count) {
            let l = i < e.count ? e[i] : "<end of file>", r = i < a.count ? a[i] : "<end of output>"
            if l != r { return "line \(i + 1):\n  expected: \(l)\n  actual:   \(r)" }
        }
        return "(no line differs; trailing bytes differ)"
    }
}
