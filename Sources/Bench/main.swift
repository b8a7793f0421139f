import Foundation

// chimera-bench: numbers, not tests.
//   swift run -c release chimera-bench [scheduler|arm|x86|decode|cores|all]
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
    case "all":
        CoreBenchmark.printHeader()
        try CoreBenchmark.run([.aarch64, .x86_64])
        print("")
        try SchedulerBenchmark.run()
        print("")
        try RealCoreSchedulerBenchmark.run()
    default:
        print("usage: chimera-bench [scheduler|arm|x86|decode|cores|all]")
        exit(2)
    }
} catch {
    print("chimera-bench: \(error)")
    exit(1)
}
