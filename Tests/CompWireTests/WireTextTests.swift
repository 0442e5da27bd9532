import CompWire
import Testing

/// The rule for cutting a text to its byte limit (PROTOCOL.md section 3, "Cutting texts").
struct WireTextTests {
    static let limit = WireLimits.maxMessageBytes

    @Test("a text of at most the limit is kept unchanged, also when it ends in a multi-byte character")
    func withinLimit() {
        for text in ["", "a", String(repeating: "a", count: Self.limit), String(repeating: "a", count: Self.limit - 4) + "😀"] {
            #expect(WireText.truncated(text, toUTF8Bytes: Self.limit) == text)
        }
    }

    @Test("one byte over: the last whole scalars that leave room for … are kept, then …")
    func oneOver() {
        let text = String(repeating: "a", count: Self.limit + 1)
        let cut = WireText.truncated(text, toUTF8Bytes: Self.limit)
        #expect(cut == String(repeating: "a", count: Self.limit - 3) + "…")
        #expect(cut.utf8.count == Self.limit)
    }

    @Test("a multi-byte character that would straddle the room is dropped whole; the result may be shorter than the limit",
          arguments: [("é", 2), ("€", 3), ("😀", 4)])
    func multiByte(character: String, width: Int) {
        let text = String(repeating: character, count: Self.limit)  // far over the limit
        let cut = WireText.truncated(text, toUTF8Bytes: Self.limit)
        let kept = (Self.limit - 3) / width
        #expect(cut == String(repeating: character, count: kept) + "…")
        #expect(cut.utf8.count == kept * width + 3)
        #expect(cut.utf8.count <= Self.limit)
    }

    @Test("combining marks are scalars of their own: a cut may separate them from their base")
    func scalarsNotGraphemes() {
        // "e" + U+0301 COMBINING ACUTE ACCENT (2 bytes): 3 bytes per visible character.
        let text = String(repeating: "e\u{301}", count: 10)
        let cut = WireText.truncated(text, toUTF8Bytes: 10)  // room for 7 bytes: e ́ e ́ e
        #expect(Array(cut.unicodeScalars) == Array("e\u{301}e\u{301}e…".unicodeScalars))
    }

    @Test("the spec's example and its vector: a failure summary of 4141 bytes keeps 1360 of its euro signs, then …")
    func specExample() {
        #expect(GoldenValues.uncutSummary.utf8.count == 4141)
        let cut = WireText.truncated(GoldenValues.uncutSummary, toUTF8Bytes: Self.limit)
        #expect(cut == GoldenValues.cutSummary)
        #expect(cut == "failure X: " + String(repeating: "€", count: 1360) + "…")
        #expect(cut.utf8.count == 4094)
    }
}
