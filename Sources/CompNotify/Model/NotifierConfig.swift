import CompModel

/// One notifier: where to send, in which shape, which events of which services, and its storm control.
public struct NotifierConfig: Sendable, Equatable {
    /// The notifier's name: its cursor's key, its metrics label and the prefix of its idempotency keys.
    public var name: String
    /// The body's shape.
    public var kind: NotifierKind
    /// The `http://` or `https://` URL posted to. It can hold a secret: never log or print it whole.
    public var url: String
    /// The events sent; the others are skipped.
    public var events: Set<NotificationKind>
    /// The services whose events are sent; empty means every service.
    public var services: Set<String>
    /// N: how many events of one window key go singly before the rest are held for the window's digest.
    public var digestThreshold: Int
    /// The length of a storm-control window.
    public var digestWindow: TimeSpan
    /// The first retry delay of a message the receiver did not take; it doubles on each failure.
    public var retryMin: TimeSpan
    /// The longest retry delay.
    public var retryMax: TimeSpan

    /// N when `digest=` is not given.
    public static let defaultDigestThreshold = 10
    /// The window when `digest=` is not given.
    public static let defaultDigestWindow = TimeSpan.seconds(60)
    /// The shortest window `digest=` accepts.
    public static let minDigestWindow = TimeSpan.seconds(1)
    /// The longest window `digest=` accepts.
    public static let maxDigestWindow = TimeSpan.seconds(3600)
    /// The largest N `digest=` accepts.
    public static let maxDigestThreshold = 1_000_000
    /// The first retry delay when `retry=` is not given.
    public static let defaultRetryMin = TimeSpan.seconds(1)
    /// The longest retry delay when `retry=` is not given.
    public static let defaultRetryMax = TimeSpan.seconds(300)
    /// The shortest delay `retry=` accepts.
    public static let minRetryDelay = TimeSpan.milliseconds(100)
    /// The longest delay `retry=` accepts.
    public static let maxRetryDelay = TimeSpan.seconds(3600)

    /// Creates a notifier; the name defaults to `KIND-<first 8 hex digits of SHA-256(URL)>`.
    ///
    /// - Parameters:
    ///   - name: the name, or nil for the default one.
    ///   - kind: the body's shape.
    ///   - url: the URL posted to (not checked here; `parse` checks it).
    ///   - events: the events sent.
    ///   - services: the services whose events are sent; empty for all.
    ///   - digestThreshold: N.
    ///   - digestWindow: the window length.
    ///   - retryMin: the first retry delay.
    ///   - retryMax: the longest retry delay.
    public init(
        name: String? = nil, kind: NotifierKind, url: String,
        events: Set<NotificationKind> = NotificationKind.defaultFilter, services: Set<String> = [],
        digestThreshold: Int = NotifierConfig.defaultDigestThreshold,
        digestWindow: TimeSpan = NotifierConfig.defaultDigestWindow,
        retryMin: TimeSpan = NotifierConfig.defaultRetryMin, retryMax: TimeSpan = NotifierConfig.defaultRetryMax
    ) {
        self.name = name ?? Self.defaultName(kind: kind, url: url)
        self.kind = kind
        self.url = url
        self.events = events
        self.services = services
        self.digestThreshold = digestThreshold
        self.digestWindow = digestWindow
        self.retryMin = retryMin
        self.retryMax = retryMax
    }

    /// `KIND-<first 8 hex digits of SHA-256(URL)>`: stable for a URL, and it does not reveal the URL.
    ///
    /// - Parameters:
    ///   - kind: the notifier's kind.
    ///   - url: its URL.
    /// - Returns: for example `webhook-3f2a9c1e`.
    public static func defaultName(kind: NotifierKind, url: String) -> String {
        "\(kind.rawValue)-\(URLDigest.shortHex(of: url))"
    }

    /// Whether an event of `kind` for `service` passes the filters.
    ///
    /// - Parameters:
    ///   - kind: the event.
    ///   - service: the service it concerns.
    /// - Returns: true when it is sent (singly or in a digest).
    public func accepts(_ kind: NotificationKind, service: String) -> Bool {
        events.contains(kind) && (services.isEmpty || services.contains(service))
    }
}
