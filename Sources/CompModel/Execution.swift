/// Where an execution stands.
public enum ExecutionStatus: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Failed, waiting for `nextRetryAt`.
    case failed = 1
    /// Leased to a subscriber instance until the lease deadline.
    case prepared = 2
    /// A success was applied; final.
    case succeeded = 3
    /// Waiting for an operator (see `ParkReason`).
    case parked = 4
    /// Ended by an operator; final.
    case discarded = 5

    /// Whether no further retry or result can change it.
    public var isFinished: Bool { self == .succeeded || self == .discarded }

    /// The upper-case name used on screens and in JSON.
    public var description: String {
        switch self {
        case .failed: "FAILED"
        case .prepared: "PREPARED"
        case .succeeded: "SUCCEEDED"
        case .parked: "PARKED"
        case .discarded: "DISCARDED"
        }
    }

    /// Parses the upper- or lower-case name.
    public init?(name: String) {
        guard let status = Self.allCases.first(where: { $0.description == name.uppercased() }) else { return nil }
        self = status
    }
}

/// Why an execution is parked.
public enum ParkReason: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// All retries were used.
    case exhausted = 1
    /// The failure is not recoverable (reported or marked so).
    case unrecoverable = 2
    /// The next retry would fall after the spec's deadline.
    case deadline = 3
    /// An operator parked it.
    case manual = 4

    /// The lower-case name.
    public var description: String {
        switch self {
        case .exhausted: "exhausted"
        case .unrecoverable: "unrecoverable"
        case .deadline: "deadline"
        case .manual: "manual"
        }
    }

    /// Parses the lower- or upper-case name.
    public init?(name: String) {
        guard let reason = Self.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
        self = reason
    }
}

/// A hint on a failure: whether retrying can help.
public enum Recoverability: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Nobody said.
    case unknown = 0
    /// Retrying can help.
    case recoverable = 1
    /// Retrying cannot help; the execution parks.
    case unrecoverable = 2

    /// The lower-case name.
    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .recoverable: "recoverable"
        case .unrecoverable: "unrecoverable"
        }
    }

    /// Parses a name; also accepts yes/no.
    public init?(name: String) {
        switch name.lowercased() {
        case "unknown": self = .unknown
        case "recoverable", "yes", "true": self = .recoverable
        case "unrecoverable", "no", "false": self = .unrecoverable
        default: return nil
        }
    }
}

/// An error as the subscriber reported it.
public struct ErrorInfo: Hashable, Sendable {
    /// A short machine-readable code, for example `TIMEOUT` or `DB_UNAVAILABLE`.
    public var code: String
    /// A human-readable message.
    public var message: String
    /// Longer detail, for example a stack trace; may be empty.
    public var detail: String

    /// Creates an error description.
    public init(code: String, message: String, detail: String = "") {
        self.code = code
        self.message = message
        self.detail = detail
    }

    /// No error.
    public static let none = ErrorInfo(code: "", message: "")
}

/// A lease on one attempt: who holds it, until when, and the fencing token that results must carry.
public struct Lease: Hashable, Sendable {
    /// The fencing token; a result with any other token is stale.
    public var token: UInt64
    /// The subscriber instance holding the lease.
    public var holder: String
    /// When the lease was granted.
    public var grantedAt: Timestamp
    /// When the attempt counts as timed out.
    public var until: Timestamp

    /// Creates a lease.
    public init(token: UInt64, holder: String, grantedAt: Timestamp, until: Timestamp) {
        self.token = token
        self.holder = holder
        self.grantedAt = grantedAt
        self.until = until
    }
}

