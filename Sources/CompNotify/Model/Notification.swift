import CompModel

/// One message a notifier sends: a single event or a window's digest, with the key a receiver dedupes by.
public struct Notification: Sendable, Equatable {
    /// Stable across restarts: `<notifier>:<seq>` for a single event,
    /// `<notifier>:digest:<kind>:<service>/<function>:<code>:<windowStartMs>` for a digest.
    public var idempotencyKey: String
    /// What happened.
    public var kind: NotificationKind
    /// What the message says.
    public var content: Content
    /// The first journal row the message covers (for a digest: the window's first event, sent singly).
    public var firstSeq: Int64
    /// The last journal row the message covers.
    public var lastSeq: Int64

    /// What a message says: one event's facts, or a window's count.
    public enum Content: Sendable, Equatable {
        /// One event.
        case single(SingleFacts)
        /// The events of one window held back by storm control.
        case digest(DigestFacts)
    }

    /// Creates a notification.
    public init(idempotencyKey: String, kind: NotificationKind, content: Content, firstSeq: Int64, lastSeq: Int64) {
        self.idempotencyKey = idempotencyKey
        self.kind = kind
        self.content = content
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
    }
}

/// The facts of one event, taken from its journal row.
public struct SingleFacts: Sendable, Equatable {
    /// The journal row's time.
    public var occurredAt: Timestamp
    /// The service concerned.
    public var service: String
    /// Who acted, for operator actions and pause/resume (`compctl:alice`, `http:ops`); nil otherwise.
    public var actor: String?
    /// The execution after the row; nil for a service's pause or resume.
    public var execution: ExecutionFacts?

    /// Creates the facts of one event.
    public init(occurredAt: Timestamp, service: String, actor: String?, execution: ExecutionFacts?) {
        self.occurredAt = occurredAt
        self.service = service
        self.actor = actor
        self.execution = execution
    }
}

/// What a message says about an execution: its identity and where it stands after the event.
public struct ExecutionFacts: Sendable, Equatable {
    /// The broker's execution id (the console's `/executions/<id>`).
    public var id: ExecutionID
    /// The processor (handler group).
    public var processor: String
    /// The handler function.
    public var function: String
    /// The event the handler failed on.
    public var eventId: String
    /// The correlation id, empty when none.
    public var correlationId: String
    /// The status after the event.
    public var status: ExecutionStatus
    /// Why it is parked, when it is.
    public var parkReason: ParkReason?
    /// Attempts leased so far.
    public var retries: Int
    /// The spec's maximum attempts.
    public var maxRetries: Int
    /// When the next attempt is due, while FAILED.
    public var nextRetryAt: Timestamp?
    /// The latest error's code.
    public var errorCode: String
    /// The latest error's message, cut to `maxMessageCharacters`.
    public var errorMessage: String

    /// The longest error message a notification carries (longer ones are cut and end with `…`).
    public static let maxMessageCharacters = 500

    /// The facts of `execution`, its error message cut to `maxMessageCharacters`.
    public init(_ execution: Execution) {
        id = execution.id
        processor = execution.key.processor
        function = execution.key.function
        eventId = execution.key.eventId
        correlationId = execution.correlationId
        status = execution.status
        parkReason = execution.status == .parked ? execution.parkReason : nil
        retries = execution.retries
        maxRetries = execution.spec.maxRetries
        nextRetryAt = execution.status == .failed ? execution.nextRetryAt : nil
        errorCode = execution.lastError.code
        errorMessage = Self.cut(execution.lastError.message, to: Self.maxMessageCharacters)
    }

    /// `text`, or its first `limit - 1` characters followed by `…` when it has more than `limit`.
    static func cut(_ text: String, to limit: Int) -> String {
        // No more UTF-8 bytes than the limit is no more characters either, and costs no walk of the text (every
        // event of a storm is built with its message).
        guard text.utf8.count > limit else { return text }
        return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }
}

/// What a digest says: how many events of one kind, service, function and error code a window held back.
public struct DigestFacts: Sendable, Equatable {
    /// The events held back and counted here (the window's events after the first N).
    public var count: Int
    /// All events of the window, the ones sent singly included.
    public var total: Int
    /// The window's start (inclusive).
    public var windowStart: Timestamp
    /// The window's end (exclusive).
    public var windowEnd: Timestamp
    /// The service.
    public var service: String
    /// The handler function.
    public var function: String
    /// The error code (empty when the executions had none).
    public var errorCode: String

    /// The events of the window that went singly.
    public var sentSingly: Int { total - count }

    /// Creates a digest's facts.
    public init(
        count: Int, total: Int, windowStart: Timestamp, windowEnd: Timestamp, service: String, function: String,
        errorCode: String
    ) {
        self.count = count
        self.total = total
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.service = service
        self.function = function
        self.errorCode = errorCode
    }
}

extension Notification {
    /// The longest name and message in a compacted notification.
    static let compactNameCharacters = 48
    static let compactMessageCharacters = 160

    /// This notification with every text cut short (names to 48 characters, the message to 160): for the rare
    /// body that would pass `NotificationBody.maxBytes` because its texts are full of characters JSON escapes.
    /// The idempotency key is kept whole.
    func compacted() -> Notification {
        func cut(_ text: String) -> String { ExecutionFacts.cut(text, to: Self.compactNameCharacters) }
        var copy = self
        switch content {
        case .single(var facts):
            facts.service = cut(facts.service)
            facts.actor = facts.actor.map(cut)
            if var execution = facts.execution {
                execution.processor = cut(execution.processor)
                execution.function = cut(execution.function)
                execution.eventId = cut(execution.eventId)
                execution.correlationId = cut(execution.correlationId)
                execution.errorCode = cut(execution.errorCode)
                execution.errorMessage = ExecutionFacts.cut(execution.errorMessage, to: Self.compactMessageCharacters)
                facts.execution = execution
            }
            copy.content = .single(facts)
        case .digest(var facts):
            facts.service = cut(facts.service)
            facts.function = cut(facts.function)
            facts.errorCode = cut(facts.errorCode)
            copy.content = .digest(facts)
        }
        return copy
    }
}
