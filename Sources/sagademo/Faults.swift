import CompClient
import CompWire

/// The faults a role can be told to inject, to drive the choreography's failure paths from the outside.
struct Faults {
    /// The forward fails with an unrecoverable error (the step parks: the saga aborts).
    var failUnrecoverably = false
    /// How long the forward takes before its effect (past the saga's deadline: a late forward).
    var delayMilliseconds = 0
    /// Every compensation runs twice through the barrier and its result record is sent twice.
    var reportTwice = false

    /// Parses a delay: `1500ms`, `2s`, `1.5s`, or a plain number of milliseconds; nil when it is none of these.
    static func milliseconds(_ text: String) -> Int? {
        let value: Double?
        if text.hasSuffix("ms") {
            value = Double(text.dropLast(2))
        } else if text.hasSuffix("s") {
            value = Double(text.dropLast()).map { $0 * 1000 }
        } else {
            value = Double(text)
        }
        guard let value, value.isFinite, value >= 0, value <= 3_600_000 else { return nil }
        return Int(value)
    }
}

/// The error of a forward told to fail unrecoverably: retrying does not help, so its execution parks.
struct UnrecoverableRefusal: ReportableError {
    var role: Role
    var sagaId: String

    var errorDetails: ErrorDetails {
        ErrorDetails(code: "\(role.rawValue.uppercased())_REFUSED", message: "\(role.rawValue) refuses \(sagaId)")
    }

    var recoverable: UInt8 { 2 }
}
