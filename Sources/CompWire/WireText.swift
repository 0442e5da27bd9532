/// The protocol's rule for cutting a text that would pass its byte limit (PROTOCOL.md section 3, "Cutting
/// texts"): keep the longest prefix of whole Unicode scalars that leaves room for `…` (U+2026, 3 bytes of
/// UTF-8), then append `…`. A text within the limit is kept as it is.
public enum WireText {
    /// The mark that ends a cut text: U+2026 HORIZONTAL ELLIPSIS.
    public static let ellipsis = "\u{2026}"

    /// `text` cut by the protocol's rule so that its UTF-8 fits in `limit` bytes.
    ///
    /// - Parameters:
    ///   - text: Any string.
    ///   - limit: The byte limit, e.g. `WireLimits.maxMessageBytes`; at least 3 (room for `…`).
    /// - Returns: `text` when its UTF-8 is at most `limit` bytes; otherwise its longest prefix of whole
    ///   Unicode scalars of at most `limit - 3` bytes, followed by `…`.
    public static func truncated(_ text: String, toUTF8Bytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        let room = max(0, limit - ellipsis.utf8.count)
        var kept = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            let size = UTF8.width(scalar)
            guard used + size <= room else { break }
            kept.append(scalar)
            used += size
        }
        return String(kept) + ellipsis
    }
}
