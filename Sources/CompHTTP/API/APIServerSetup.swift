import Foundation
import OpenAPIRuntime

/// How the generated server reads and writes requests: its configuration (dates as `MillisecondDateTranscoder`
/// reads and writes them, JSON with sorted keys) and middlewares (problem details for every error). Without
/// Hummingbird, so the fuzz target of the request parsing (Fuzz/HTTPTarget.swift) compiles it as compd does.
enum APIServerSetup {
    /// The generated server's configuration.
    static var configuration: Configuration {
        Configuration(dateTranscoder: MillisecondDateTranscoder(), jsonEncodingOptions: [.sortedKeys])
    }

    /// The middlewares in front of every generated route.
    static var middlewares: [any ServerMiddleware] {
        [ProblemMiddleware(parameters: ParameterCheck(document: OpenAPIDocument.json))]
    }
}

/// Times as the API writes them (RFC 3339 UTC with milliseconds, `2026-11-30T06:40:00.123Z`) and reads
/// them (with or without fractional seconds).
struct MillisecondDateTranscoder: DateTranscoder {
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let whole = Date.ISO8601FormatStyle()

    /// Writes `date` to the millisecond (`Self.milliseconds`), the fraction from integers, not the formatter.
    func encode(_ date: Date) throws -> String { Self.text(milliseconds: Self.milliseconds(date)) }

    /// `date` in milliseconds since the epoch, rounded down; rounded to the microsecond first, as a `Date` holds a
    /// `Double` a hair off the millisecond it was made from or read as (`…00.123` held as `…00.12299999`, which the
    /// formatter wrote and this rounded as .122: found by the http fuzz target).
    static func milliseconds(_ date: Date) -> Int64 {
        let microseconds = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard let value = Int64(exactly: microseconds) else { return microseconds < 0 ? Int64.min / 1000 : Int64.max / 1000 }
        return value >= 0 ? value / 1000 : (value - 999) / 1000
    }

    /// RFC 3339 UTC with three fraction digits for `milliseconds` since the epoch: the whole seconds by the formatter
    /// (an integral `Double` is exact), the fraction from the integer.
    static func text(milliseconds: Int64) -> String {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let fraction = String(milliseconds - seconds * 1000)
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Self.whole)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "Z"
    }

    func decode(_ text: String) throws -> Date {
        // Foundation's parser rolls out-of-range fields over (minute 99 became the next hour plus 39 minutes):
        // the fields are checked against RFC 3339's ranges first.
        guard RFC3339.fieldsAreInRange(text) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: [], debugDescription: "`\(text)` is not an RFC 3339 date-time (e.g. 2026-11-30T06:40:00.123Z)"))
        }
        let date: Date
        if let fractional = try? Date(text, strategy: Self.fractional) {
            date = fractional
        } else {
            date = try Date(text, strategy: Self.whole)
        }
        // RFC 3339 years have four digits: a time whose UTC year is not in 0000...9999 (`9999-12-31T23:59:59-00:30`
        // is in the year 10000) could not be written back, so it is refused like any other bad date (found by
        // the http fuzz target).
        guard RFC3339.fieldsAreInRange(date.formatted(Self.fractional)) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: [], debugDescription: "`\(text)` is outside the years 0000...9999 in UTC"))
        }
        return date
    }
}

/// RFC 3339 `date-time` (section 5.6): `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, every field in range.
enum RFC3339 {
    /// Whether `text` is a `date-time` whose month, day (for its month and year), hour, minute, second (60 for
    /// a leap second) and offset are in range.
    static func fieldsAreInRange(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for index in range {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }
        func byte(_ index: Int, _ allowed: String) -> Bool { index < bytes.count && allowed.utf8.contains(bytes[index]) }
        guard let year = number(0..<4), byte(4, "-"), let month = number(5..<7), byte(7, "-"), let day = number(8..<10),
              byte(10, "Tt"), let hour = number(11..<13), byte(13, ":"), let minute = number(14..<16), byte(16, ":"),
              let second = number(17..<19) else { return false }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60,
              second <= 60 else { return false }
        var index = 19
        if byte(index, ".") {
            index += 1
            let digits = index
            while number(index..<(index + 1)) != nil { index += 1 }
            guard index > digits else { return false }
        }
        if byte(index, "Zz") { return index + 1 == bytes.count }
        guard byte(index, "+-"), let offsetHour = number((index + 1)..<(index + 3)), byte(index + 3, ":"),
              let offsetMinute = number((index + 4)..<(index + 6)) else { return false }
        return offsetHour < 24 && offsetMinute < 60 && index + 6 == bytes.count
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
