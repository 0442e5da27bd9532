import CompModel

/// The writer's statements: journal appends, projection writes, status counts, services, meta.
///
/// Used only inside the writer's transactions. Count changes are collected per transaction in memory and
/// written once before COMMIT (`flushCounts`), so `status_counts` costs a few rows per commit.
struct Store {
    let connection: Connection
    /// Count changes of the open transaction, by (status, park reason or 0).
    private var countDeltas: [Int64: Int64] = [:]
    /// Failed attempts of the open transaction, by (bucket, service, code), for `failure_counts`; the latest key's
    /// count waits in `latestFailure` until another key comes.
    private var failureDeltas: [FailureKey: Int64] = [:]
    /// The key of the latest failed attempt counted and its count not yet in `failureDeltas`: a storm's failures
    /// share their bucket, service and code, so most are counted by comparing two strings instead of hashing them
    /// (the dictionary's hash was some 1.5 % of a storm's core instructions).
    private var latestFailure: (key: FailureKey, count: Int64)?

    /// One row of `failure_counts`.
    struct FailureKey: Hashable {
        var bucket: Int64
        var service: String
        var code: String
    }
    /// The key hashes of the open executions, kept in step by `write` (see `OpenKeys`).
    var openKeys = OpenKeys()
    /// False while a rebuild replays the journal: the set is reloaded from the table afterwards instead.
    var tracksOpenKeys = true
    /// The leased executions as written here (see `LeasedExecutions`).
    private(set) var leased = LeasedExecutions()
    /// No journal row has a record id above this one (nil: no row has an id). A record with a greater id is
    /// new for certain, so the dedupe lookup is skipped: clients make time-ordered ids (UUIDv7, monotonic per
    /// generator), so most new records are above it. It may be above every stored id (after a rollback or a
    /// prune), which only costs lookups, never a missed duplicate.
    private(set) var newestRecordId: RecordID?

    init(connection: Connection) { self.connection = connection }

    /// The INSERT of `rows` journal rows in one statement: row r's values are parameters 8r+1 to 8r+8.
    static func appendSQL(rows: Int) -> String {
        "INSERT INTO journal (seq, record_id, execution_id, at, kind, body, summary, actor) VALUES "
            + Statement.valuesList(rows: rows, width: 8)
    }

    /// A journal row appended and not yet written (see `append`).
    private struct PendingRow {
        var seq: Int64
        var recordId: RecordID?
        var executionId: ExecutionID
        var at: Int64
        var kind: Int64
        var body: [UInt8]
        /// The summary line's UTF-8 (`Summary.utf8`).
        var summary: [UInt8]
        var actor: String?
    }

    /// The rows appended since the last `flushAppends`, in seq order.
    private var pending: [PendingRow] = []
    /// The record ids among the first `indexedPending` rows of `pending`, with their rows' executions (the dedupe
    /// lookup sees them). Filled when a lookup needs it, not at each append: most records are above every pending
    /// id (`pendingNewestRecordId`), and a storm of new failures paid a hash insert per record for lookups that
    /// never came.
    private var pendingRecords: [RecordID: ExecutionID] = [:]
    private var indexedPending = 0
    /// The greatest record id among `pending` (nil: none has one).
    private var pendingNewestRecordId: RecordID?

    /// Appends one journal row; `encodedBody`, when given, is `body.encoded` made ahead; `actor` is set on rows of
    /// operator actions.
    ///
    /// The row is written by the next `flushAppends` (at the end of the unit), many rows to a statement: one
    /// statement a row cost some 4k instructions of statement overhead (cursors opened and closed, the halt)
    /// per row in callgrind, whatever the row. Until then `pendingExecution(ofRecord:)` answers for it; nothing
    /// else in a unit reads the journal table.
    mutating func append(
        seq: Int64, recordId: RecordID?, executionId: ExecutionID, at: Timestamp, body: EntryBody,
        encodedBody: [UInt8]? = nil, summary: [UInt8], actor: String? = nil
    ) throws(JournalError) {
        pending.append(PendingRow(
            seq: seq, recordId: recordId, executionId: executionId, at: at.milliseconds, kind: body.kind.rawValue,
            body: encodedBody ?? body.encoded, summary: summary, actor: actor))
        if let recordId {
            if newestRecordId.map({ recordId > $0 }) ?? true { newestRecordId = recordId }
            if pendingNewestRecordId.map({ recordId > $0 }) ?? true { pendingNewestRecordId = recordId }
        }
    }

