/// The console's files, as compd serves them.
enum ConsoleAssets {
    /// One file: its text, type and entity tag.
    struct Asset: Sendable {
        let text: String
        let contentType: String
        /// A strong ETag from the text (FNV-1a, 64 bits): changes with every change of the file.
        let eTag: String
        /// Whether it is an HTML page (gets the content security policy).
        let isPage: Bool

        init(text: String, contentType: String, isPage: Bool = false) {
            self.text = text
            self.contentType = contentType
            self.isPage = isPage
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            eTag = "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
        }
    }

    /// The one page every console path serves; the script renders what the path asks for.
    static let page = Asset(text: ConsolePage.html, contentType: "text/html; charset=utf-8", isPage: true)
    /// The script: the parts in order (core first: the others use its helpers).
    static let script = Asset(
        text: [ConsoleScript.core, ConsoleScript.list, ConsoleScript.detail, ConsoleScript.timeline,
               ConsoleScript.saga, ConsoleScript.overview, ConsoleScript.start].joined(separator: "\n"),
        contentType: "text/javascript; charset=utf-8")
    /// The style sheet.
    static let style = Asset(text: ConsoleStyle.css, contentType: "text/css; charset=utf-8")
}
