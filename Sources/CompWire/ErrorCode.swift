/// Stable numeric error codes carried by `ErrorReply` and by rejected record outcomes.
///
/// Numbers never change meaning; new codes are only added.
public enum ErrorCode: UInt16, Error, Sendable, CaseIterable, CustomStringConvertible {
    // 1–19: the frame itself.
    /// The frame cannot be parsed (truncated, trailing bytes, a bad tagged section).
    case malformedFrame = 1
    /// The frame is larger than the limit.
    case frameTooLarge = 2
    /// The header's protocol version is not one this peer speaks.
    case unsupportedVersion = 3
    /// The header's message type is unknown.
    case unknownMessageType = 4
    /// The length prefix disagrees with the bytes received.
    case lengthMismatch = 5
    /// A declared length or count is above its hard limit.
    case limitExceeded = 6
    /// A string field is not valid UTF-8.
    case invalidUTF8 = 7
    /// A field holds a value outside its range (an unknown enum value, a bad id length).
    case invalidField = 8
    /// A valid message that this peer does not accept here (for example a reply sent as a request).
    case unexpectedMessage = 9

    // 20–39: the request is well-formed but refused.
    /// A record is inconsistent (a failure without an error, an empty key part).
    case invalidRecord = 20
    /// A retry spec field is out of range.
    case invalidRetrySpec = 21
    /// No execution has that id.
    case unknownExecution = 22
    /// The action is not allowed in the execution's status.
    case notAllowed = 23
    /// Another open execution already has that key.
    case keyConflict = 24
    /// The action would change nothing.
    case unchanged = 25
    /// The lease is not current (fencing).
    case staleLease = 26
    /// A result's execution id and key disagree.
    case keyMismatch = 27
    /// A forward (a `started` record) for a step of a saga that is no longer RUNNING: do not run it.
    case sagaAborted = 28
    /// The record was made (its UUIDv7 id's time) before the broker's dedupe window: the broker may no longer
    /// remember whether it applied it, so it refuses it rather than risk applying it twice.
    case recordTooOld = 29
    /// A frame the broker cannot attribute to a valid key: unsigned in required mode, an unknown or revoked key,
    /// a wrong MAC, a timestamp outside the broker's window. Nothing was applied.
    case unauthenticated = 30
    /// A signed frame whose nonce the broker has already seen from that key within its window. Nothing was applied.
    case replayed = 31
    /// The key is valid but its role or services do not allow the request. Nothing was applied.
    case forbidden = 32
    /// The request names something the broker does not have (a key id in KeyRevokeRequest). Nothing was applied.
    case notFound = 33

    // 40–59: the broker.
    /// The broker is shutting down; resend to it later.
    case shuttingDown = 40
    /// The broker is overloaded; resend later with the same record ids.
    case overloaded = 41
    /// The broker's storage failed; the request was not applied; resend later.
    case storageFailure = 42
    /// An unexpected broker fault.
    case internalError = 43

    /// The snake_case name used in the spec and on screens.
    public var description: String {
        switch self {
        case .malformedFrame: "malformed_frame"
        case .frameTooLarge: "frame_too_large"
        case .unsupportedVersion: "unsupported_version"
        case .unknownMessageType: "unknown_message_type"
        case .lengthMismatch: "length_mismatch"
        case .limitExceeded: "limit_exceeded"
        case .invalidUTF8: "invalid_utf8"
        case .invalidField: "invalid_field"
        case .unexpectedMessage: "unexpected_message"
        case .invalidRecord: "invalid_record"
        case .invalidRetrySpec: "invalid_retry_spec"
        case .unknownExecution: "unknown_execution"
        case .notAllowed: "not_allowed"
        case .keyConflict: "key_conflict"
        case .unchanged: "unchanged"
        case .staleLease: "stale_lease"
        case .keyMismatch: "key_mismatch"
        case .sagaAborted: "saga_aborted"
        case .recordTooOld: "record_too_old"
        case .unauthenticated: "unauthenticated"
        case .replayed: "replayed"
        case .forbidden: "forbidden"
        case .notFound: "not_found"
        case .shuttingDown: "shutting_down"
        case .overloaded: "overloaded"
        case .storageFailure: "storage_failure"
        case .internalError: "internal_error"
        }
    }
}

/// A decoding failure: the stable code to answer with, and what was wrong.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The code an error reply carries.
    public var code: ErrorCode
    /// What was wrong, for logs and the error reply's message.
    public var message: String

    /// Creates an error.
    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code) (\(code.rawValue)): \(message)" }
}
