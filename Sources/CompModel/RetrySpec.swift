/// How an execution is retried: attempts, backoff, lease length, jitter and an optional deadline.
public struct RetrySpec: Hashable, Sendable {
    /// Retry attempts allowed after the first failure; 0 parks at once as exhausted.
    public var maxRetries: Int
    /// The delay before the first retry; each later delay doubles it.
    public var minBackoff: TimeSpan
    /// The cap on any one delay.
    public var maxBackoff: TimeSpan
    /// How long a leased attempt may run before it counts as failed (timed out).
    public var executionTimeout: TimeSpan
    /// Jitter in thousandths: a delay is shortened by up to `delay · jitterPermille / 1000`; 0 disables it.
    public var jitterPermille: Int
    /// No retry is scheduled after this time; the execution parks with reason `deadline` instead.
    public var deadline: Timestamp?

    /// Creates a spec; call `validate()` before trusting values from outside.
    public init(
        maxRetries: Int = RetrySpec.standard.maxRetries,
        minBackoff: TimeSpan = RetrySpec.standard.minBackoff,
        maxBackoff: TimeSpan = RetrySpec.standard.maxBackoff,
        executionTimeout: TimeSpan = RetrySpec.standard.executionTimeout,
        jitterPermille: Int = RetrySpec.standard.jitterPermille,
        deadline: Timestamp? = nil
    ) {
        self.maxRetries = maxRetries
        self.minBackoff = minBackoff
        self.maxBackoff = maxBackoff
        self.executionTimeout = executionTimeout
        self.jitterPermille = jitterPermille
        self.deadline = deadline
    }

    /// The built-in defaults: 10 retries, 180 s first delay, 2 h cap, 120 s lease, 20 % jitter.
    public static let standard = RetrySpec(
        values: 10, .seconds(180), .seconds(7200), .seconds(120), 200, nil)

    private init(
        values maxRetries: Int, _ minBackoff: TimeSpan, _ maxBackoff: TimeSpan,
        _ executionTimeout: TimeSpan, _ jitterPermille: Int, _ deadline: Timestamp?
    ) {
        self.maxRetries = maxRetries
        self.minBackoff = minBackoff
        self.maxBackoff = maxBackoff
        self.executionTimeout = executionTimeout
        self.jitterPermille = jitterPermille
        self.deadline = deadline
    }

    /// The largest value accepted for `maxRetries`.
    public static let maxRetriesLimit = 1_000_000
    /// The largest span accepted for any duration in a spec (one year).
    public static let spanLimit = TimeSpan.seconds(366 * 24 * 3600)

    /// Checks every field against its bounds.
    ///
    /// - Throws: `ModelError.invalidSpec` naming the first field out of range, as `field: rule, got value`
    ///   (the text the broker sends as a rejected record's detail).
    public func validate() throws(ModelError) {
        guard (0...Self.maxRetriesLimit).contains(maxRetries) else {
            throw .invalidSpec("maxRetries: must be in 0...\(Self.maxRetriesLimit), got \(maxRetries)")
        }
        guard (TimeSpan.zero...Self.spanLimit).contains(minBackoff) else {
            throw .invalidSpec("minBackoff: must be in 0...\(Self.spanLimit.readable), got \(minBackoff.readable)")
        }
        guard (minBackoff...Self.spanLimit).contains(maxBackoff) else {
            throw .invalidSpec("maxBackoff: must be in minBackoff...\(Self.spanLimit.readable), got \(maxBackoff.readable)")
        }
        guard (TimeSpan(milliseconds: 1)...Self.spanLimit).contains(executionTimeout) else {
            throw .invalidSpec("executionTimeout: must be in 1ms...\(Self.spanLimit.readable), got \(executionTimeout.readable)")
        }
        guard (0...1000).contains(jitterPermille) else {
            throw .invalidSpec("jitterPermille: must be in 0...1000, got \(jitterPermille)")
        }
    }

    /// This spec with every field that `override` sets replaced.
    public func merging(_ override: RetrySpecOverride) -> RetrySpec {
        var spec = self
        if let value = override.maxRetries { spec.maxRetries = value }
        if let value = override.minBackoff {
            spec.minBackoff = value
            // A raised first delay lifts a default cap below it rather than failing validation.
            if override.maxBackoff == nil, spec.maxBackoff < value { spec.maxBackoff = value }
        }
        if let value = override.maxBackoff { spec.maxBackoff = value }
        if let value = override.executionTimeout { spec.executionTimeout = value }
        if let value = override.jitterPermille { spec.jitterPermille = value }
        if let value = override.deadline { spec.deadline = value }
        return spec
    }
}

/// Per-record or operator changes to a retry spec: each field that is set replaces the base value.
public struct RetrySpecOverride: Hashable, Sendable {
    /// Replaces `maxRetries` when set.
    public var maxRetries: Int?
    /// Replaces `minBackoff` when set.
    public var minBackoff: TimeSpan?
    /// Replaces `maxBackoff` when set.
    public var maxBackoff: TimeSpan?
    /// Replaces `executionTimeout` when set.
    public var executionTimeout: TimeSpan?
    /// Replaces `jitterPermille` when set.
    public var jitterPermille: Int?
    /// Replaces `deadline` when set.
    public var deadline: Timestamp?

    /// Creates an override; nil fields keep the base value.
    public init(
        maxRetries: Int? = nil, minBackoff: TimeSpan? = nil, maxBackoff: TimeSpan? = nil,
        executionTimeout: TimeSpan? = nil, jitterPermille: Int? = nil, deadline: Timestamp? = nil
    ) {
        self.maxRetries = maxRetries
        self.minBackoff = minBackoff
        self.maxBackoff = maxBackoff
        self.executionTimeout = executionTimeout
        self.jitterPermille = jitterPermille
        self.deadline = deadline
    }

    /// True when no field is set.
    public var isEmpty: Bool { self == RetrySpecOverride() }
}

extension TimeSpan {
    /// The span in the largest unit that divides it exactly (`366d`, `90m`, `1500ms`), as people
    /// write durations; for messages.
    public var readable: String {
        if milliseconds == 0 { return "0" }
        for (suffix, factor) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
