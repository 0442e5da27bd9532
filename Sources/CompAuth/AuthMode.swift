/// How the broker treats unsigned and signed frames (compd `--auth`).
public enum AuthMode: String, Sendable, CaseIterable {
    /// No checks: signed frames are served as unsigned ones (their trailer ignored), replies unsigned.
    case off
    /// Unsigned frames are served as before keys existed; signed ones are verified, scoped, answered signed.
    case optional
    /// Unsigned frames other than Hello and Heartbeat are refused (`unauthenticated`).
    case required
}
