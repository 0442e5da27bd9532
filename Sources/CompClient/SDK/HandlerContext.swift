/// What a handler gets: the event it handles, and which run this is.
public struct HandlerContext: Sendable {
    /// The handler's key.
    public var key: HandlerKey
    /// The event.
    public var eventId: String
    /// The event's payload (handed back unchanged with every retry).
    public var payload: [UInt8]
    /// The correlation id (for example an order id), or nil.
    public var correlationId: String?
    /// 0 for the first run of the event; 1, 2, … for retries the broker sent.
    public var attempt: Int
    /// The broker's execution for a retry, or nil for the first run.
    public var executionId: Int64?

    /// Creates a context.
    ///
    /// - Parameters:
    ///   - key: The handler.
    ///   - eventId: The event.
    ///   - payload: The event's payload.
    ///   - correlationId: The correlation id, or nil.
    ///   - attempt: 0 for a first run, else the retry's attempt.
    ///   - executionId: The execution of a retry, or nil.
    public init(key: HandlerKey, eventId: String, payload: [UInt8] = [], correlationId: String? = nil,
                attempt: Int = 0, executionId: Int64? = nil) {
        self.key = key
        self.eventId = eventId
        self.payload = payload
        self.correlationId = correlationId
        self.attempt = attempt
        self.executionId = executionId
    }
}

/// A handler: runs for one event; returning is success, throwing is failure (classified by the handler's
/// `RetryPolicy`).
public typealias CompensableHandler = @Sendable (HandlerContext) async throws -> Void
