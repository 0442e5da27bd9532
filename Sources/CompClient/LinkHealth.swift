import CompModel

/// What a client knows of its link to the broker, from its heartbeats.
public enum LinkState: Sendable, Equatable, CustomStringConvertible {
    /// No beat has been answered or missed enough yet (just started).
    case unknown
    /// The last beat was answered.
    case alive
    /// Some beats in a row went unanswered, fewer than the limit.
    case suspect
    /// The limit of beats in a row went unanswered: the link is taken as broken (half-open, or the
    /// broker is gone) until a beat is answered again.
    case dead

    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .alive: "alive"
        case .suspect: "suspect"
        case .dead: "dead"
        }
    }
}

/// The decision of a link monitor as a value: fed the outcome of each heartbeat, it says the link's
/// state and when to beat next. No threads, no clock: times are passed in.
///
/// Rules:
/// - an answered beat makes the link `alive` and clears the count of misses;
/// - a missed beat (no reply within the beat's timeout, one interval) makes it `suspect`, and the
///   `missedLimit`-th miss in a row makes it `dead`;
/// - beats go out every `interval` while the link is not dead; while dead, after a jittered
///   `ReconnectBackoff` delay that grows with the misses since it died, so that a fleet whose broker
///   restarted does not come back in the same instant.
///
/// The bound: a link that stops answering at time t is `dead` by t + `deadBound` (the beat in flight
/// at t may still count as answered; then `missedLimit` beats of one interval each miss).
public struct LinkHealth: Sendable, Equatable {
    /// The time between beats, and the most one beat waits for its reply.
    public private(set) var interval: Duration
    /// The misses in a row that make the link dead (at least 1).
    public let missedLimit: Int
    /// The delays between beats while dead.
    public let backoff: ReconnectBackoff
    /// The link's state now.
    public private(set) var state: LinkState = .unknown
    /// Beats missed in a row.
    public private(set) var missedInRow = 0
    /// When the last beat was answered (milliseconds since the epoch), nil before the first.
    public private(set) var lastAnsweredAt: Int64?

    /// Creates the decision for a new link (state `unknown`).
    ///
    /// - Parameters:
    ///   - interval: the time between beats and each beat's timeout (at least 1 ms).
    ///   - missedLimit: the misses in a row that make the link dead (at least 1).
    ///   - backoff: the delays between beats while the link is dead.
    public init(interval: Duration, missedLimit: Int = 3, backoff: ReconnectBackoff = ReconnectBackoff()) {
        self.interval = max(interval, .milliseconds(1))
        self.missedLimit = max(1, missedLimit)
        self.backoff = backoff
    }

    /// The longest from the link's last answer to its being declared dead: `(missedLimit + 1) × interval`.
    public var deadBound: Duration { interval * (missedLimit + 1) }

    /// A beat was answered at `now`.
    ///
    /// - Returns: the new state when it changed (to `alive`), else nil.
    public mutating func answered(at now: Int64) -> LinkState? {
        lastAnsweredAt = now
        missedInRow = 0
        return change(to: .alive)
    }

    /// A beat got no reply within its timeout.
    ///
    /// - Returns: the new state when it changed (`suspect` or `dead`), else nil.
    public mutating func missed() -> LinkState? {
        missedInRow += 1
        return change(to: missedInRow >= missedLimit ? .dead : .suspect)
    }

    /// Takes another interval (the broker advertised one in its `HelloReply`); state and misses stay.
    public mutating func adopt(interval: Duration) {
        self.interval = max(interval, .milliseconds(1))
    }

    /// The wait before the next beat: one interval, or while dead a jittered backoff that grows with
    /// the misses since the link died.
    public func delayBeforeNextBeat(random: inout some RandomNumberGenerator) -> Duration {
        guard state == .dead else { return interval }
        let failures = missedInRow - missedLimit + 1
        return max(backoff.delay(afterFailures: failures, random: &random), .milliseconds(1))
    }

    private mutating func change(to next: LinkState) -> LinkState? {
        guard next != state else { return nil }
        state = next
        return next
    }
}
