/// Durations as people type them: `250ms`, `3s`, `5m`, `2h`, `1d`, or a plain `0`.
public enum DurationText {
    /// Parses a duration into milliseconds; nil when the text is not a duration or overflows.
    public static func milliseconds(_ text: String) -> UInt64? {
        let units: [(String, UInt64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        if text == "0" { return 0 }
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy(\.isASCII), let value = UInt64(number) else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return nil
    }

    /// Formats milliseconds in the largest unit that divides them exactly.
    public static func format(milliseconds: UInt64) -> String {
        if milliseconds == 0 { return "0" }
        for (suffix, factor) in [("d", UInt64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
