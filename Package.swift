// swift-tools-version:6.1
import PackageDescription

/// Module names carry the `Chimera` prefix so they never collide with a
/// user's own `Core`; `path:` keeps the folder layout of DESIGN.md.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Chimera",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "chimera", targets: ["chimera"]),
        .library(name: "ChimeraCore", targets: ["ChimeraCore"]),
        .library(name: "ChimeraScheduler", targets: ["ChimeraScheduler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .target(
            name: "ChimeraCore",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            path: "Sources/Core",
            swiftSettings: strict),
        .target(name: "ChimeraScheduler", dependencies: ["ChimeraCore"],
                path: "Sources/Scheduler", swiftSettings: strict),
        .target(name: "ChimeraARM", dependencies: ["ChimeraCore", "ChimeraScheduler"],
                path: "Sources/Targets/ARM", swiftSettings: strict),
        .target(name: "ChimeraX86", dependencies: ["ChimeraCore", "ChimeraScheduler"],
                path: "Sources/Targets/X86", swiftSettings: strict),
        .target(name: "ChimeraDevices", dependencies: ["ChimeraCore", "ChimeraScheduler"],
                path: "Sources/Devices", swiftSettings: strict),
        .target(name: "ChimeraLoader", dependencies: ["ChimeraCore"],
                path: "Sources/Loader", swiftSettings: strict),
        .target(name: "ChimeraBoards", dependencies: ["ChimeraCore"],
                path: "Sources/Boards", swiftSettings: strict),
        .target(name: "ChimeraMonitor", dependencies: ["ChimeraCore", "ChimeraScheduler"],
                path: "Sources/Monitor", swiftSettings: strict),
        .executableTarget(
            name: "chimera",
            dependencies: [
                "ChimeraCore", "ChimeraScheduler", "ChimeraARM", "ChimeraX86",
                "ChimeraDevices", "ChimeraLoader", "ChimeraBoards", "ChimeraMonitor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/chimera", swiftSettings: strict),

        // Reference oracle for lockstep tests and the benchmark (Debian libunicorn-dev).
        .systemLibrary(name: "CUnicorn", path: "Sources/CUnicorn", pkgConfig: "unicorn",
                       providers: [.apt(["libunicorn-dev"])]),
        .target(name: "ChimeraUnicorn", dependencies: ["CUnicorn"],
                path: "Sources/Unicorn", swiftSettings: strict),
        // Shared by the test targets: builds guest kernels with the toolchain's clang.
        .target(name: "ChimeraTestSupport", dependencies: ["ChimeraCore"],
                path: "Tests/Support", swiftSettings: strict),

        .testTarget(name: "ChimeraCoreTests", dependencies: ["ChimeraCore"],
                    path: "Tests/CoreTests"),
        .testTarget(name: "ChimeraUnicornTests", dependencies: ["ChimeraUnicorn", "ChimeraTestSupport"],
                    path: "Tests/UnicornTests"),
        .testTarget(name: "KernelTests", dependencies: ["ChimeraTestSupport"],
                    path: "Tests/KernelTests"),
        .testTarget(name: "ChimeraSchedulerTests", dependencies: ["ChimeraCore", "ChimeraScheduler"],
                    path: "Tests/SchedulerTests"),
        .testTarget(name: "ChimeraARMTests", dependencies: ["ChimeraCore", "ChimeraARM"],
                    path: "Tests/ARMTests"),
        .testTarget(name: "ChimeraX86Tests", dependencies: ["ChimeraCore", "ChimeraX86"],
                    path: "Tests/X86Tests"),
        .testTarget(name: "ChimeraDevicesTests", dependencies: ["ChimeraCore", "ChimeraScheduler", "ChimeraDevices"],
                    path: "Tests/DevicesTests"),
        .testTarget(name: "ChimeraLoaderTests", dependencies: ["ChimeraLoader"],
                    path: "Tests/LoaderTests"),
        .testTarget(name: "ChimeraBoardsTests", dependencies: ["ChimeraBoards"],
                    path: "Tests/BoardsTests"),
        .testTarget(name: "ChimeraMonitorTests", dependencies: ["ChimeraMonitor"],
                    path: "Tests/MonitorTests"),
    ],
    swiftLanguageModes: [.v6]
)
