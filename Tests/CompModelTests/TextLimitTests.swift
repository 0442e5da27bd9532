import Testing

@testable import CompModel

struct TextLimitTests {
    @Test("a text within the limit is unchanged, to the byte")
    func withinLimit() {
        #expect(TextLimit.truncate("", maxBytes: 10) == "")
        #expect(TextLimit.truncate("abcdefghij", maxBytes: 10) == "abcdefghij")
        #expect(TextLimit.truncate("é", maxBytes: 2) == "é")
    }

    @Test("a longer text is cut at the last whole character that leaves room for the ellipsis")
    func cut() {
        #expect(TextLimit.truncate("abcdefghijk", maxBytes: 10) == "abcdefg…")
        // "é" is 2 bytes: 7 bytes of room hold three of them (6), not four (8).
        let cut = TextLimit.truncate(String(repeating: "é", count: 10), maxBytes: 10)
        #expect(cut == "ééé…")
        #expect(cut.utf8.count == 9)
        // A 4-byte scalar is never split.
        let emoji = TextLimit.truncate(String(repeating: "😀", count: 5), maxBytes: 12)
        #expect(emoji == "😀😀…")
        #expect(emoji.utf8.count == 11)
    }

    @Test("every cut of a long multi-byte text is valid UTF-8 within the limit and ends with the ellipsis")
    func everyLimit() {
        let text = String(repeating: "aé€😀", count: 50)
        for limit in 3..<text.utf8.count {
            let cut = TextLimit.truncate(text, maxBytes: limit)
            #expect(cut.utf8.count <= limit)
            #expect(cut.utf8.count > limit - 4 - 3)  // at most one scalar (≤ 4 bytes) left unused
            #expect(cut.hasSuffix("…"))
            #expect(text.hasPrefix(String(cut.dropLast())))
        }
    }

    @Test("the cut of UTF-8 bytes is the UTF-8 of the text's cut, at every limit, within and past the length")
    func bytesAgreeWithText() {
        for text in ["", "abc", String(repeating: "aé€😀", count: 20), String(repeating: "😀", count: 9) + "x"] {
            for limit in 0...(text.utf8.count + 2) {
                #expect(TextLimit.truncate(utf8: Array(text.utf8), maxBytes: limit)
                    == Array(TextLimit.truncate(text, maxBytes: limit).utf8), "\(text) at \(limit)")
            }
        }
    }
}
