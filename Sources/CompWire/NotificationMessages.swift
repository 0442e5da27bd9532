// MARK: - Notifications

/// Asks for the state of every notifier the broker delivers notifications with (`compctl notifications`).
public struct NotificationsRequest: Hashable, Sendable {
    /// Creates the request (it has no fields).
    public init() {}
}

/// The delivery state of one notifier: what it sends, where, how far it has read the journal and how
/// its deliveries went since the broker started.
public struct NotifierStatus: Hashable, Sendable {
    /// The notifier's name (`--notify ... name=NAME`, or `KIND-<hash of the URL>`).
    public var name: String
    /// `webhook`, `slack` or `wecom` (later versions may add kinds).
    public var kind: String
    /// Where it sends: `scheme://host[:port]` only, never the path or query (a URL can hold a secret).
    public var target: String
    /// The notification kinds it sends (`failure_created`, `parked`, ...), in the broker's order.
    public var events: [String]
    /// The services it notifies about; empty = every service.
    public var services: [String]
    /// Its durable cursor: everything derived from journal rows up to this seq is delivered.
    public var cursorSeq: Int64
    /// The journal's highest seq when the broker answered.
    public var headSeq: Int64
    /// Messages derived and not yet delivered (held digests included).
    public var pending: UInt64
    /// Messages delivered (answered 2xx), since the broker started.
    public var sent: UInt64
    /// Delivery attempts that failed and will be retried, since the broker started.
    public var retried: UInt64
    /// Messages given up (refused by the receiver, or their rows pruned), since the broker started.
    public var dropped: UInt64
    /// Tag 1: the latest delivery error, for people; absent when none since the broker started.
    public var lastError: String?
    /// Tag 2: when the latest error happened (ms since the epoch); absent when none.
    public var lastErrorAt: Int64?
    /// Tag 3: how long the oldest undelivered message has waited, in ms; absent when none is pending.
    public var oldestPendingAgeMs: UInt64?

    /// Creates a status.
    public init(name: String, kind: String, target: String, events: [String], services: [String],
                cursorSeq: Int64, headSeq: Int64, pending: UInt64, sent: UInt64, retried: UInt64, dropped: UInt64,
                lastError: String? = nil, lastErrorAt: Int64? = nil, oldestPendingAgeMs: UInt64? = nil) {
        self.name = name
        self.kind = kind
        self.target = target
        self.events = events
        self.services = services
        self.cursorSeq = cursorSeq
        self.headSeq = headSeq
        self.pending = pending
        self.sent = sent
        self.retried = retried
        self.dropped = dropped
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.oldestPendingAgeMs = oldestPendingAgeMs
    }

    /// Journal rows the notifier has not read past yet (`headSeq − cursorSeq`, never negative).
    public var lagRows: Int64 { max(0, headSeq &- cursorSeq) }
}

/// The reply to `NotificationsRequest`: one status per notifier, in the order they were configured
/// (empty when the broker has none).
public struct NotificationsReply: Hashable, Sendable {
    /// The notifiers.
    public var notifiers: [NotifierStatus]
    /// Creates a reply.
    public init(notifiers: [NotifierStatus]) { self.notifiers = notifiers }
}
