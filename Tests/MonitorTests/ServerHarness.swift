import ChimeraCore
import ChimeraMonitor
import ChimeraScheduler
import Dispatch
import Foundation
import Synchronization

/// Runs `runMonitored` on its own thread against a machine built there,
/// listening on a fresh Unix socket.
final class ServerHarness: Sendable {
    let path: String
    private let outcome = Mutex<Result<MonitoredRun, ChimeraError>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(options: MonitorRunOptions = MonitorRunOptions(shutdownGrace: 2),
         makeMachine: @escaping @Sendable () throws -> Machine,
         configure: (@Sendable (Simulation) -> Void)? = nil) {
        path = "/tmp/chimera-mon-\(UUID().uuidString.prefix(12)).sock"
        let path = self.path
        let thread = Thread { [self] in
            let result: Result<MonitoredRun, ChimeraError>
            do {
                let machine = try makeMachine()
                result = .success(try runMonitored(machine: machine, endpoints: [.unix(path: path)], options: options,
                                                   configure: configure))
            } catch let error as ChimeraError {
                result = .failure(error)
            } catch {
                result = .failure(ChimeraError(.generic, "\(error)"))
            }
            self.outcome.withLock { $0 = result }
            self.finished.signal()
        }
        thread.start()
    }

    /// The run's result once it has ended (nil on timeout).
    func wait(timeout: Double = 30) -> Result<MonitoredRun, ChimeraError>? {
        guard finished.wait(timeout: .now() + .milliseconds(Int(timeout * 1000))) == .success else { return nil }
        finished.signal()
        return outcome.withLock { $0 }
    }

    /// Connects and negotiates.
    func client() throws -> TestClient {
        let c = try TestClient(path: path)
        guard c.negotiate() else { throw ChimeraError(.generic, "negotiation failed") }
        return c
    }
}
