import Foundation

// chimera-bench: numbers, not tests. Run with `swift run -c release chimera-bench [scheduler|arm|x86|all]`.
let what = CommandLine.arguments.dropFirst().first ?? "all"
do {
    switch what {
    case "scheduler":
        try SchedulerBenchmark.run()
    case "all":
        try SchedulerBenchmark.run()
    default:
        print("usage: chimera-bench [scheduler|all]")
        exit(2)
    }
} catch {
    print("chimera-bench: \(error)")
    exit(1)
}
