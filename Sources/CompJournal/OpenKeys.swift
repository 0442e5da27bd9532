import CompModel

/// The key hashes of every open (FAILED, PREPARED or PARKED) execution, in memory, so a record whose key
/// has no open execution skips the `executions_open_key` lookup: a miss is exact (no open execution has
/// the key), a hit falls through to SQLite.
///
/// Each key's 64-bit `stableHash` is folded to 32 bits: 4 bytes a key, about 4 MB for 500k open. Folding
/// only adds hits that SQLite then answers (about 1 in 10,000 at 500k open); a miss stays exact. Two open
/// keys may share a folded hash, so `extra` counts the copies beyond the first and a removal only drops
/// the hash with its last copy.
///
/// Kept in step by `Store.write` inside the writer's transaction. Every change is logged until the
/// transaction ends, so a rollback (of a unit to its savepoint, or of the whole transaction) undoes it.
/// Not `Sendable`: owned by the journal's writer thread.
struct OpenKeys {
    private var hashes: Set<UInt32> = []
    private var extra: [UInt32: Int] = [:]
    /// Changes since the transaction began: (hash, +1 inserted / −1 removed).
    private var log: [(hash: UInt32, delta: Int8)] = []

    /// How many open executions the set holds.
    private(set) var count = 0

    /// The folded hash of a key.
    static func fold(_ key: ExecutionKey) -> UInt32 { fold(key.stableHash) }

    /// The folded hash of a stored `key_hash`.
    static func fold(_ stableHash: Int64) -> UInt32 {
        let bits = UInt64(bitPattern: stableHash)
        return UInt32(truncatingIfNeeded: bits ^ (bits >> 32))
    }

    /// Whether an open execution may have `key`: false is certain, true must be checked in SQLite.
    func mayContain(_ key: ExecutionKey) -> Bool { hashes.contains(Self.fold(key)) }

    /// Reserves room for `capacity` hashes (before a load).
    mutating func reserve(_ capacity: Int) { hashes.reserveCapacity(capacity) }

    /// Adds an open execution's key hash (not logged: for loading).
    mutating func load(_ stableHash: Int64) { add(Self.fold(stableHash)) }

    /// Adds an open execution's key, logged for rollback.
    mutating func insert(_ key: ExecutionKey) {
        let hash = Self.fold(key)
        add(hash)
        log.append((hash, 1))
    }

    /// Removes an open execution's key (one copy), logged for rollback.
    mutating func remove(_ key: ExecutionKey) {
        let hash = Self.fold(key)
        drop(hash)
        log.append((hash, -1))
    }

    /// The open execution's hash changed status or key: `previous` (nil for a new execution) to `next`.
    mutating func update(from previous: Execution?, to next: Execution) {
        let wasOpen = previous.map(\.isOpen) ?? false
        let keyChanged = previous.map { $0.key != next.key } ?? false
        if let previous, wasOpen, !next.isOpen || keyChanged { remove(previous.key) }
        if next.isOpen, !wasOpen || keyChanged { insert(next.key) }
    }

    /// The position of the log, to roll back to (a unit's savepoint).
    var mark: Int { log.count }

    /// Undoes every change logged after `mark`.
    mutating func rollback(to mark: Int) {
        while log.count > mark, let change = log.popLast() {
            if change.delta > 0 { drop(change.hash) } else { add(change.hash) }
        }
    }

    /// Forgets the log: the transaction committed.
    mutating func commit() { log.removeAll(keepingCapacity: true) }

    /// Empties the set (before a rebuild); logged changes are forgotten too.
    mutating func removeAll() {
        hashes.removeAll()
        extra.removeAll()
        log.removeAll()
        count = 0
    }

    /// Every folded hash with its number of copies, for tests comparing the set with the table.
    var contents: [UInt32: Int] {
        var result: [UInt32: Int] = [:]
        for hash in hashes { result[hash] = 1 + (extra[hash] ?? 0) }
        return result
    }

    private mutating func add(_ hash: UInt32) {
        count += 1
        if !hashes.insert(hash).inserted { extra[hash, default: 0] += 1 }
    }

    private mutating func drop(_ hash: UInt32) {
        count -= 1
        if let copies = extra[hash] {
            extra[hash] = copies > 1 ? copies - 1 : nil
        } else {
            hashes.remove(hash)
        }
    }
}
