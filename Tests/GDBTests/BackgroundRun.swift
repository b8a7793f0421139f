import ChimeraKit
import ChimeraScheduler
import Foundation

/// A `TestMachine.run` on a thread of its own, so the test can play gdb
/// (or a hostile client) while the machine waits for it.
final class BackgroundRun: @unchecked Sendable {
    private var result: RunResult?
    private let done = DispatchSemaphore(value: 0)

    init(_ machine: TestMachine, within budget: UInt64) {
        nonisolated(unsafe) let machine = machine
        Thread { [self] in
            result = try? machine.run(until: .exit, within: budget)
            done.signal()
        }.start()
    }

    /// The run's result once it has ended, or nil after `seconds`.
    func wait(seconds: Int = 120) -> RunResult? {
        done.wait(timeout: .now() + .seconds(seconds)) == .success ? result : nil
    }
}
