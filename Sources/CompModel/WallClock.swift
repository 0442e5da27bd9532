#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one reading of the wall clock (`CLOCK_REALTIME`), for every part that needs the time of day.
///
/// The model's operations never call it: callers read it once and pass the time in (`now:` parameters),
/// so decisions stay testable with any clock. Use `NonDecreasingTime` on top when a step of the system
/// clock backwards must not move the broker's `now` back.
public enum WallClock {
    /// Now, in milliseconds since the Unix epoch.
    public static func now() -> Timestamp { Timestamp(milliseconds: nowMicroseconds() / 1000) }

    /// Now, in microseconds since the Unix epoch (for latency measurements across processes).
    public static func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}

/// A `now` that never decreases: each reading of a clock is raised to the latest one seen.
///
/// A value (no clock inside): the owner feeds it readings, so a backwards step of the system clock (NTP,
/// an operator) holds time still instead of making deadlines move back.
public struct NonDecreasingTime: Sendable {
    /// The latest time returned.
    public private(set) var latest: Timestamp

    /// Starts at `start` (for example the first wall clock reading).
    public init(start: Timestamp = .zero) { latest = start }

    /// `reading`, or the latest time returned when `reading` is earlier.
    public mutating func advance(to reading: Timestamp) -> Timestamp {
        if reading > latest { latest = reading }
        return latest
    }
}
