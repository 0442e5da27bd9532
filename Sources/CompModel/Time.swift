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

extension Timestamp {
    /// `2024-05-01T12:00:00.000Z`: ISO 8601 in UTC with milliseconds (proleptic Gregorian calendar),
    /// the one time format of histories, JSON output and logs.
    public var iso8601: String {
        var fits = true
        let text = String(unsafeUninitializedCapacity: Self.iso8601Count) { buffer in
            guard let count = writeISO8601(into: buffer) else {
                fits = false
                return 0
            }
            return count
        }
        if fits { return text }
        let (days, dayMillis) = Self.floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = Self.civil(days)
        let seconds = dayMillis / 1000
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):"
            + "\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(dayMillis % 1000, 3))Z"
    }

    /// The UTF-8 bytes `iso8601` has for a time in the years 0 to 9999.
    public static let iso8601Count = 24

    /// Writes `iso8601`'s `iso8601Count` bytes into `buffer` (at least that long) and returns that count, when the
    /// year is 0 to 9999 (every time an execution has); otherwise writes nothing and returns nil. Digit by digit:
    /// interpolation cost some 4 % of a group commit's instructions (summaries carry times), and writing into the
    /// caller's buffer spares the summaries a string of their own per time.
    public func writeISO8601(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        let (days, dayMillis) = Self.floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = Self.civil(days)
        guard (0...9999).contains(year), buffer.count >= Self.iso8601Count else { return nil }
        let seconds = dayMillis / 1000
        func put(_ value: Int64, _ width: Int, at offset: Int) {
            var rest = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                buffer[index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                rest /= 10
            }
        }
        put(year, 4, at: 0)
        put(month, 2, at: 5)
        put(day, 2, at: 8)
        put(seconds / 3600, 2, at: 11)
        put(seconds / 60 % 60, 2, at: 14)
        put(seconds % 60, 2, at: 17)
        put(dayMillis % 1000, 3, at: 20)
        buffer[4] = UInt8(ascii: "-")
        buffer[7] = UInt8(ascii: "-")
        buffer[10] = UInt8(ascii: "T")
        buffer[13] = UInt8(ascii: ":")
        buffer[16] = UInt8(ascii: ":")
        buffer[19] = UInt8(ascii: ".")
        buffer[23] = UInt8(ascii: "Z")
        return Self.iso8601Count
    }

    /// The civil date (year, month, day) of `days` since the epoch (Howard Hinnant's algorithm).
    private static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
