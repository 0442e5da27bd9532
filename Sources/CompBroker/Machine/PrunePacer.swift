/// When to run the next retention step: a pure state machine.
///
/// A step prunes for at most `budgetMilliseconds` (the journal's `prune(now:budget:)`). While steps
/// keep deleting rows there is more to do, and the next step runs on the next loop pass (between
/// group commits, so ingest interleaves); once a step deletes nothing, the next runs after `idleInterval`.
struct PrunePacer: Sendable {
    /// The time budget of one step.
    static let budgetMilliseconds: Int64 = 20
    /// The pause after a step that found nothing (or failed).
    static let idleInterval: Int64 = 10_000

    /// Monotonic ms of the next step.
    private(set) var nextAt: Int64

    /// A pacer whose first step runs at `start`.
    init(start: Int64) { nextAt = start }

    /// Whether a step is due at `monotonic`.
    func isDue(at monotonic: Int64) -> Bool { monotonic >= nextAt }

    /// A step at `monotonic` deleted `pruned` executions.
    mutating func pruned(_ pruned: Int, at monotonic: Int64) {
        nextAt = pruned > 0 ? monotonic : monotonic &+ Self.idleInterval
    }

    /// A step at `monotonic` failed.
    mutating func failed(at monotonic: Int64) {
        nextAt = monotonic &+ Self.idleInterval
    }
}
