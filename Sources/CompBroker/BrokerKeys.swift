import CompAuth

/// The broker's live key table as the HTTP side sees it: a key's line (`id:secret`) presented as a bearer
/// token is checked against the same table the nanomsg ingress verifies frames against, so a key made or
/// revoked over the wire counts on HTTP from that moment on.
public struct BrokerKeys: Sendable {
    /// What a presented key line is.
    public enum Verdict: Sendable, Equatable {
        /// A valid operator key: its id and name.
        case `operator`(id: String, name: String)
        /// A valid subscriber key (the HTTP side serves operators only).
        case subscriber(id: String)
        /// The key was revoked.
        case revoked(id: String)
        /// No key has the id, or the secret is not the key's.
        case unknown
    }

    private let gate: AuthGate

    init(gate: AuthGate) { self.gate = gate }

    /// Whether `token` has a key line's form (`id:` + 64 hex digits): then it is checked as a key, not as a
    /// token of the HTTP tokens file.
    public static func isKeyLine(_ token: some StringProtocol) -> Bool {
        (try? AuthKey(line: String(token))) != nil
    }

    /// Checks a key line; nil when `token` is not one.
    public func verdict(bearer token: some StringProtocol) -> Verdict? {
        guard let presented = try? AuthKey(line: String(token)) else { return nil }
        guard let entry = gate.entry(id: presented.id), Self.equal(entry.key.secret, presented.secret) else { return .unknown }
        if entry.revokedAt != nil { return .revoked(id: entry.key.id) }
        switch entry.grant.role {
        case .operator: return .operator(id: entry.key.id, name: entry.name)
        case .subscriber: return .subscriber(id: entry.key.id)
        }
    }

    /// Compares two secrets in time that depends on their length only.
    private static func equal(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
