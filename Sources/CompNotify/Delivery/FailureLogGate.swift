import CompModel

/// Decides which of a notifier's delivery failures are logged: the first failure of a streak at once,
/// then at most one line a minute with the number of failures since the last line; and one line when
/// the notifier recovers. A value: the caller passes the time in.
struct FailureLogGate: Sendable, Equatable {
    /// The least time between two failure lines of one notifier.
    static let interval = TimeSpan.seconds(60)

    /// What to log for a failure.
    enum Decision: Equatable {
        /// The first failure of a streak.
        case first
        /// A later failure, with the number of failures since the last line (this one included).
        case summary(failures: Int)
        /// Nothing now (counted for the next line).
        case quiet
    }

    /// When the current streak of failures began; nil while deliveries succeed.
    private(set) var failingSince: Timestamp?
    /// Failures in the current streak.
    private(set) var streak = 0
    private var lastLine: Timestamp?
    private var unlogged = 0

    /// A delivery failed at `now`.
    mutating func failed(now: Timestamp) -> Decision {
        streak += 1
        guard let last = lastLine, failingSince != nil else {
            failingSince = now
            lastLine = now
            unlogged = 0
            return .first
        }
        unlogged += 1
        guard now.since(last) >= Self.interval else { return .quiet }
        lastLine = now
        defer { unlogged = 0 }
        return .summary(failures: unlogged)
    }

    /// A delivery succeeded (or the message was settled otherwise) at `now`: the failures of the streak
    /// that ends, and when it began; nil when there was no streak.
    mutating func recovered(now: Timestamp) -> (failures: Int, since: Timestamp)? {
        guard let since = failingSince else { return nil }
        defer {
            failingSince = nil
            lastLine = nil
            streak = 0
            unlogged = 0
        }
        return (streak, since)
    }
}
