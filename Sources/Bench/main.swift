import ChimeraTestSupport
import Foundation

// chimera-bench: numbers, not tests.
//   swift run -c release chimera-bench [scheduler|arm|x86|decode|cores|io|all]
let what = CommandLine.arguments.dropFirst().first ?? "all"
do {
    switch what {
    case "scheduler":
        try SchedulerBenchmark.run()
        print("")
        try RealCoreSchedulerBenchmark.run()
    case "arm":
        CoreBenchmark.printHeader()
        try CoreBenchmark.run([.aarch64])
    case "x86":
        CoreBenchmark.printHeader()
        try CoreBenchmark.run([.x86_64])
    case "decode":
        DecodeBenchmark.run()
    case "cores":
        CoreBenchmark.printHeader()
        try CoreBenchmark.run([.aarch64, .x86_64])
    case "io":
        try IOBenchmark.run(Array(CommandLine.arguments.dropFirst(2)))
    case "all":
        CoreBenchmark.printHeader()
        try CoreBenchmark.run([.aarch64, .x86_64])
        print("")
        try SchedulerBenchmark.run()
        print("")
        try RealCoreSchedulerBenchmark.run()
    default:
        print("usage: chimera-bench [scheduler|arm|x86|decode|cores|io|all]")
        print("       chimera-bench io [KIND…]   ns per device access, Chimera vs QEMU (issue 19); KIND: "
              + IOAccess.allCases.map(\.rawValue).joined(separator: ", ") + ", or a prefix (x86, arm)")
        exit(2)
    }
} catch {
    print("chimera-bench: \(error)")
    exit(1)
}
