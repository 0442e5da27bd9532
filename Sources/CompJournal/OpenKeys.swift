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
/// Each key's 64-bit `stableHash` is folded to 32 bits. The map is 4096 open-addressing tables, one per top
/// 12 bits of the folded hash; a slot is one `UInt64` holding the id and the hash's other 20 bits. A table
/// grows by half when it is three quarters full, so an entry costs 11 to 16 bytes (500k open: about 6 MB),
/// and growing copies one table of the 4096, never the whole map: a storm of new failures has no moment
/// holding the old and the new map at once (a `Dictionary` doubled, holding 1.5 times its new size while it
/// copied: 37 MB at 1M open). Ids at or above 2^44 (a journal that outlived 17 trillion records) live in
/// `overflow`, a plain dictionary.
///
/// Kept in step by `Store.write` inside the writer's transaction. Every change is logged until the
/// transaction ends, so a rollback (of a unit to its savepoint, or of the whole transaction) undoes it.
/// Not `Sendable`: owned by the journal's writer thread.
struct OpenKeys {
    /// The folded hash's top bits choosing a table.
    static let tableBits = 12
    /// The folded hash's bits kept in a slot.
    static let remainderBits = 32 - tableBits
    /// The first id that does not fit a slot (it goes to `overflow`).
    static let firstOverflowID: ExecutionID = 1 << (64 - remainderBits)

    private var tables = [SlotTable](repeating: SlotTable(), count: 1 << tableBits)
    private var overflow: [UInt32: [ExecutionID]] = [:]
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
    func firstCandidate(_ hash: UInt32) -> ExecutionID? {
        var found: ExecutionID?
        tables[Self.table(hash)].forEach(remainder: Self.remainder(hash)) { id in
            found = id
            return false
        }
        return found ?? overflow[hash]?.first
    }

    /// The other open executions whose keys share the folded hash (almost always none).
    func otherCandidates(_ hash: UInt32) -> [ExecutionID] {
        var ids: [ExecutionID] = []
        tables[Self.table(hash)].forEach(remainder: Self.remainder(hash)) { id in
            ids.append(id)
            return true
        }
        ids += overflow[hash] ?? []
        return Array(ids.dropFirst())
    }

    /// Reads the memory a lookup and an insert of `hash` read, and returns a sum of it (its value means nothing):
    /// see `Journal.warmOpenKeys`.
    func touch(_ hash: UInt32) -> UInt64 { tables[Self.table(hash)].touch(remainder: Self.remainder(hash)) }

    /// Whether an open execution may have `key`: false is certain.
    func mayContain(_ key: ExecutionKey) -> Bool { firstCandidate(Self.fold(key)) != nil }

    /// Reserves room for `capacity` open executions (before a load).
    mutating func reserve(_ capacity: Int) {
        let perTable = capacity >> Self.tableBits
        guard perTable > 0 else { return }
        // Room for the mean plus three standard deviations (about its square root): a few of the 4096 tables
        // may still grow once during the load.
        let expected = perTable + 3 * Int(Double(perTable).squareRoot()) + 2
        for index in tables.indices { tables[index].reserve(expected) }
    }

    /// Adds an open execution (not logged: for loading).
    mutating func load(_ stableHash: Int64, id: ExecutionID) { add(Self.fold(stableHash), id) }

    /// Adds an open execution's key, logged for rollback.
    mutating func insert(_ key: ExecutionKey, id: ExecutionID) { insert(hash: Self.fold(key), id: id) }

    /// Adds an open execution under a folded hash, logged for rollback.
    mutating func insert(hash: UInt32, id: ExecutionID) {
        add(hash, id)
        log.append((hash, id, true))
    }

    /// Removes an open execution's key, logged for rollback.
    mutating func remove(_ key: ExecutionKey, id: ExecutionID) { remove(hash: Self.fold(key), id: id) }

    /// Removes an open execution under a folded hash, logged for rollback; no change when it is not there.
    mutating func remove(hash: UInt32, id: ExecutionID) {
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
        tables = [SlotTable](repeating: SlotTable(), count: 1 << Self.tableBits)
        overflow.removeAll()
        log.removeAll()
        count = 0
    }

    /// Every folded hash with its open executions' ids, sorted, for tests comparing the map with the table.
    var contents: [UInt32: [ExecutionID]] {
        var result = overflow
        for (index, table) in tables.enumerated() {
            table.forEachSlot { remainder, id in
                result[UInt32(index) << Self.remainderBits | remainder, default: []].append(id)
            }
        }
        return result.mapValues { $0.sorted() }
    }

    /// Slots allocated over all tables (for tests of the growth and shrinking).
    var capacity: Int { tables.reduce(0) { $0 + $1.capacity } }

    private static func table(_ hash: UInt32) -> Int { Int(hash >> remainderBits) }
    private static func remainder(_ hash: UInt32) -> UInt32 { hash & (1 << remainderBits - 1) }

    private mutating func add(_ hash: UInt32, _ id: ExecutionID) {
        count += 1
        if id > 0, id < Self.firstOverflowID {
            tables[Self.table(hash)].insert(remainder: Self.remainder(hash), id: id)
        } else {
            overflow[hash, default: []].append(id)
        }
    }

    /// Removes `id` under `hash`; false when it was not there.
    private mutating func drop(_ hash: UInt32, _ id: ExecutionID) -> Bool {
        if id > 0, id < Self.firstOverflowID {
            guard tables[Self.table(hash)].remove(remainder: Self.remainder(hash), id: id) else { return false }
        } else {
            guard var ids = overflow[hash], let index = ids.firstIndex(of: id) else { return false }
            ids.remove(at: index)
            overflow[hash] = ids.isEmpty ? nil : ids
        }
        count -= 1
        return true
    }
}