    /// The execution of the pending row with `recordId`, or nil when no pending row has it.
    mutating func pendingExecution(ofRecord recordId: RecordID) -> ExecutionID? {
        guard let newest = pendingNewestRecordId, recordId <= newest else { return nil }
        while indexedPending < pending.count {
            if let id = pending[indexedPending].recordId { pendingRecords[id] = pending[indexedPending].executionId }
            indexedPending += 1
        }
        return pendingRecords[recordId]
    }

    /// Forgets the pending rows' record ids (they were written or rolled back).
    private mutating func forgetPendingRecords() {
        pendingRecords.removeAll(keepingCapacity: true)
        indexedPending = 0
        pendingNewestRecordId = nil
    }

    /// Writes the pending rows: 32 a statement, then 8, then one by one.
    mutating func flushAppends() throws(JournalError) {
        guard !pending.isEmpty else { return }
        let rows = pending
        try insertChunked(rows.count, (.appendEntries32, .appendEntries8, .appendEntry), width: 8) {
            (index, statement, first) throws(JournalError) in
            try Self.bind(rows[index], to: statement, first: first)
        }
        pending.removeAll(keepingCapacity: true)
        forgetPendingRecords()
    }

    /// Forgets the pending rows and new executions (their unit or transaction rolled back).
    mutating func discardPending() {
        pending.removeAll(keepingCapacity: true)
        forgetPendingRecords()
        pendingNew.removeAll(keepingCapacity: true)
    }

    /// Inserts `count` rows through the statements of 32, 8 and 1 rows in `statements`: as many of 32 as fit, then
    /// of 8, then one by one. `bind` binds row `index` into a statement from parameter `first` on (`width` a row).
    private func insertChunked(
        _ count: Int, _ statements: (HotStatement, HotStatement, HotStatement), width: Int,
        bind: (_ index: Int, Statement, _ first: Int32) throws(JournalError) -> Void
    ) throws(JournalError) {
        var start = 0
        while start < count {
            let left = count - start
            let (hot, rows) = left >= 32 ? (statements.0, 32) : left >= 8 ? (statements.1, 8) : (statements.2, 1)
            let statement = try connection.cached(hot)
            for row in 0..<rows { try bind(start + row, statement, Int32(row * width + 1)) }
            try statement.run()
            start += rows
        }
    }

    /// The new execution `id` as it will be inserted, or nil when it is not pending.
    func pendingExecution(_ id: ExecutionID) -> Execution? {
        pendingIndex(id).map { pendingNew[$0] }
    }

