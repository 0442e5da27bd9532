import CompModel
import Foundation
import Synchronization

/// Forwards a `RecordSpool` to the broker on a thread of its own: at once when told records were
/// appended (`nudge`), again after each failure with `ReconnectBackoff` (jittered, so a fleet does not
/// come back all at once), and every `idleCheck` in any case (another process may append to the same
/// spool).
public final class SpoolForwarder: Sendable {
    private struct State {
        var running = false
        var started = false
        var nudged = false
        var last: RecordSpool.ForwardReport?
    }

    private let spool: RecordSpool
    private let reporter: Reporter
    private let backoff: ReconnectBackoff
    private let idleCheck: Duration
    private let state = Mutex(State())
    private let wake = NSCondition()
    private let finished = DispatchSemaphore(value: 0)

    /// Creates a forwarder (not started).
    ///
    /// - Parameters:
    ///   - spool: the spool to forward.
    ///   - reporter: sends the records.
    ///   - backoff: the delay after a failed forward.
    ///   - idleCheck: how often to look at an empty spool.
    public init(spool: RecordSpool, reporter: Reporter, backoff: ReconnectBackoff = ReconnectBackoff(),
                idleCheck: Duration = .seconds(1)) {
        self.spool = spool
        self.reporter = reporter
        self.backoff = backoff
        self.idleCheck = idleCheck
    }

    /// Starts the thread (once).
    public func start() {
        let first = state.withLock { state in
            guard !state.started else { return false }
            state.started = true
            state.running = true
            return true
        }
        guard first else { return }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "comp-spool-forward"
        thread.start()
    }

    /// Records were appended: forward now rather than at the next check.
    public func nudge() {
        state.withLock { $0.nudged = true }
        wake.withLock { wake.signal() }
    }

    /// What the last forward did (nil before the first).
    public var lastReport: RecordSpool.ForwardReport? { state.withLock { $0.last } }

    /// Stops the thread after the forward in progress; returns when it has stopped.
    public func stop() {
        let wasStarted = state.withLock { state in
            state.running = false
            return state.started
        }
        wake.withLock { wake.signal() }
        if wasStarted { finished.wait() }
    }

    private func run() {
        var random = SplitMix64.seededFromSystem()
        var failures = 0
        while state.withLock({ $0.running }) {
            state.withLock { $0.nudged = false }
            let report = spool.forward(through: reporter)
            state.withLock { $0.last = report }
            let pause: Duration
            if report.stoppedBy != nil, report.remaining > 0 {
                failures += 1
                pause = backoff.delay(afterFailures: failures, random: &random)
            } else {
                failures = 0
                pause = idleCheck
            }
            let seconds = Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18
            let until = Date().addingTimeInterval(seconds)
            wake.withLock {
                while state.withLock({ $0.running && !$0.nudged }), Date() < until {
                    _ = wake.wait(until: until)
                }
            }
        }
    }
}
