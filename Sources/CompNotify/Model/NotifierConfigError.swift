/// Why a notifier's text (`--notify` or a config file's `notify = ...`) was refused; each names the part to fix.
public enum NotifierConfigError: Error, Equatable, CustomStringConvertible {
    /// The text is empty.
    case empty
    /// The first word is not `KIND=URL`.
    case missingTarget(word: String)
    /// The kind before `=` is not one of `NotifierKind`.
    case unknownKind(String)
    /// The URL is not an `http://` or `https://` URL with a host (the URL itself is not repeated: it may
    /// hold a secret).
    case badURL(kind: NotifierKind)
    /// A word after the target is not `events=`, `services=`, `name=` or `digest=`.
    case unknownOption(String)
    /// An option appears twice.
    case duplicateOption(String)
    /// A name in `events=` is not an event (empty when an item is empty).
    case unknownEvent(String)
    /// An item of `services=` is empty.
    case emptyService
    /// `digest=` is not `N/WINDOW` with N from 1 and a window from 1 s to 1 h.
    case badDigest(String)
    /// `name=` is not 1 to 64 of `A-Z a-z 0-9 . _ -`.
    case badName(String)
    /// `retry=` is not `MIN/MAX` with 100ms <= MIN <= MAX <= 1h.
    case badRetry(String)

    /// The options after `KIND=URL`, for messages.
    static let knownOptions = NotifierConfig.options.map { $0 + "=" }.joined(separator: ", ")

    public var description: String {
        switch self {
        case .empty:
            "empty notifier: write KIND=URL [events=...] [services=...] [name=...] [digest=N/WINDOW], "
                + "for example webhook=http://127.0.0.1:9000/hook"
        case .missingTarget(let word):
            "`\(Self.clip(word))` is not KIND=URL: the notifier starts with its kind and URL, "
                + "for example webhook=http://127.0.0.1:9000/hook"
        case .unknownKind(let kind):
            "unknown notifier kind `\(Self.clip(kind))` (known: "
                + NotifierKind.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        case .badURL(let kind):
            "the URL of the \(kind.rawValue) notifier must be an http:// or https:// URL with a host"
        case .unknownOption(let word):
            "unknown option `\(Self.clip(word))` (known: \(Self.knownOptions))"
        case .duplicateOption(let option):
            "option \(option)= is given twice"
        case .unknownEvent(let event):
            (event.isEmpty ? "empty event name in events=" : "unknown event `\(Self.clip(event))` in events=")
                + " (known: " + NotificationKind.allCases.map(\.rawValue).joined(separator: ", ") + ", or all)"
        case .emptyService:
            "empty service name in services= (write services=orders,billing)"
        case .badDigest(let text):
            "digest=\(Self.clip(text)) is not N/WINDOW with N at least 1 and a window from 1s to 1h "
                + "(for example digest=10/60s)"
        case .badName(let name):
            "name=\(Self.clip(name)) is not 1 to 64 of the characters A-Z a-z 0-9 . _ -"
        case .badRetry(let text):
            "retry=\(Self.clip(text)) is not MIN/MAX with 100ms <= MIN <= MAX <= 1h (for example retry=1s/5m)"
        }
    }

    /// A word cut to 64 characters, so a message stays one readable line.
    private static func clip(_ word: String) -> String {
        word.count > 64 ? String(word.prefix(64)) + "…" : word
    }
}