    /// Where the pending new execution `id` is in `pendingNew`, or nil. They are appended in creation order, so
    /// their ids ascend and a binary search finds one; a dictionary from id to position cost a hash insert at
    /// every new failure and a hash lookup at every search (callgrind: some 2 % of a storm's core instructions).
    private func pendingIndex(_ id: ExecutionID) -> Int? {
        var low = 0
        var high = pendingNew.count
        while low < high {
            let middle = (low + high) / 2
            let found = pendingNew[middle].id
            if found == id { return middle }
            if found < id { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// Inserts the pending new executions: 32 a statement, then 8, then one by one; each run of fresh ones
    /// (`ExecutionRow.isFresh`, a storm's every one) through the statements that bind only what varies.
    mutating func flushExecutions() throws(JournalError) {
        guard !pendingNew.isEmpty else { return }
        // Bound from where they wait, not copied out first: a copy of an execution retains and releases each of its
        // strings and its payload (perf, a storm of new failures: some 2 % of the core thread's cycles).
        var start = 0
        while start < pendingNew.count {
            let fresh = ExecutionRow.isFresh(pendingNew[start])
            var end = start + 1
            while end < pendingNew.count, ExecutionRow.isFresh(pendingNew[end]) == fresh { end += 1 }
            if fresh {
                try insertChunked(
                    end - start, (.insertFreshExecutions32, .insertFreshExecutions8, .insertFreshExecution),
                    width: ExecutionRow.freshBound.count
                ) { (index, statement, first) throws(JournalError) in
                    try ExecutionRow.bindFresh(pendingNew[start + index], to: statement, first: first)
                }
            } else {
                try insertChunked(
                    end - start, (.insertExecutions32, .insertExecutions8, .insertExecution),
                    width: ExecutionRow.Column.allCases.count
                ) { (index, statement, first) throws(JournalError) in
                    try ExecutionRow.bind(pendingNew[start + index], to: statement, first: first)
                }
            }
            start = end
        }
        pendingNew.removeAll(keepingCapacity: true)
    }

    private static func bind(_ row: PendingRow, to statement: Statement, first: Int32) throws(JournalError) {
        try statement.bind(row.seq, at: first)
        if let recordId = row.recordId { try statement.bind(recordId, at: first + 1) } else { try statement.bindNull(at: first + 1) }
        try statement.bind(row.executionId, at: first + 2)
        try statement.bind(row.at, at: first + 3)
        try statement.bind(row.kind, at: first + 4)
        try statement.bind(blob: row.body, at: first + 5)
        try statement.bind(utf8Text: row.summary, at: first + 6)
        try statement.bind(row.actor, at: first + 7)
    }

    /// Whether a journal row may have `recordId`: false is certain (it is above every stored id).
    func mayHaveRecord(_ recordId: RecordID) -> Bool {
        guard let newestRecordId else { return false }
        return recordId <= newestRecordId
    }

    /// Reads the greatest stored record id (through `journal_record`, one index probe).
    mutating func loadNewestRecordId() throws(JournalError) {
        let statement = try connection.prepare(
            "SELECT record_id FROM journal WHERE record_id IS NOT NULL ORDER BY record_id DESC LIMIT 1")
        newestRecordId = try statement.step() ? RecordID(bytes: statement.blob(0)) : nil
    }

    /// New executions not yet inserted (`write` with `deferInsert`), in creation order: ascending ids (a new
    /// execution's id is the seq of the row creating it).
    private var pendingNew: [Execution] = []

    /// Writes an execution: INSERT when `previous` is nil, else UPDATE of the columns that differ from `previous`
    /// (`ExecutionRow.changed`), which must be the execution as it is stored.
    ///
    /// With `deferInsert`, a new execution is inserted by the next `flushExecutions` (at the end of the unit),
    /// many rows to a statement, and a later write of it in the same unit changes what will be inserted; until
    /// then `pendingExecution(_:)` answers for it, and the journal reads executions through it (`Journal.currentExecution`).
    mutating func write(_ execution: Execution, previous: Execution?, deferInsert: Bool = false) throws(JournalError) {
        if tracksOpenKeys { openKeys.update(from: previous, to: execution) }
        leased.written(execution, isNew: previous == nil)
        if previous != nil, !pendingNew.isEmpty, let index = pendingIndex(execution.id) {
            pendingNew[index] = execution  // not inserted yet: its INSERT carries this state
        } else if previous == nil, deferInsert, (pendingNew.last?.id ?? .min) < execution.id {
            pendingNew.append(execution)
        } else if let previous {
            let columns = ExecutionRow.changed(from: previous, to: execution)
            if columns != .none {
                let statement = try connection.cached(executionUpdate: columns)
                try ExecutionRow.bindUpdate(execution, columns: columns, to: statement)
                try statement.run()
            }
        } else {
            let statement = try connection.cached(HotStatement.insertExecution)
            try ExecutionRow.bind(execution, to: statement, first: 1)
            try statement.run()
        }
        if let previous {
            guard previous.status != execution.status || previous.parkReason != execution.parkReason else { return }
            count(previous, by: -1)
        }
        count(execution, by: 1)
    }

    /// The journal rows of execution ?1: its creation row by primary key, the others through `journal_execution`
    /// (partial since version 10: `Schema.executionRows`).
    static let deleteRowsSQL = [
        "DELETE FROM journal WHERE seq = ?1 AND execution_id = seq",
        "DELETE FROM journal WHERE execution_id = ?1 AND execution_id <> seq",
    ]

    /// Deletes an execution and every journal row of it.
    mutating func delete(_ id: ExecutionID, status: ExecutionStatus, parkReason: ParkReason?) throws(JournalError) {
        for sql in Self.deleteRowsSQL {
            let rows = try connection.cached(sql)
            try rows.bind(id, at: 1)
            try rows.run()
        }
        leased.deleted(id)
        if let index = pendingIndex(id) { pendingNew.remove(at: index) }
        let execution = try connection.cached("DELETE FROM executions WHERE id = ?1")
        try execution.bind(id, at: 1)
        try execution.run()
        countDeltas[Self.countKey(status, parkReason), default: 0] -= 1
    }

    /// Counts one failed attempt of `service` with `code` at `at`, for `failure_counts` (written by `flushCounts`).
    mutating func countFailure(at: Timestamp, service: String, code: String) {
        let width = Schema.failureBucketMilliseconds
        let bucket = at.milliseconds - ((at.milliseconds % width) + width) % width
        let key = FailureKey(bucket: bucket, service: service, code: code)
        if latestFailure?.key == key {
            latestFailure?.count += 1
        } else {
            foldLatestFailure()
            latestFailure = (key, 1)
        }
    }

    /// Moves `latestFailure`'s count into `failureDeltas`.
    private mutating func foldLatestFailure() {
        guard let latest = latestFailure else { return }
        failureDeltas[latest.key, default: 0] += latest.count
        latestFailure = nil
    }

    private mutating func count(_ execution: Execution, by delta: Int64) {
        countDeltas[Self.countKey(execution.status, execution.parkReason), default: 0] += delta
    }

    private static func countKey(_ status: ExecutionStatus, _ reason: ParkReason?) -> Int64 {
        Int64(status.rawValue) << 8 | Int64(reason?.rawValue ?? 0)
    }

    /// Writes the collected count changes; call last in the transaction.
    mutating func flushCounts() throws(JournalError) {
        foldLatestFailure()
        defer {
            countDeltas.removeAll(keepingCapacity: true)
            failureDeltas.removeAll(keepingCapacity: true)
        }
        if !failureDeltas.isEmpty {
            let failures = try connection.cached("""
                INSERT INTO failure_counts (bucket, service, code, count) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (bucket, service, code) DO UPDATE SET count = count + excluded.count
                """)
            for (key, delta) in failureDeltas {
                try failures.bind(key.bucket, at: 1)
                try failures.bind(key.service, at: 2)
                try failures.bind(key.code, at: 3)
                try failures.bind(delta, at: 4)
                try failures.run()
            }
        }
        let statement = try connection.cached("""
            INSERT INTO status_counts (status, park_reason, count) VALUES (?1, ?2, ?3)
            ON CONFLICT (status, park_reason) DO UPDATE SET count = count + excluded.count
            """)
        for (key, delta) in countDeltas where delta != 0 {
            try statement.bind(key >> 8, at: 1)
            try statement.bind(key & 0xff, at: 2)
            try statement.bind(delta, at: 3)
            try statement.run()
        }
    }

    /// Forgets the count changes and open-key changes of a transaction that rolled back.
    mutating func discardCounts() {
        countDeltas.removeAll(keepingCapacity: true)
        failureDeltas.removeAll(keepingCapacity: true)
        latestFailure = nil
        openKeys.rollback(to: 0)
        leased.removeAll()
        discardPending()
    }

    /// The transaction committed: its open-key changes stay.
    mutating func committed() { openKeys.commit() }

    /// What a unit's savepoint restores in memory: the count changes so far and the open-key log position.
    struct Savepoint {
        fileprivate let counts: [Int64: Int64]
        fileprivate let failures: [FailureKey: Int64]
        fileprivate let latestFailure: (key: FailureKey, count: Int64)?
        fileprivate let keys: Int
    }

    /// The in-memory state to restore when a unit rolls back to its savepoint.
    var savepoint: Savepoint {
        Savepoint(counts: countDeltas, failures: failureDeltas, latestFailure: latestFailure, keys: openKeys.mark)
    }

    /// Puts back the state taken by `savepoint` (after a rollback to the savepoint).
    mutating func restore(_ saved: Savepoint) {
        countDeltas = saved.counts
        failureDeltas = saved.failures
        latestFailure = saved.latestFailure
        openKeys.rollback(to: saved.keys)
        leased.removeAll()  // what the unit wrote is gone from the table; forgetting the rest is only a few reads
        discardPending()  // a unit's rows are flushed at its end, so what is pending is the unit's own
    }

    /// Forgets the leased executions kept (before the projection is rebuilt).
    mutating func forgetLeased() { leased.removeAll() }

    /// The open executions' ids and key hashes, one status at a time through its partial index (FAILED:
    /// `executions_due`, PREPARED: `executions_lease`, PARKED: `executions_status`), so a start reads the open
    /// entries, not the table: each index ends in `key_hash`, so these are index-only scans. `INDEXED BY` makes a
    /// plan without the index an error instead of a full scan.
    static let openKeyHashesSQL = [
        "SELECT id, key_hash FROM executions INDEXED BY executions_due WHERE status = 1",
        "SELECT id, key_hash FROM executions INDEXED BY executions_lease WHERE status = 2",
        "SELECT id, key_hash FROM executions INDEXED BY executions_status WHERE status IN (4, 5) AND status = 4",
    ]

    /// The number of open executions, from `status_counts`.
    static let openCountSQL = "SELECT coalesce(sum(count), 0) FROM status_counts WHERE \(Schema.isOpen)"

    /// Replaces the open-key map with the open executions of the table.
    mutating func loadOpenKeys() throws(JournalError) {
        openKeys.removeAll()
        openKeys.reserve(Int(try connection.scalarInt(Self.openCountSQL) ?? 0))
        for sql in Self.openKeyHashesSQL {
            let statement = try connection.prepare(sql)
            while try statement.step() { openKeys.load(statement.int64(1), id: statement.int64(0)) }
        }
    }

    /// Persists a service's paused flag.
    func setPaused(service: String, paused: Bool) throws(JournalError) {
        let statement = try connection.cached("""
            INSERT INTO services (name, paused) VALUES (?1, ?2)
            ON CONFLICT (name) DO UPDATE SET paused = excluded.paused
            """)
        try statement.bind(service, at: 1)
        try statement.bind(paused ? 1 : 0, at: 2)
        try statement.run()
    }

    /// A value from the meta table.
    func meta(_ name: String) throws(JournalError) -> Int64? {
        let statement = try connection.cached("SELECT value FROM meta WHERE name = ?1")
        defer { statement.reset() }
        try statement.bind(name, at: 1)
        guard try statement.step() else { return nil }
        return statement.int64(0)
    }

    /// Sets a value in the meta table.
    func setMeta(_ name: String, _ value: Int64) throws(JournalError) {
        let statement = try connection.cached("""
            INSERT INTO meta (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value
            """)
        try statement.bind(name, at: 1)
        try statement.bind(value, at: 2)
        try statement.run()
    }
}
