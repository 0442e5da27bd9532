// MARK: - Key administration (compctl keys create | list | revoke)

/// An operator asks the broker to make a key (PROTOCOL.md section 6.20).
public struct KeyCreateRequest: Hashable, Sendable {
    /// A name for people; not empty.
    public var name: String
    /// 1 subscriber, 2 operator.
    public var role: UInt8
    /// The services a subscriber key may act for (at least one); none for an operator key.
    public var services: [String]

    /// Creates a request.
    public init(name: String, role: UInt8, services: [String]) {
        self.name = name
        self.role = role
        self.services = services
    }
}

/// One key as the broker lists it: never its secret.
public struct KeyView: Hashable, Sendable {
    /// The key's id (`k_` + 16 hex digits).
    public var id: String
    /// A name for people.
    public var name: String
    /// 1 subscriber, 2 operator.
    public var role: UInt8
    /// A subscriber key's services, sorted; empty for an operator key.
    public var services: [String]
    /// When the key was made (broker time, ms since the epoch).
    public var createdAt: Int64
    /// Optional (tag 1): when it was revoked; absent while it is valid.
    public var revokedAt: Int64?

    /// Creates a view.
    public init(id: String, name: String, role: UInt8, services: [String], createdAt: Int64, revokedAt: Int64? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.services = services
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// The reply to `KeyCreateRequest`: the new key and its secret, the only time the secret is sent.
public struct KeyCreateReply: Hashable, Sendable {
    /// The new key.
    public var key: KeyView
    /// Its 32-byte secret.
    public var secret: [UInt8]

    /// Creates a reply.
    public init(key: KeyView, secret: [UInt8]) {
        self.key = key
        self.secret = secret
    }
}

/// Asks for one page of keys, oldest first (revoked ones included).
public struct KeyListRequest: Hashable, Sendable {
    /// "" for the first page, else the previous reply's `nextCursor`, unchanged (opaque to clients).
    public var cursor: String
    /// At most this many keys (1...`WireLimits.maxListItems`).
    public var limit: UInt16

    /// Creates a request.
    public init(cursor: String = "", limit: UInt16) {
        self.cursor = cursor
        self.limit = limit
    }
}

/// The reply to `KeyListRequest`.
public struct KeyListReply: Hashable, Sendable {
    /// The keys, oldest first.
    public var keys: [KeyView]
    /// Pass back as `KeyListRequest.cursor` for the next page; "" when this page is the last.
    public var nextCursor: String

    /// Creates a reply.
    public init(keys: [KeyView], nextCursor: String) {
        self.keys = keys
        self.nextCursor = nextCursor
    }
}

/// An operator revokes a key: it stops working from the broker's next frame on.
public struct KeyRevokeRequest: Hashable, Sendable {
    /// The key's id.
    public var keyId: String

    /// Creates a request.
    public init(keyId: String) { self.keyId = keyId }
}

/// The reply to `KeyRevokeRequest`: when the key was revoked (by this request, or earlier).
public struct KeyRevokeReply: Hashable, Sendable {
    /// The key's id.
    public var keyId: String
    /// When it was revoked (broker time, ms since the epoch).
    public var revokedAt: Int64

    /// Creates a reply.
    public init(keyId: String, revokedAt: Int64) {
        self.keyId = keyId
        self.revokedAt = revokedAt
    }
}
