import CompWire

/// How failures of one handler are retried and classified: the SDK's form of the seed's
/// `@Retry(maxRetries:minBackoff:executionTimeout:recoverable:unrecoverable:)`, and `@Retry(false)` as
/// `RetryPolicy.disabled`.
///
/// Unset values take the broker's defaults (10 retries, 180 s first delay, 120 s execution timeout).
public struct RetryPolicy: Sendable {
    /// Whether failures of the handler are reported at all; `false` runs the handler and rethrows its
    /// errors, reporting nothing (the seed's `@Retry(false)`).
    public var enabled: Bool
    /// Retries allowed after the first failure; nil for the broker's default.
    public var maxRetries: Int?
    /// The delay before the first retry (later ones double it); nil for the broker's default.
    public var minBackoff: Duration?
    /// The cap on any one delay; nil for the broker's default.
    public var maxBackoff: Duration?
    /// How long one run may take before the broker counts it as failed (the lease of a retry); nil for the
    /// broker's default. Runs of retry commands get their lease extended while they last.
    public var executionTimeout: Duration?
    private var recoverableTypes: [ObjectIdentifier]
    private var unrecoverableTypes: [ObjectIdentifier]

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - enabled: false to report nothing for this handler.
    ///   - maxRetries: retries after the first failure, or nil for the broker's default.
    ///   - minBackoff: the first retry's delay, or nil.
    ///   - maxBackoff: the largest delay, or nil.
    ///   - executionTimeout: how long one run may take, or nil.
    ///   - recoverable: error types a retry can fix (reported as recoverable, 1).
    ///   - unrecoverable: error types no retry can fix (reported as unrecoverable, 2: the execution parks at once).
    public init(enabled: Bool = true, maxRetries: Int? = nil, minBackoff: Duration? = nil, maxBackoff: Duration? = nil,
                executionTimeout: Duration? = nil, recoverable: [any Error.Type] = [],
                unrecoverable: [any Error.Type] = []) {
        self.enabled = enabled
        self.maxRetries = maxRetries
        self.minBackoff = minBackoff
        self.maxBackoff = maxBackoff
        self.executionTimeout = executionTimeout
        recoverableTypes = recoverable.map { ObjectIdentifier($0) }
        unrecoverableTypes = unrecoverable.map { ObjectIdentifier($0) }
    }

    /// The broker's defaults, with failures reported.
    public static let standard = RetryPolicy()

    /// No reports for this handler (the seed's `@Retry(false)`).
    public static let disabled = RetryPolicy(enabled: false)

    /// How `error` is reported: by its exact type, unrecoverable first; an error that says itself
    /// (`ReportableError`) and is in neither list keeps its own hint; anything else is unknown.
    ///
    /// - Parameter error: The error the handler threw.
    /// - Returns: Its classification.
    public func classify(_ error: any Error) -> ErrorClassification {
        let type = ObjectIdentifier(Swift.type(of: error))
        if unrecoverableTypes.contains(type) { return .unrecoverable }
        if recoverableTypes.contains(type) { return .recoverable }
        if let reportable = error as? any ReportableError {
            return ErrorClassification(rawValue: min(reportable.recoverable, 2)) ?? .unknown
        }
        return .unknown
    }

    /// The retry spec patch a failure record carries (only the values set here).
    public var specPatch: RetrySpecPatch? {
        guard maxRetries != nil || minBackoff != nil || maxBackoff != nil || executionTimeout != nil else { return nil }
        return RetrySpecPatch(
            maxRetries: maxRetries.map { UInt32(clamping: $0) },
            minBackoffMs: minBackoff.map(Self.milliseconds),
            maxBackoffMs: maxBackoff.map(Self.milliseconds),
            executionTimeoutMs: executionTimeout.map(Self.milliseconds))
    }

    static func milliseconds(_ duration: Duration) -> UInt64 {
        let parts = duration.components
        return UInt64(clamping: max(0, parts.seconds) &* 1000 + max(0, parts.attoseconds) / 1_000_000_000_000_000)
    }
}

/// How a failure is reported to the broker: whether a retry may fix it.
public enum ErrorClassification: UInt8, Sendable, Equatable {
    /// Not known (0): retried by the spec.
    case unknown = 0
    /// A retry may fix it (1): retried by the spec.
    case recoverable = 1
    /// No retry can fix it (2): the execution parks at once for an operator.
    case unrecoverable = 2
}
