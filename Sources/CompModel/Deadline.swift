/// A moment on the monotonic clock, for timeouts inside one process: a wall-clock step (NTP, an operator)
/// never makes it come early or late.
public struct Deadline: Sendable {
    private let instant: ContinuousClock.Instant

    /// The deadline `milliseconds` from now.
    public init(inMilliseconds milliseconds: Int64) {
        instant = ContinuousClock.now.advanced(by: .milliseconds(milliseconds))
    }

    /// Milliseconds until the deadline; zero or less once it has passed.
    public var remainingMilliseconds: Int64 {
        let left = ContinuousClock.now.duration(to: instant).components
        return left.seconds * 1000 + left.attoseconds / 1_000_000_000_000_000
    }

    /// Whether the deadline has passed.
    public var hasPassed: Bool { ContinuousClock.now >= instant }
}
