/// What a key may do: an operator key anything, a subscriber key only its services' records, fetches, leases
/// and sagas.
public enum KeyRole: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// May report, fetch and extend leases for its services only.
    case subscriber = 1
    /// May use every request, the admin and key requests included.
    case `operator` = 2

    /// The role's name on screens and in `--role`.
    public var description: String {
        switch self {
        case .subscriber: "subscriber"
        case .operator: "operator"
        }
    }

    /// The role named `name` (`subscriber`, `operator`), nil for anything else.
    public init?(name: String) {
        guard let role = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = role
    }
}

/// A verified key's identity and scope, carried with the request it signed.
public struct KeyGrant: Sendable, Hashable {
    /// The key's id.
    public var keyId: String
    /// The key's role.
    public var role: KeyRole
    /// The services a subscriber key may act for (empty for operators).
    public var services: Set<String>

    /// Creates a grant.
    public init(keyId: String, role: KeyRole, services: Set<String>) {
        self.keyId = keyId
        self.role = role
        self.services = services
    }

    /// Whether the key may act for `service`: an operator for every service, a subscriber for its own.
    public func allows(service: String) -> Bool {
        role == .operator || services.contains(service)
    }
}

/// One key as the verifying side holds it: secret, scope, and whether it is revoked.
public struct KeyEntry: Sendable, Hashable {
    /// The key (id and secret).
    public var key: AuthKey
    /// A name for people.
    public var name: String
    /// Its role and services.
    public var grant: KeyGrant
    /// When it was made, ms since the epoch.
    public var createdAt: Int64
    /// When it was revoked, nil while valid.
    public var revokedAt: Int64?

    /// Creates an entry.
    public init(key: AuthKey, name: String, grant: KeyGrant, createdAt: Int64, revokedAt: Int64? = nil) {
        self.key = key
        self.name = name
        self.grant = grant
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
