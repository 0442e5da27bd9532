/// A point in time: milliseconds since the Unix epoch, UTC.
///
/// The model never reads a clock; every operation that needs "now" takes a `Timestamp`.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    /// Creates a timestamp from milliseconds since the Unix epoch.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The epoch itself.
    public static let zero = Timestamp(milliseconds: 0)
    /// The latest representable time, used as "never".
    public static let distantFuture = Timestamp(milliseconds: .max)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// This time moved forward by `span`, saturating at `distantFuture` instead of overflowing.
    public func adding(_ span: TimeSpan) -> Timestamp {
        let (sum, overflow) = milliseconds.addingReportingOverflow(span.milliseconds)
        if overflow { return span.milliseconds > 0 ? .distantFuture : .zero }
        return Timestamp(milliseconds: sum)
    }

    /// The span from `earlier` to this time (negative if `earlier` is later), saturating.
    public func since(_ earlier: Timestamp) -> TimeSpan {
        let (diff, overflow) = milliseconds.subtractingReportingOverflow(earlier.milliseconds)
        if overflow { return TimeSpan(milliseconds: earlier.milliseconds > milliseconds ? .min : .max) }
        return TimeSpan(milliseconds: diff)
    }

    public var description: String { "\(milliseconds)ms" }
}

/// A length of time in milliseconds.
public struct TimeSpan: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The length in milliseconds.
    public var milliseconds: Int64

    /// Creates a span of `milliseconds`.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// A span of whole seconds, saturating.
    public static func seconds(_ seconds: Int64) -> TimeSpan {
        let (value, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return TimeSpan(milliseconds: overflow ? (seconds < 0 ? .min : .max) : value)
    }

    /// A span of milliseconds.
    public static func milliseconds(_ value: Int64) -> TimeSpan { TimeSpan(milliseconds: value) }

    /// The empty span.
    public static let zero = TimeSpan(milliseconds: 0)

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public var description: String { "\(milliseconds)ms" }
}
