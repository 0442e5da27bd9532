import CompModel

/// Where the open (FAILED, PREPARED or PARKED) executions are, by key: each open execution's id under
/// the folded hash of its key, in memory. It replaces the `executions_open_key` index (dropped in schema
/// version 4): finding the open execution of a record's key is a map lookup and a read by id, and a new
/// failure no longer inserts into a B-tree keyed by a random hash (at 1M stored that index was about half
/// of the pages a group commit of new failures wrote).
///
/// Exact, not a filter: every open execution is here under its key's hash, and nothing else is. A hash
/// names candidates, not the answer: two keys can share a folded hash, so the caller reads each candidate
/// by id and compares its key.
///
/// Each key's 64-bit `stableHash` is folded to 32 bits; an entry costs about 12 bytes plus the dictionary's
/// spare room (about 12 MB for 500k open). Ids sharing a hash beyond the first live in `more`.
///
/// Kept in step by `Store.write` inside the writer's transaction. Every change is logged until the
/// transaction ends, so a rollback (of a unit to its savepoint, or of the whole transaction) undoes it.
/// Not `Sendable`: owned by the journal's writer thread.
struct OpenKeys {
    private var first: [UInt32: ExecutionID] = [:]
    private var more: [UInt32: [ExecutionID]] = [:]
    /// Changes since the transaction began: (hash, id, inserted or removed).
    private var log: [(hash: UInt32, id: ExecutionID, inserted: Bool)] = []

    /// How many open executions the map holds.
    private(set) var count = 0

    /// The folded hash of a key.
    static func fold(_ key: ExecutionKey) -> UInt32 { fold(key.stableHash) }

    /// The folded hash of a stored `key_hash`.
    static func fold(_ stableHash: Int64) -> UInt32 {
        let bits = UInt64(bitPattern: stableHash)
        return UInt32(truncatingIfNeeded: bits ^ (bits >> 32))
    }

    /// The first open execution whose key has the folded hash `hash`, or nil when none has (certain).
    func firstCandidate(_ hash: UInt32) -> ExecutionID? { first[hash] }

    /// The other open executions whose keys share the folded hash (almost always none).
    func otherCandidates(_ hash: UInt32) -> [ExecutionID] { more[hash] ?? [] }

    /// Whether an open execution may have `key`: false is certain.
    func mayContain(_ key: ExecutionKey) -> Bool { first[Self.fold(key)] != nil }

    /// Reserves room for `capacity` open executions (before a load).
    mutating func reserve(_ capacity: Int) { first.reserveCapacity(capacity) }

    /// Adds an open execution (not logged: for loading).
    mutating func load(_ stableHash: Int64, id: ExecutionID) { add(Self.fold(stableHash), id) }

    /// Adds an open execution's key, logged for rollback.
    mutating func insert(_ key: ExecutionKey, id: ExecutionID) {
        let hash = Self.fold(key)
        add(hash, id)
        log.append((hash, id, true))
    }

    /// Removes an open execution's key, logged for rollback.
    mutating func remove(_ key: ExecutionKey, id: ExecutionID) {
        let hash = Self.fold(key)
        guard drop(hash, id) else { return }
        log.append((hash, id, false))
    }

    /// An execution was written: `previous` (nil for a new execution) became `next` (same id).
    mutating func update(from previous: Execution?, to next: Execution) {
        let wasOpen = previous.map(\.isOpen) ?? false
        let keyChanged = previous.map { $0.key != next.key } ?? false
        if let previous, wasOpen, !next.isOpen || keyChanged { remove(previous.key, id: previous.id) }
        if next.isOpen, !wasOpen || keyChanged { insert(next.key, id: next.id) }
    }

    /// The position of the log, to roll back to (a unit's savepoint).
    var mark: Int { log.count }

    /// Undoes every change logged after `mark`.
    mutating func rollback(to mark: Int) {
        while log.count > mark, let change = log.popLast() {
            if change.inserted { _ = drop(change.hash, change.id) } else { add(change.hash, change.id) }
        }
    }

    /// Forgets the log: the transaction committed.
    mutating func commit() { log.removeAll(keepingCapacity: true) }

    /// Empties the map (before a load); logged changes are forgotten too.
    mutating func removeAll() {
        first.removeAll()
        more.removeAll()
        log.removeAll()
        count = 0
    }

    /// Every folded hash with its open executions' ids, sorted, for tests comparing the map with the table.
    var contents: [UInt32: [ExecutionID]] {
        var result: [UInt32: [ExecutionID]] = [:]
        for (hash, id) in first { result[hash] = ([id] + (more[hash] ?? [])).sorted() }
        return result
    }

    private mutating func add(_ hash: UInt32, _ id: ExecutionID) {
        count += 1
        if first[hash] == nil {
            first[hash] = id
        } else {
            more[hash, default: []].append(id)
        }
    }

    /// Removes `id` under `hash`; false when it was not there.
    private mutating func drop(_ hash: UInt32, _ id: ExecutionID) -> Bool {
        guard let head = first[hash] else { return false }
        if head == id {
            if var others = more[hash], !others.isEmpty {
                first[hash] = others.removeLast()
                more[hash] = others.isEmpty ? nil : others
            } else {
                first[hash] = nil
            }
        } else {
            guard var others = more[hash], let index = others.firstIndex(of: id) else { return false }
            others.remove(at: index)
            more[hash] = others.isEmpty ? nil : others
        }
        count -= 1
        return true
    }
}