/// One handler of one event that failed, and everything the broker knows about making it succeed.
public struct Execution: Hashable, Sendable {
    /// The broker-assigned id.
    public var id: ExecutionID
    /// The key, the correlation id and the payload: set when the execution is created and seldom changed after (an
    /// operator's change of function), so they are held in one shared, immutable box. A copy of an execution then
    /// retains that box instead of each of their strings and the payload: the broker copies an execution several
    /// times per change (the group commit, the projection's insert, the state change, dispatch), and those retains
    /// were the largest part of the core thread's reference counting under a storm of new failures.
    @usableFromInline var identity: Identity
    /// Service, processor, function and event id.
    @inlinable public var key: ExecutionKey {
        get { identity.key }
        set { identity = Identity(key: newValue, correlationId: identity.correlationId, payload: identity.payload) }
    }
    /// Correlation id (for example an order id); empty when none was given.
    @inlinable public var correlationId: String {
        get { identity.correlationId }
        set { identity = Identity(key: identity.key, correlationId: newValue, payload: identity.payload) }
    }
    /// Where it stands.
    public var status: ExecutionStatus
    /// Why it is parked; nil unless `status == .parked`.
    public var parkReason: ParkReason?
    /// The latest recoverability hint or operator mark.
    public var recoverable: Recoverability
    /// True while `recoverable` is an operator's mark, which a later `unknown` does not overwrite.
    public var markedByOperator: Bool
    /// Attempts leased so far.
    public var retries: Int
    /// The retry spec in force.
    public var spec: RetrySpec
    /// When the next attempt is due; set while `status == .failed`.
    public var nextRetryAt: Timestamp?
    /// The current lease; set while `status == .prepared`.
    public var lease: Lease?
    /// The latest error.
    public var lastError: ErrorInfo
    /// Opaque bytes handed back to the subscriber with every retry command.
    @inlinable public var payload: [UInt8] {
        get { identity.payload }
        set { identity = Identity(key: identity.key, correlationId: identity.correlationId, payload: newValue) }
    }
    /// When the broker created it.
    public var createdAt: Timestamp
    /// When it last changed.
    public var updatedAt: Timestamp
    /// Leases returned undelivered in a row (see `ExecutionInput.returnLease`); a delivered or counted
    /// attempt sets it back to 0.
    public var returns: Int

    /// How many leases in a row may come back undelivered without costing an attempt; the next return
    /// counts as a failed attempt (error code `UNDELIVERED`).
    public static let maxReturns = 3

    /// Creates an execution with every field given; use `Execution.create` for a new failure.
    public init(
        id: ExecutionID, key: ExecutionKey, correlationId: String, status: ExecutionStatus,
        parkReason: ParkReason?, recoverable: Recoverability, markedByOperator: Bool, retries: Int,
        spec: RetrySpec, nextRetryAt: Timestamp?, lease: Lease?, lastError: ErrorInfo,
        payload: [UInt8], createdAt: Timestamp, updatedAt: Timestamp, returns: Int = 0
    ) {
        self.id = id
        identity = Identity(key: key, correlationId: correlationId, payload: payload)
        self.status = status
        self.parkReason = parkReason
        self.recoverable = recoverable
        self.markedByOperator = markedByOperator
        self.retries = retries
        self.spec = spec
        self.nextRetryAt = nextRetryAt
        self.lease = lease
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.returns = returns
    }

    /// Whether the execution is not finished: a failure for its key joins it instead of creating another.
    public var isOpen: Bool { !status.isFinished }

    /// An execution's key, correlation id and payload (see `identity`). Immutable, so copies of the execution share
    /// it safely across threads; equal when its contents are.
    @usableFromInline final class Identity: Hashable, Sendable {
        @usableFromInline let key: ExecutionKey
        @usableFromInline let correlationId: String
        @usableFromInline let payload: [UInt8]

        @usableFromInline init(key: ExecutionKey, correlationId: String, payload: [UInt8]) {
            self.key = key
            self.correlationId = correlationId
            self.payload = payload
        }

        @usableFromInline static func == (lhs: Identity, rhs: Identity) -> Bool {
            lhs === rhs || (lhs.key == rhs.key && lhs.correlationId == rhs.correlationId && lhs.payload == rhs.payload)
        }

        @usableFromInline func hash(into hasher: inout Hasher) {
            hasher.combine(key)
            hasher.combine(correlationId)
            hasher.combine(payload)
        }
    }
}
