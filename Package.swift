// swift-tools-version:6.1
import PackageDescription

/// Module names carry the `Chimera` prefix so they never collide with a
/// user's own `Core`; `path:` keeps the folder layout of DESIGN.md.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Chimera",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "chimera", targets: ["chimera"]),
        .library(name: "ChimeraCore", targets: ["ChimeraCore"]),
        .library(name: "ChimeraScheduler", targets: ["ChimeraScheduler"]),
        .library(name: "ChimeraKit", targets: ["ChimeraKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .target(
            name: "ChimeraCore",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            path: "Sources/Core",
            swiftSettings: strict + optimizedInDebug),
        .target(name: "ChimeraScheduler", dependencies: ["ChimeraCore"],
                path: "Sources/Scheduler", swiftSettings: strict + optimizedInDebug),
        // The cores, and the memory fabric, scheduler and devices they call on
        // every MMIO access, are optimised even in debug builds: tests run
        // millions of guest instructions, and unoptimised code is ~10x slower.
        // Host FPU operations with explicit rounding, flushing and exception
        // flags (FPCR/FPSR, MXCSR); strict FP so nothing is folded or moved
        // across the mode switches.
        .target(name: "CHostFP", path: "Sources/CHostFP",
                cSettings: [.unsafeFlags(["-ffp-model=strict", "-fno-math-errno", "-O2"])]),
        // What every core shares: soft-TLB, block cache, code-write
        // invalidation, the guest-trap convention and the backend seam.
        .target(name: "ChimeraCPUKit", dependencies: ["ChimeraCore"],
                path: "Sources/CPUKit", swiftSettings: strict + optimizedInDebug),
        .target(name: "ChimeraARM", dependencies: ["ChimeraCore", "ChimeraCPUKit", "CHostFP"],
                path: "Sources/Targets/ARM", swiftSettings: strict + optimizedInDebug),
        .target(name: "ChimeraX86", dependencies: ["ChimeraCore", "ChimeraCPUKit", "CHostFP"],
                path: "Sources/Targets/X86", swiftSettings: strict + optimizedInDebug),
        .target(name: "ChimeraDevices", dependencies: ["ChimeraCore"],
                path: "Sources/Devices", swiftSettings: strict + optimizedInDebug),
        // libelf from Debian's libelf-dev.
        .systemLibrary(name: "CLibELF", path: "Sources/CLibELF", pkgConfig: "libelf",
                       providers: [.apt(["libelf-dev"])]),
        // libfdt from Debian's libfdt-dev (no pkg-config file; the module map links -lfdt).
        .systemLibrary(name: "CLibFDT", path: "Sources/CLibFDT", providers: [.apt(["libfdt-dev"])]),
        // zlib from Debian's zlib1g-dev, for gzip-compressed kernel Images.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "ChimeraLoader", dependencies: ["ChimeraCore", "CLibELF", "CLibFDT", "CZlib"],
                path: "Sources/Loader", swiftSettings: strict),
        .target(name: "ChimeraBoards", dependencies: ["ChimeraCore", .product(name: "Yams", package: "Yams")],
                path: "Sources/Boards", swiftSettings: strict),
        .target(name: "ChimeraMonitor", dependencies: ["ChimeraCore", "ChimeraScheduler"],
                path: "Sources/Monitor", swiftSettings: strict),
        // The GDB Remote Serial Protocol as values: framing, commands, target descriptions (no I/O).
        .target(name: "ChimeraGDB", dependencies: ["ChimeraCore", "ChimeraScheduler", "ChimeraMonitor"],
                path: "Sources/GDB", swiftSettings: strict),
        // The façade for users' own tests: standard registry and TestMachine.
        .target(name: "ChimeraKit",
                dependencies: ["ChimeraCore", "ChimeraScheduler", "ChimeraDevices", "ChimeraARM", "ChimeraX86", "ChimeraGDB",
                               "ChimeraMonitor",
                               "ChimeraLoader", "ChimeraBoards"],
                path: "Sources/Kit", swiftSettings: strict),
        .executableTarget(
            name: "chimera",
            dependencies: [
                "ChimeraCore", "ChimeraScheduler", "ChimeraARM", "ChimeraX86",
                "ChimeraDevices", "ChimeraLoader", "ChimeraBoards", "ChimeraMonitor", "ChimeraKit", "ChimeraGDB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/chimera", swiftSettings: strict),

        // Reference oracle for lockstep tests and the benchmark (Debian libunicorn-dev).
        .systemLibrary(name: "CUnicorn", path: "Sources/CUnicorn", pkgConfig: "unicorn",
                       providers: [.apt(["libunicorn-dev"])]),
        .target(name: "ChimeraUnicorn", dependencies: ["CUnicorn"],
                path: "Sources/Unicorn", exclude: ["README.md"], swiftSettings: strict),
        // Shared by the test targets: builds guest kernels with the toolchain's clang.
        .target(name: "ChimeraTestSupport", dependencies: ["ChimeraCore"],
                path: "Tests/Support", swiftSettings: strict),

        .testTarget(name: "ChimeraCoreTests", dependencies: ["ChimeraCore"],
                    path: "Tests/CoreTests"),
        .testTarget(name: "ChimeraCPUKitTests", dependencies: ["ChimeraCPUKit", "ChimeraCore"],
                    path: "Tests/CPUKitTests"),
        .testTarget(name: "EndToEndTests",
                    dependencies: ["ChimeraCore", "ChimeraScheduler", "ChimeraDevices", "ChimeraARM", "ChimeraX86",
                                   "ChimeraLoader", "ChimeraBoards", "ChimeraKit", "ChimeraMonitor", "ChimeraTestSupport"],
                    path: "Tests/EndToEndTests"),
        .testTarget(name: "KitTests", dependencies: ["ChimeraKit", "ChimeraCore", "ChimeraScheduler", "ChimeraLoader",
                                                 "ChimeraTestSupport"],
                    path: "Tests/KitTests"),
        .testTarget(name: "ChimeraUnicornTests", dependencies: ["ChimeraUnicorn", "ChimeraTestSupport"],
                    path: "Tests/UnicornTests"),
        .testTarget(name: "KernelTests", dependencies: ["ChimeraTestSupport"],
                    path: "Tests/KernelTests"),
        .testTarget(name: "ChimeraSchedulerTests",
                    dependencies: ["ChimeraCore", "ChimeraScheduler", "ChimeraDevices", "ChimeraTestSupport"],
                    path: "Tests/SchedulerTests"),
        .executableTarget(
            name: "chimera-bench",
            dependencies: ["ChimeraCore", "ChimeraScheduler", "ChimeraARM", "ChimeraX86", "ChimeraDevices",
                           "ChimeraKit", "ChimeraUnicorn", "ChimeraTestSupport"],
            path: "Sources/Bench", swiftSettings: strict),
        .testTarget(name: "ChimeraARMTests",
                    dependencies: ["ChimeraCore", "ChimeraScheduler", "ChimeraDevices", "ChimeraARM",
                                   "ChimeraUnicorn", "ChimeraTestSupport"],
                    path: "Tests/ARMTests"),
        .testTarget(name: "ChimeraX86Tests",
                    dependencies: ["ChimeraCore", "ChimeraScheduler", "ChimeraDevices", "ChimeraX86",
                                   "ChimeraUnicorn", "ChimeraTestSupport"],
                    path: "Tests/X86Tests"),
        .testTarget(name: "ChimeraDevicesTests",
                    dependencies: ["ChimeraCore", "ChimeraScheduler", "ChimeraDevices", "ChimeraTestSupport"],
                    path: "Tests/DevicesTests"),
        .testTarget(name: "ChimeraLoaderTests",
                    dependencies: ["ChimeraLoader", "ChimeraCore", "ChimeraDevices", "ChimeraTestSupport"],
                    path: "Tests/LoaderTests"),
        .testTarget(name: "ChimeraBoardsTests",
                    dependencies: ["ChimeraBoards", "ChimeraCore", "ChimeraDevices", "ChimeraLoader", "ChimeraTestSupport"],
                    path: "Tests/BoardsTests"),
        .testTarget(name: "ChimeraGDBTests", dependencies: ["ChimeraGDB", "ChimeraCore", "ChimeraScheduler", "ChimeraMonitor",
                                                         "ChimeraKit", "ChimeraTestSupport"],
                    path: "Tests/GDBTests"),
        .testTarget(name: "ChimeraMonitorTests",
                    dependencies: ["ChimeraMonitor", "ChimeraCore", "ChimeraScheduler", "ChimeraDevices", "ChimeraKit",
                                   "ChimeraTestSupport"],
                    path: "Tests/MonitorTests"),

        // Fuzzing (Documentation/Limits.md): the harnesses, one libFuzzer
        // executable per input format (`swift build --sanitize=fuzzer`), and a
        // test that replays the seed corpus and every saved crash.
        .target(name: "ChimeraFuzz",
                dependencies: ["ChimeraBoards", "ChimeraCore", "ChimeraDevices", "ChimeraGDB", "ChimeraKit", "ChimeraLoader",
                               "ChimeraMonitor", "ChimeraTestSupport"],
                path: "Sources/Fuzz/Harnesses", swiftSettings: strict),
        .executableTarget(name: "chimera-fuzz-expression", dependencies: ["ChimeraFuzz"], path: "Sources/Fuzz/expression"),
        .executableTarget(name: "chimera-fuzz-board", dependencies: ["ChimeraFuzz"], path: "Sources/Fuzz/board"),
        .executableTarget(name: "chimera-fuzz-elf", dependencies: ["ChimeraFuzz"], path: "Sources/Fuzz/elf"),
        .executableTarget(name: "chimera-fuzz-qmp", dependencies: ["ChimeraFuzz"], path: "Sources/Fuzz/qmp"),
        .executableTarget(name: "chimera-fuzz-gdb", dependencies: ["ChimeraFuzz"], path: "Sources/Fuzz/gdb"),
        .executableTarget(name: "chimera-fuzz-keyval", dependencies: ["ChimeraFuzz"], path: "Sources/Fuzz/keyval"),
        .testTarget(name: "ChimeraFuzzTests", dependencies: ["ChimeraFuzz"], path: "Tests/FuzzTests"),
    ],
    swiftLanguageModes: [.v6]
)
