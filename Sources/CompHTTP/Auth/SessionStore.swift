import Synchronization

/// The console's login sessions: a random session id (the cookie's value) for a token, kept as
/// digests of both, in memory only (a restart logs everyone out). A session ends at `/logout`, after
/// `lifetime`, or as soon as its token is no longer in the tokens file (the caller is looked up in the
/// current table on every request).
final class SessionStore: Sendable {
    /// How long a session lasts after its login.
    static let lifetime: Duration = .seconds(12 * 3600)
    /// The most sessions kept; a login beyond it drops the oldest.
    static let capacity = 10_000

    private struct Session {
        let token: TokenDigest
        let expires: ContinuousClock.Instant
    }

    private let sessions = Mutex<[TokenDigest: Session]>([:])

    /// Opens a session for the token with digest `token`; returns the session id for the cookie.
    func open(token: TokenDigest, now: ContinuousClock.Instant = .now) -> String {
        let id = Self.randomID()
        let key = TokenDigest(of: id)
        sessions.withLock { sessions in
            if sessions.count >= Self.capacity {
                sessions = sessions.filter { $0.value.expires > now }
                while sessions.count >= Self.capacity,
                      let oldest = sessions.min(by: { $0.value.expires < $1.value.expires })?.key {
                    sessions[oldest] = nil
                }
            }
            sessions[key] = Session(token: token, expires: now.advanced(by: Self.lifetime))
        }
        return id
    }

    /// The digest of the token behind session `id`, nil when there is no such session or it expired.
    func token(session id: some StringProtocol, now: ContinuousClock.Instant = .now) -> TokenDigest? {
        let key = TokenDigest(of: id)
        return sessions.withLock { sessions in
            guard let session = sessions[key] else { return nil }
            guard session.expires > now else {
                sessions[key] = nil
                return nil
            }
            return session.token
        }
    }

    /// Ends session `id` (nothing when there is none).
    func close(session id: some StringProtocol) {
        let key = TokenDigest(of: id)
        _ = sessions.withLock { $0.removeValue(forKey: key) }
    }

    /// 32 random bytes from the system's generator (getrandom), base64url without padding.
    private static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var text = ""
        var bits = 0
        var buffer = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bits += 8
            while bits >= 6 {
                bits -= 6
                text.append(alphabet[(buffer >> bits) & 63])
            }
            buffer &= (1 << bits) - 1
        }
        if bits > 0 { text.append(alphabet[(buffer << (6 - bits)) & 63]) }
        return text
    }
}