/// One table of `OpenKeys`: linear probing over `UInt64` slots, each `id << remainderBits | remainder`
/// (0: empty; ids start at 1). A remainder's home slot is `remainder * capacity >> remainderBits`, so any
/// capacity works and a table grows by half, not by doubling. Removal shifts the following slots back
/// (no tombstones), so a lookup stops at the first empty slot.
///
/// The table keeps its slots' address and capacity beside its count, in the `OpenKeys` array: a lookup reads
/// that entry and then the slots, two dependent loads. With the slots in a Swift array it also read the
/// array's header (its count) first, a third cache miss at each lookup of a large map (`firstCandidate` was
/// 5 % of compd's samples under mixed load). A value: the slots are copied before a write when shared.
private struct SlotTable {
    /// Owns the slots (nil: none yet); `base` and `capacity` are read from here without touching it.
    private var storage: SlotStorage?
    private var base: UnsafeMutablePointer<UInt64>?
    private(set) var capacity = 0
    private var count = 0

    private static let remainderMask: UInt64 = 1 << OpenKeys.remainderBits - 1

    private func home(_ remainder: UInt64) -> Int {
        Int(truncatingIfNeeded: (remainder &* UInt64(capacity)) >> OpenKeys.remainderBits)
    }

    /// Calls `body` with the id of each slot holding `remainder`, in probe order, while it returns true.
    func forEach(remainder: UInt32, _ body: (ExecutionID) -> Bool) {
        guard count > 0, let base else { return }
        let wanted = UInt64(remainder)
        var index = home(wanted)
        while true {
            let slot = base[index]
            if slot == 0 { return }
            if slot & Self.remainderMask == wanted, !body(ExecutionID(slot >> OpenKeys.remainderBits)) { return }
            index += 1
            if index == capacity { index = 0 }
        }
    }

    /// The home slot of `remainder` plus a word of the storage object (whose reference count an insert checks),
    /// so both are read (0 when the table has no slots).
    func touch(remainder: UInt32) -> UInt64 {
        guard let base, let storage else { return 0 }
        return base[home(UInt64(remainder))] &+ UInt64(UInt(bitPattern: storage.base))
    }

    /// Calls `body` with every occupied slot's remainder and id.
    func forEachSlot(_ body: (UInt32, ExecutionID) -> Void) {
        guard let base else { return }
        for index in 0..<capacity where base[index] != 0 {
            let slot = base[index]
            body(UInt32(truncatingIfNeeded: slot & Self.remainderMask), ExecutionID(slot >> OpenKeys.remainderBits))
        }
    }

    mutating func reserve(_ entries: Int) {
        let needed = entries * 4 / 3 + 1
        if needed > capacity { resize(to: needed) }
    }

    mutating func insert(remainder: UInt32, id: ExecutionID) {
        // At most three quarters full: a miss probes a few slots (one cache line) on average.
        if (count + 1) * 4 > capacity * 3 {
            resize(to: max(8, capacity + capacity / 2))
        } else {
            makeUnique()
        }
        place(UInt64(id) << OpenKeys.remainderBits | UInt64(remainder))
        count += 1
    }

    /// Removes the slot holding `remainder` and `id`; false when none does.
    mutating func remove(remainder: UInt32, id: ExecutionID) -> Bool {
        guard count > 0 else { return false }
        makeUnique()
        guard let base else { return false }
        let wanted = UInt64(id) << OpenKeys.remainderBits | UInt64(remainder)
        var index = home(UInt64(remainder))
        while base[index] != wanted {
            if base[index] == 0 { return false }
            index = next(index)
        }
        // Shift back each following slot of the run that may move into the hole (its home is not
        // cyclically within (hole, its index]).
        var hole = index
        var probe = index
        while true {
            probe = next(probe)
            let slot = base[probe]
            if slot == 0 { break }
            let home = home(slot & Self.remainderMask)
            let stays = hole <= probe ? (hole < home && home <= probe) : (hole < home || home <= probe)
            if !stays {
                base[hole] = slot
                hole = probe
            }
        }
        base[hole] = 0
        count -= 1
        // Give memory back after a storm: below one eighth full, shrink to half full.
        if capacity > 64, count * 8 < capacity { resize(to: max(8, count * 2)) }
        return true
    }

    /// The slot after `index`, wrapping around.
    private func next(_ index: Int) -> Int { index + 1 == capacity ? 0 : index + 1 }

    private func place(_ slot: UInt64) {
        guard let base else { return }
        var index = home(slot & Self.remainderMask)
        while base[index] != 0 { index = next(index) }
        base[index] = slot
    }

    /// Copies the slots before a write when another copy of this table shares them.
    private mutating func makeUnique() {
        guard storage != nil, !isKnownUniquelyReferenced(&storage) else { return }
        resize(to: capacity)
    }

    private mutating func resize(to newCapacity: Int) {
        let old = (base: base, capacity: capacity, storage: storage)
        let fresh = SlotStorage(capacity: newCapacity)
        storage = fresh
        base = fresh.base
        capacity = newCapacity
        guard let oldBase = old.base else { return }
        for index in 0..<old.capacity where oldBase[index] != 0 { place(oldBase[index]) }
        withExtendedLifetime(old.storage) {}
    }
}

/// The slots of one `SlotTable`, zeroed at allocation and freed with the last table that holds them.
private final class SlotStorage {
    let base: UnsafeMutablePointer<UInt64>

    init(capacity: Int) {
        base = .allocate(capacity: capacity)
        base.initialize(repeating: 0, count: capacity)
    }

    deinit { base.deallocate() }
}
