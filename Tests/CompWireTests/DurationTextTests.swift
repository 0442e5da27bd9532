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
        for bad in ["", "s", "3", "-3s", "3 s", "1.5s", "3sec", "soon", "٣s", "99999999999999999999s"] {
            #expect(DurationText.milliseconds(bad) == nil, "\(bad)")
        }
        #expect(DurationText.milliseconds("18446744073709551615ms") == UInt64.max)
        #expect(DurationText.milliseconds("18446744073709551615s") == nil)  // overflows
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
