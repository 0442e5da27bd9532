/// The rule for cutting a text to a byte limit: "a text longer than the limit is cut at the last whole
/// UTF-8 character (Unicode scalar) that leaves room for `…` (3 bytes) and ends with `…`".
public enum TextLimit {
    /// The ellipsis that marks a cut text (U+2026, 3 bytes in UTF-8).
    public static let ellipsis = "\u{2026}"

    /// `text` unchanged when its UTF-8 form has at most `maxBytes` bytes; otherwise its longest prefix of
    /// whole Unicode scalars that fits in `maxBytes − 3` bytes, followed by `…`.
    ///
    /// - Parameters:
    ///   - text: the text.
    ///   - maxBytes: the limit in UTF-8 bytes; at least 3 (smaller limits give just `…` when cut).
    /// - Returns: a text of at most `max(maxBytes, 3)` UTF-8 bytes.
    public static func truncate(_ text: String, maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        let room = maxBytes - ellipsis.utf8.count
        var used = 0
        var end = text.unicodeScalars.startIndex
        for index in text.unicodeScalars.indices {
            let length = text.unicodeScalars[index].utf8.count
            guard used + length <= room else { break }
            used += length
            end = text.unicodeScalars.index(after: index)
        }
        return String(text.unicodeScalars[..<end]) + ellipsis
    }

    /// `truncate` on the UTF-8 bytes of a text: the same bytes `truncate` gives for that text, without making it.
    ///
    /// - Parameters:
    ///   - bytes: valid UTF-8.
    ///   - maxBytes: the limit; at least 3 (smaller limits give just `…` when cut).
    public static func truncate(utf8 bytes: [UInt8], maxBytes: Int) -> [UInt8] {
        guard bytes.count > maxBytes else { return bytes }
        // The room left for the ellipsis, moved back to the start of a scalar: a continuation byte (10xxxxxx)
        // never starts one, so everything before a byte that is not one is whole scalars.
        var end = max(0, maxBytes - ellipsis.utf8.count)
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return Array(bytes[..<end]) + ellipsis.utf8
    }
}
