/// Durations as Go and Temporal users write them: one or more `<number><unit>` parts, the number
/// whole or decimal, the units `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h` and `d`: `250ms`, `1.5s`,
/// `1h30m`, `500us`, `2m`, `1d`; or a plain `0`.
///
/// The wire counts whole milliseconds: a duration that is not a whole number of milliseconds is
/// rounded up to the next one (`500us` is 1 ms), so a duration above zero never becomes zero.
/// Refused: a sign (`-5s`, `+5s`), a number without a unit other than `0` (`3`), spaces, units in
/// any other spelling (`3sec`, `3S`), a unit without a number, and values above `UInt64.max` ms.
public enum DurationText {
    /// The forms accepted, for messages: what to write instead.
    public static let expectedForms = "a duration like 250ms, 1.5s, 2m, 1h30m or 500us"

    /// Nanoseconds in one of each unit, longest spelling first so `ms` is not read as `m`.
    private static let units: [(String, UInt128)] = [
        ("ns", 1), ("us", 1000), ("µs", 1000), ("ms", 1_000_000), ("s", 1_000_000_000),
        ("m", 60_000_000_000), ("h", 3_600_000_000_000), ("d", 86_400_000_000_000),
    ]

    /// Parses a duration into milliseconds; nil when the text is not a duration or overflows.
    ///
    /// - Parameter text: The duration, such as `1h30m`.
    /// - Returns: Whole milliseconds (rounded up), or nil.
    public static func milliseconds(_ text: String) -> UInt64? {
        if text == "0" { return 0 }
        var rest = Substring(text)
        var nanoseconds: UInt128 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            guard let (part, remainder) = leadingPart(rest) else { return nil }
            let (sum, overflow) = nanoseconds.addingReportingOverflow(part)
            guard !overflow else { return nil }
            nanoseconds = sum
            rest = remainder
        }
        let (whole, fraction) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000)
        let rounded = whole + (fraction > 0 ? 1 : 0)
        guard rounded <= UInt128(UInt64.max) else { return nil }
        return UInt64(rounded)
    }

    /// Reads one `<number><unit>` from the front of `text`; returns its nanoseconds (rounded up)
    /// and the text after it, or nil when the front is not such a part or overflows.
    private static func leadingPart(_ text: Substring) -> (UInt128, Substring)? {
        let digitsEnd = text.firstIndex { !isDigit($0) && $0 != "." } ?? text.endIndex
        let number = text[..<digitsEnd]
        let afterNumber = text[digitsEnd...]
        guard let (unit, factor) = units.first(where: { afterNumber.hasPrefix($0.0) }) else { return nil }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0.allSatisfy(isDigit) }),
            number.contains(where: isDigit)
        else { return nil }
        guard let whole = decimal(parts[0]) else { return nil }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        var total = scaled
        if parts.count == 2 {
            // 20 fraction digits are exact to far below a nanosecond; any non-zero digit after
            // them only rounds the nanoseconds up.
            let digits = parts[1]
            let kept = digits.prefix(20)
            guard let numerator = decimal(kept) else { return nil }
            var denominator: UInt128 = 1
            for _ in 0..<kept.count { denominator *= 10 }
            let (fractionNs, remainder) = (numerator * factor).quotientAndRemainder(dividingBy: denominator)
            let dropped = digits.dropFirst(20).contains { $0 != "0" }
            let (sum, overflowSum) = total.addingReportingOverflow(fractionNs + (remainder > 0 || dropped ? 1 : 0))
            guard !overflowSum else { return nil }
            total = sum
        }
        return (total, afterNumber.dropFirst(unit.count))
    }

    /// The value of ASCII digits (empty is 0), or nil on overflow.
    private static func decimal(_ digits: Substring) -> UInt128? {
        var value: UInt128 = 0
        for character in digits {
            guard let digit = character.asciiValue.map({ UInt128($0 - 48) }) else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            let (sum, overflowSum) = times.addingReportingOverflow(digit)
            guard !overflowSum else { return nil }
            value = sum
        }
        return value
    }

    private static func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isNumber
    }

    /// Formats milliseconds in the largest unit that divides them exactly.
    ///
    /// - Parameter milliseconds: The duration.
    /// - Returns: Text that `milliseconds(_:)` parses back to the same value, such as `90m`.
    public static func format(milliseconds: UInt64) -> String {
        if milliseconds == 0 { return "0" }
        for (suffix, factor) in [("d", UInt64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
