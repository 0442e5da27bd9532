import CompModel

/// What storm control counts by: one kind of event of one handler with one error code, in one window.
struct WindowKey: Hashable, Sendable {
    var kind: NotificationKind
    var service: String
    var function: String
    var errorCode: String
    /// The window's start in milliseconds: `floor(at / window) * window`.
    var start: Int64

    /// Hashes the kind by its case, not by its raw value (`RawRepresentable`'s default hashes the name's
    /// text): a storm hashes one key per event.
    func hash(into hasher: inout Hasher) {
        hasher.combine(kind.ordinal)
        hasher.combine(service)
        hasher.combine(function)
        hasher.combine(errorCode)
        hasher.combine(start)
    }
}

/// A storm-control window that is still open: its events so far.
struct OpenWindow: Sendable {
    /// The window's end (exclusive).
    var end: Timestamp
    /// The seq of its first event (sent singly): a restart must re-read from here to count the same way.
    var firstSeq: Int64
    /// The seq of its latest event.
    var lastSeq: Int64
    /// Its events so far.
    var total = 0
    /// Its events held back for the digest (those after the first N).
    var held = 0
}

/// A window that has closed: remembered so a late row of it goes singly, and, when it had a digest, so
/// the durable cursor never stops inside its rows (a restart would count them differently).
struct ClosedWindow: Sendable {
    var end: Timestamp
    var firstSeq: Int64
    var lastSeq: Int64
    var hadDigest: Bool
}

extension WindowKey {
    /// The key of the window that an event at `at` falls in.
    init(kind: NotificationKind, service: String, function: String, errorCode: String, at: Timestamp, window: TimeSpan) {
        let length = max(window.milliseconds, 1)
        let (quotient, remainder) = at.milliseconds.quotientAndRemainder(dividingBy: length)
        self.init(
            kind: kind, service: service, function: function, errorCode: errorCode,
            start: (remainder < 0 ? quotient - 1 : quotient) * length)
    }

    /// The digest's idempotency key: `<notifier>:digest:<kind>:<service>/<function>:<code>:<windowStartMs>`,
    /// service, function and code percent-encoded outside `A-Z a-z 0-9 . _ ~ -` (so the key is one safe
    /// header value, and `/` and `:` separate the parts unambiguously).
    func digestKey(notifier: String) -> String {
        "\(notifier):digest:\(kind.rawValue):\(Self.encode(service))/\(Self.encode(function)):"
            + "\(Self.encode(errorCode)):\(start)"
    }
    private static func encode(_ part: String) -> String { ConsoleLinks.encode(part) }
}
