import CompWire
import Testing

struct DurationTextTests {
    @Test("durations parse in every unit and reject everything else")
    func parse() {
        #expect(DurationText.milliseconds("250ms") == 250)
        #expect(DurationText.milliseconds("3s") == 3000)
        #expect(DurationText.milliseconds("5m") == 300_000)
        #expect(DurationText.milliseconds("2h") == 7_200_000)
        #expect(DurationText.milliseconds("1d") == 86_400_000)
        #expect(DurationText.milliseconds("0") == 0)
        for bad in ["", "s", "3", "-3s", "3 s", "3sec", "soon", "٣s", "99999999999999999999s"] {
            #expect(DurationText.milliseconds(bad) == nil, "\(bad)")
        }
        #expect(DurationText.milliseconds("18446744073709551615ms") == UInt64.max)
        #expect(DurationText.milliseconds("18446744073709551615s") == nil)  // overflows
    }

    @Test("Go and Temporal forms: decimals, several parts, us and ns rounded up to whole milliseconds")
    func goForms() {
        let accepted: [(String, UInt64)] = [
            ("1h30m", 5_400_000), ("1.5s", 1500), ("500us", 1), ("500µs", 1), ("250ms", 250), ("2m", 120_000),
            ("1.5h", 5_400_000), ("2h45m30.5s", 9_930_500), ("0.1s", 100), (".5s", 500), ("1ns", 1),
            ("1000000ns", 1), ("1000001ns", 2), ("0s", 0), ("0ms", 0), ("1.0001ms", 2), ("1d2h", 93_600_000),
        ]
        for (text, ms) in accepted {
            #expect(DurationText.milliseconds(text) == ms, "\(text)")
        }
        for refused in ["1.5", "1..5s", ".s", "1h 30m", "1h-30m", "+5s", "-1.5s", "1hm", "1.5.5s", "5S", "1e3ms", "h1"] {
            #expect(DurationText.milliseconds(refused) == nil, "\(refused)")
        }
    }

    @Test("formatting picks the largest exact unit and parses back")
    func format() {
        let cases: [(UInt64, String)] = [(0, "0"), (250, "250ms"), (3000, "3s"), (90_000, "90s"), (300_000, "5m"),
            (7_200_000, "2h"), (86_400_000, "1d"), (1500, "1500ms")]
        for (ms, text) in cases {
            #expect(DurationText.format(milliseconds: ms) == text)
            #expect(DurationText.milliseconds(text) == ms)
        }
    }
}
