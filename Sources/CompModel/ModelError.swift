/// Why the model refused an input. Each case maps to one stable wire error code in the broker.
public enum ModelError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A retry spec field is out of range; the text names it.
    case invalidSpec(String)
    /// A result or lease extension for a lease that is not the current one (fencing).
    case stale
    /// A success for an execution that already succeeded.
    case duplicate
    /// The input is not allowed in the execution's current status.
    case notAllowed(input: String, status: ExecutionStatus)
    /// A lease was asked for before the execution is due, or an expiry before the lease ends.
    case notDue
    /// The input would change nothing (the mark is already set, the function is the same).
    case unchanged

    public var description: String {
        switch self {
        case .invalidSpec(let text): "invalid retry spec: \(text)"
        case .stale: "stale: the lease is not current"
        case .duplicate: "duplicate: the execution already succeeded"
        case .notAllowed(let input, let status): "\(input) is not allowed on a \(status) execution"
        case .notDue: "not due yet"
        case .unchanged: "nothing to change"
        }
    }
}
