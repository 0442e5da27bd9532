import CompModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CompThreads
import Dispatch
import Synchronization

/// Forwards a `RecordSpool` to the broker on a thread of its own: at once when told records were
/// appended (`nudge`), again after each failure with `ReconnectBackoff` (jittered, so a fleet does not
/// come back all at once), and every `idleCheck` in any case (another process may append to the same
/// spool).
///
/// With a `LinkMonitor`, a dead link stops the forwarding attempts: the forwarder reopens its
/// connection's socket once (`BrokerConnection.reconnect()`) and waits until the monitor reports the
/// link alive again, then forwards at once.
public final class SpoolForwarder: Sendable {
    private struct State {
        var running = false
        var started = false
        var nudged = false
        var last: RecordSpool.ForwardReport?
        var linkWaits = 0
        var observer: Int?
    }

    private let spool: RecordSpool
    private let reporter: Reporter
    private let backoff: ReconnectBackoff
    private let idleCheck: Duration
    private let link: LinkMonitor?
    private let connection: BrokerConnection?
    private let state = Mutex(State())
    private let wake = ThreadCondition()
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
        link = nil
        connection = nil
    }

    /// Creates a forwarder (not started) that follows a link monitor: while the monitor says the
    /// link is dead, nothing is sent; the connection gets a fresh socket once per outage.
    ///
    /// - Parameters:
    ///   - spool: the spool to forward.
    ///   - connection: the connection the records go out on (not the monitor's).
    ///   - link: the monitor of the link to the same broker (started by its owner).
    ///   - attempts: sends of one batch before a forward gives up (see `Reporter`).
    ///   - backoff: the delay after a failed forward.
    ///   - idleCheck: how often to look at an empty spool, and at a dead link.
    public init(spool: RecordSpool, connection: BrokerConnection, link: LinkMonitor, attempts: Int = 5,
                backoff: ReconnectBackoff = ReconnectBackoff(), idleCheck: Duration = .seconds(1)) {
        self.spool = spool
        reporter = Reporter(connection: connection, attempts: attempts)
        self.backoff = backoff
        self.idleCheck = idleCheck
        self.link = link
        self.connection = connection
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
        if let link {
            let id = link.observe { [weak self] state in if state == .alive { self?.nudge() } }
            state.withLock { $0.observer = id }
        }
        OwnThread.start(name: "comp-spool-forward") { [self] in
            run()
            finished.signal()
        }
    }

    /// Records were appended: forward now rather than at the next check.
    public func nudge() {
        state.withLock { $0.nudged = true }
        wake.withLock { wake.signal() }
    }

    /// What the last forward did (nil before the first).
    public var lastReport: RecordSpool.ForwardReport? { state.withLock { $0.last } }

    /// How many times the forwarder held back because its link monitor said the link was dead.
    public var linkWaits: Int { state.withLock { $0.linkWaits } }

    /// Stops the thread after the forward in progress; returns when it has stopped.
    public func stop() {
        let wasStarted = state.withLock { state in
            state.running = false
            return state.started
        }
        wake.withLock { wake.signal() }
        if wasStarted { finished.wait() }
        if let link, let id = state.withLock({ $0.observer }) { link.removeObserver(id) }
    }

    private func run() {
        var random = SplitMix64.seededFromSystem()
        var failures = 0
        var reopened = false
        while state.withLock({ $0.running }) {
            state.withLock { $0.nudged = false }
            if let link, link.linkState == .dead {
                // A dead link: no attempt; leave the (maybe half-open) socket behind, once per outage.
                if !reopened, let connection {
                    try? connection.reconnect()
                    reopened = true
                }
                state.withLock { $0.linkWaits += 1 }
                pause(idleCheck)
                continue
            }
            reopened = false
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
            self.pause(pause)
        }
    }

    /// Waits `duration`, or until nudged or stopped.
    private func pause(_ duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        let until = Date().addingTimeInterval(seconds)
        wake.withLock {
            while state.withLock({ $0.running && !$0.nudged }), Date() < until {
                _ = wake.wait(until: until)
            }
        }
    }
}
