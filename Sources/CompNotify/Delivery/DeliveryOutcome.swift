/// What one HTTP attempt to deliver a notification came to, decided from the status or the error alone.
enum DeliveryOutcome: Equatable, Sendable {
    /// A 2xx: delivered.
    case delivered
    /// Connection error, timeout, 408, 429 or 5xx: try again later with backoff.
    case retry(reason: String)
    /// Any other status (a 4xx, or a 1xx/3xx left after following redirects): the receiver refused the
    /// message; it is dropped (reason `refused`) and logged at error, since resending cannot help.
    case refused(reason: String)

    /// The outcome of a response with `status`; `detail` is the start of its body, for the log.
    static func classify(status: Int, detail: String = "") -> DeliveryOutcome {
        let reason = detail.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(detail)"
        switch status {
        case 200..<300: return .delivered
        case 408, 429, 500..<600: return .retry(reason: reason)
        default: return .refused(reason: reason)
        }
    }

    /// The outcome of a request that got no response (connection refused or reset, TLS failure, timeout).
    static func failed(_ error: String) -> DeliveryOutcome { .retry(reason: error) }
}
