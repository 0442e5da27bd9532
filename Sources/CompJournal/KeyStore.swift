import CSQLite

/// One key as the journal stores it: the secret sealed (the journal never holds it in the clear).
public struct StoredKey: Sendable, Equatable {
    /// `k_` + 16 hex digits.
    public var id: String
    /// A name for people.
    public var name: String
    /// 1 subscriber, 2 operator (CompAuth's `KeyRole` raw values).
    public var role: UInt8
    /// The services of a subscriber key, sorted; empty for an operator.
    public var services: [String]
    /// The secret sealed under the data directory's master key.
    public var sealedSecret: [UInt8]
    /// When the key was made, ms since the epoch.
    public var createdAt: Int64
    /// When it was revoked, nil while valid.
    public var revokedAt: Int64?

    /// Creates a stored key.
    public init(id: String, name: String, role: UInt8, services: [String], sealedSecret: [UInt8],
                createdAt: Int64, revokedAt: Int64? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.services = services.sorted()
        self.sealedSecret = sealedSecret
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// The `keys` and `key_services` tables (schema version 9) on a connection of its own to the journal file.
/// Not `Sendable`: one owner (the broker's key service, or `compd keys` offline). Writes are short
/// transactions; SQLite's busy timeout orders them with the core's group commits.
public final class KeyStore {
    private let connection: Connection

    /// Opens the journal file at `path`, which must exist and be migrated (open a `Journal` on it first).
    /// - Throws: `JournalError` when it cannot be opened or has no keys table (an older schema).
    public init(path: String) throws(JournalError) {
        connection = try Connection(path: path, readOnly: false, create: false, busyTimeoutMilliseconds: 5000)
        guard try connection.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'keys'") == 1 else {
            throw .misuse("\(path) has no keys table (schema version 9); open it with this compd first")
        }
    }

    /// Stores a new key.
    /// - Throws: `JournalError` (a constraint error when the id exists).
    public func insert(_ key: StoredKey) throws(JournalError) {
        try connection.inTransaction { () throws(JournalError) in
            let row = try connection.prepare(
                "INSERT INTO keys (id, name, role, sealed_secret, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)")
            try row.bind(key.id, at: 1)
            try row.bind(key.name, at: 2)
            try row.bind(Int64(key.role), at: 3)
            try row.bind(blob: key.sealedSecret, at: 4)
            try row.bind(key.createdAt, at: 5)
            try row.bind(key.revokedAt, at: 6)
            try row.run()
            for service in key.services {
                let link = try connection.prepare("INSERT INTO key_services (key_id, service) VALUES (?, ?)")
                try link.bind(key.id, at: 1)
                try link.bind(service, at: 2)
                try link.run()
            }
        }
    }

    /// Every key, revoked ones included, oldest first.
    public func all() throws(JournalError) -> [StoredKey] {
        try connection.inTransaction(.deferred) { () throws(JournalError) -> [StoredKey] in
            var services: [String: [String]] = [:]
            let links = try connection.prepare("SELECT key_id, service FROM key_services ORDER BY key_id, service")
            while try links.step() { services[links.text(0), default: []].append(links.text(1)) }
            var keys: [StoredKey] = []
            let rows = try connection.prepare(
                "SELECT id, name, role, sealed_secret, created_at, revoked_at FROM keys ORDER BY created_at, id")
            while try rows.step() {
                let id = rows.text(0)
                keys.append(StoredKey(id: id, name: rows.text(1), role: UInt8(clamping: rows.int64(2)),
                                      services: services[id] ?? [], sealedSecret: rows.blob(3),
                                      createdAt: rows.int64(4), revokedAt: rows.optionalInt64(5)))
            }
            return keys
        }
    }

    /// One page of keys, oldest first (`created_at`, then `id`), revoked ones included.
    /// - Parameters:
    ///   - after: The (createdAt, id) of the previous page's last key; nil for the first page.
    ///   - limit: At most this many keys.
    public func page(after: (createdAt: Int64, id: String)?, limit: Int) throws(JournalError) -> [StoredKey] {
        try connection.inTransaction(.deferred) { () throws(JournalError) -> [StoredKey] in
            let rows = try connection.prepare("""
                SELECT id, name, role, sealed_secret, created_at, revoked_at FROM keys
                WHERE ?1 IS NULL OR created_at > ?1 OR (created_at = ?1 AND id > ?2)
                ORDER BY created_at, id LIMIT ?3
                """)
            try rows.bind(after?.createdAt, at: 1)
            try rows.bind(after?.id ?? "", at: 2)
            try rows.bind(Int64(limit), at: 3)
            var keys: [StoredKey] = []
            while try rows.step() {
                keys.append(StoredKey(id: rows.text(0), name: rows.text(1), role: UInt8(clamping: rows.int64(2)),
                                      services: [], sealedSecret: rows.blob(3),
                                      createdAt: rows.int64(4), revokedAt: rows.optionalInt64(5)))
            }
            let links = try connection.prepare("SELECT service FROM key_services WHERE key_id = ? ORDER BY service")
            for index in keys.indices {
                links.reset()
                try links.bind(keys[index].id, at: 1)
                while try links.step() { keys[index].services.append(links.text(0)) }
            }
            return keys
        }
    }

    /// Marks key `id` revoked at `at`, unless it already is.
    /// - Returns: When the key is revoked: `at`, or the earlier time of a key revoked before; nil when no key
    ///   has that id.
    public func revoke(id: String, at: Int64) throws(JournalError) -> Int64? {
        try connection.inTransaction { () throws(JournalError) -> Int64? in
            let row = try connection.prepare("UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            try row.bind(at, at: 1)
            try row.bind(id, at: 2)
            try row.run()
            let read = try connection.prepare("SELECT revoked_at FROM keys WHERE id = ?")
            try read.bind(id, at: 1)
            guard try read.step() else { return nil }
            return read.optionalInt64(0)
        }
    }
}
