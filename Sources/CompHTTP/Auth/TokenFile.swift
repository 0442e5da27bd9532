import Foundation

/// What is wrong with an HTTP tokens file: the file, the line (0 when the whole file is at fault) and
/// the reason. compd refuses to start on one (exit 64) and keeps its old tokens when a reload meets one.
public struct TokenFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let line: Int
    public let reason: String

    public var description: String { line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)" }
}

/// An HTTP tokens file, parsed: one token a line, `name role token`, separated by spaces or tabs.
///
/// - `name`: letters, digits, `.`, `_`, `-`, `@`; at most 64 characters; recorded as the author of the
///   caller's actions (`http:<name>`), so unique in the file.
/// - `role`: `viewer` (reads) or `operator` (reads and acts).
/// - `token`: at least 32 and at most 512 visible ASCII characters (no spaces), unique in the file;
///   `openssl rand -hex 32` makes one.
///
/// A line whose first character that is not a space is `#` is a comment, and so is whatever follows
/// the token after a space and a `#`. Blank lines are skipped. Only the tokens' SHA-256 digests are
/// kept.
public struct TokenFile: Sendable {
    /// The shortest token accepted.
    public static let minimumTokenLength = 32
    /// The longest token accepted.
    public static let maximumTokenLength = 512
    /// The longest name accepted.
    public static let maximumNameLength = 64

    /// The file's tokens, hashed, in file order.
    public let table: TokenTable

    /// Parses `text`, the contents of the file at `path` (used in the errors).
    ///
    /// - Throws: `TokenFileError` naming the first wrong line.
    public init(text: String, path: String) throws(TokenFileError) {
        var entries: [TokenTable.Entry] = []
        var nameLines: [String: Int] = [:]
        var tokenLines: [TokenDigest: Int] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            func fail(_ reason: String) -> TokenFileError { TokenFileError(path: path, line: number, reason: reason) }
            var fields = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if let comment = fields.firstIndex(where: { $0.hasPrefix("#") }), comment == 0 || comment >= 3 {
                fields.removeSubrange(comment...)
            }
            if fields.isEmpty { continue }
            guard fields.count == 3 else {
                throw fail("expected `name role token` (three fields), found \(fields.count)")
            }
            let name = String(fields[0])
            guard name.count <= Self.maximumNameLength,
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) })
            else {
                throw fail("name `\(name)` must be 1 to \(Self.maximumNameLength) letters, digits, `.`, `_`, `-` or `@`")
            }
            guard let role = Caller.Role(rawValue: String(fields[1])) else {
                throw fail("unknown role `\(fields[1])` for `\(name)`: must be viewer or operator")
            }
            let token = fields[2]
            guard token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw fail("the token of `\(name)` holds a character that is not visible ASCII")
            }
            guard token.utf8.count >= Self.minimumTokenLength else {
                throw fail("the token of `\(name)` is \(token.utf8.count) characters long; at least \(Self.minimumTokenLength) are needed (openssl rand -hex 32 makes one)")
            }
            guard token.utf8.count <= Self.maximumTokenLength else {
                throw fail("the token of `\(name)` is \(token.utf8.count) characters long; at most \(Self.maximumTokenLength) are accepted")
            }
            if let first = nameLines[name] {
                throw fail("name `\(name)` is already used on line \(first)")
            }
            let digest = TokenDigest(of: token)
            if let first = tokenLines[digest] {
                throw fail("the token of `\(name)` is the same as the token on line \(first)")
            }
            nameLines[name] = number
            tokenLines[digest] = number
            entries.append(TokenTable.Entry(digest: digest, caller: Caller(name: name, role: role)))
        }
        table = TokenTable(entries: entries)
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: `TokenFileError` when the file cannot be read as UTF-8 text or a line is wrong.
    public init(path: String) throws(TokenFileError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw TokenFileError(path: path, line: 0, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenFileError(path: path, line: 0, reason: "not UTF-8 text")
        }
        try self.init(text: text, path: path)
    }

    /// The warning to log when the file at `path` may be read by its group or by others (nil when not,
    /// or when it cannot be examined).
    public static func permissionWarning(path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let mode = status.st_mode & 0o777
        guard mode & 0o044 != 0 else { return nil }
        return "HTTP tokens file \(path) is readable by its group or others (mode \(String(mode, radix: 8))); chmod 600 it"
    }
}
