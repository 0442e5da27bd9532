import Synchronization

/// What a readiness probe needs, published by the parts of the broker that know it and read without a
/// lock or a journal query: whether the last commit failed (the core sets it when its storage health
/// changes), whether the sockets are bound, and whether a graceful shutdown has begun.
public final class BrokerHealth: Sendable {
    /// Whether the broker can take work now, and if not, why.
    public enum Readiness: Sendable, Equatable {
        case ready
        /// Not ready; the reason is a short sentence for the probe's body.
        case notReady(String)
    }

    /// The reason given once a graceful shutdown has begun.
    public static let shuttingDownReason = "shutting down"

    private let journalDegraded = Atomic<Bool>(false)
    private let socketsBound = Atomic<Bool>(false)
    private let shuttingDown = Atomic<Bool>(false)

    /// A health with nothing bound yet, the journal healthy and no shutdown begun.
    public init() {}

    /// The core's storage health changed: `degraded` while commits fail, false after one succeeds.
    func setJournalDegraded(_ degraded: Bool) { journalDegraded.store(degraded, ordering: .relaxed) }

    /// The request (and event) sockets are bound.
    func markSocketsBound() { socketsBound.store(true, ordering: .relaxed) }

    /// A graceful shutdown has begun; the broker is not ready from now on.
    func markShuttingDown() { shuttingDown.store(true, ordering: .relaxed) }

    /// The readiness now: ready only when the journal commits, the sockets are bound and no shutdown
    /// has begun.
    public var readiness: Readiness {
        if shuttingDown.load(ordering: .relaxed) { return .notReady(Self.shuttingDownReason) }
        if !socketsBound.load(ordering: .relaxed) { return .notReady("sockets not bound") }
        if journalDegraded.load(ordering: .relaxed) { return .notReady("journal degraded: the last commit failed") }
        return .ready
    }
}

/// What the HTTP side reads from a broker: readiness, the gauges set at scrape time, and the gateway
/// its API sends operator requests through.
public struct BrokerProbes: Sendable {
    /// Readiness.
    public let health: BrokerHealth
    /// Operator requests (list, show, stats, timeline, actions), answered as the nanomsg ingress answers them.
    public let gateway: BrokerGateway
    /// The broker's events as they happen, for the HTTP feed (bounded per listener; never slows the core).
    public let events: EventTap
    /// The journal's last committed seq, to wait on (notifiers follow the journal).
    public let commits: CommitSignal
    /// The broker's live key table, for the HTTP side's bearer keys (a revoked key is refused at once).
    public let keys: BrokerKeys
    /// Sets the gauges read from the broker's state (executions by status and park reason from the
    /// journal's status counts, queued records, leases in flight, journal and WAL size); call before
    /// exporting the metrics.
    public let refreshGauges: @Sendable () async -> Void
}
