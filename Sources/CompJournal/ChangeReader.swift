import CompModel

/// One journal row as a follower of the journal (a notifier) sees it: what it did, to what, and who asked.
public struct JournalChange: Sendable, Equatable {
    /// The row's seq.
    public var seq: Int64
    /// When the row was committed (the broker's clock).
    public var at: Timestamp
    /// The history kind (`failure`, `failure-result`, `success`, `success-result`, `timeout`, `leased`, `extended`,
    /// `returned`, `retry`, `apply-spec`, `mark`, `change-function`, `park`, `discard`, `paused`, `resumed`);
    /// never `stale` (a stale result changes nothing, and is left out).
    public var kind: String
    /// Who asked, for operator actions and pause/resume (`compctl:alice`, `http:ops`, `unknown`); nil otherwise.
    public var actor: String?
    /// What changed.
    public var subject: Subject

    /// What a row changed.
    public enum Subject: Sendable, Equatable {
        /// An execution: as it was before the row (nil when the row created it) and after. Both carry an
        /// empty payload.
        case execution(previous: Execution?, current: Execution)
        /// A service's dispatch was paused or resumed.
        case service(name: String, paused: Bool)
    }

    public init(seq: Int64, at: Timestamp, kind: String, actor: String?, subject: Subject) {
        self.seq = seq
        self.at = at
        self.kind = kind
        self.actor = actor
        self.subject = subject
    }
}

/// What one read of the journal returned.
public struct ChangeBatch: Sendable, Equatable {
    /// The changes, in seq order.
    public var changes: [JournalChange]
    /// The highest seq this read covered (at least every change's seq, and the `after` it was given): the
    /// `after` of the next read.
    public var lastSeq: Int64
    /// Rows between the read's `after` and `lastSeq` that were gone: pruned before they were read (the reader
    /// fell behind by more than the retention).
    public var prunedRows: Int64

    public init(changes: [JournalChange], lastSeq: Int64, prunedRows: Int64) {
        self.changes = changes
        self.lastSeq = lastSeq
        self.prunedRows = prunedRows
    }
}

/// Follows the journal: reads the rows after a seq and replays each through the model, so a follower
/// learns every execution's state before and after each row without reading the executions table (which
/// holds only the latest state). Replay is exact for the same reasons `Journal.rebuildProjection` is: ids,
/// tokens and jitter are derived from the rows.
///
/// An execution's state is cached after each row; one that is not cached (the first row of it this reader
/// sees is not its creation) is replayed from its own rows (`Schema.executionRows`). Each
/// read runs in one read transaction, so it sees a consistent snapshot and never blocks the writer.
/// Not `Sendable`: one thread owns a reader.
public final class ChangeReader {
    private let connection: Connection
    private var cache: [ExecutionID: Cached] = [:]
    private let cacheLimit: Int
    /// The cached ids in the order they were first cached (a ring once full): the oldest is evicted first.
    private var order: [ExecutionID] = []
    /// Where the oldest id is in `order` once it is full.
    private var oldest = 0

    private struct Cached {
        var seq: Int64
        var execution: Execution
    }

    /// Opens the journal file read-only; the writer (`Journal`) must have created and migrated it.
    ///
    /// - Parameters:
    ///   - path: the journal file.
    ///   - cacheLimit: the most execution states kept between reads.
    /// - Throws: `JournalError` when the file cannot be opened or is not a migrated journal.
    public init(path: String, cacheLimit: Int = 8192) throws(JournalError) {
        connection = try Connection(path: path, readOnly: true, create: false, busyTimeoutMilliseconds: 5000)
        try connection.execute("PRAGMA query_only = ON; PRAGMA cache_size = -2048;")
        let version = try connection.scalarInt("PRAGMA user_version") ?? 0
        guard version == Schema.latestVersion else {
            throw .misuse("\(path) has journal schema version \(version), expected \(Schema.latestVersion)")
        }
        self.cacheLimit = max(1, cacheLimit)
    }

    /// Closes the connection; the reader must not be used afterwards.
    public func close() { connection.close() }

    /// The highest seq in the journal; 0 when it is empty.
    public func headSeq() throws(JournalError) -> Int64 {
        try connection.scalarInt("SELECT max(seq) FROM journal") ?? 0
    }

    /// The changes of at most `limit` rows after `seq`, in seq order.
    ///
    /// - Throws: `JournalError` when SQLite fails, or (SQLITE_CORRUPT) when a row cannot be decoded or
    ///   replayed.
    public func changes(after seq: Int64, limit: Int) throws(JournalError) -> ChangeBatch {
        try connection.inTransaction(.deferred) { () throws(JournalError) -> ChangeBatch in
            let rows = try connection.cached(
                "SELECT seq, execution_id, at, kind, body, actor FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            defer { rows.reset() }
            try rows.bind(seq, at: 1)
            try rows.bind(max(1, limit), at: 2)
            var batch = ChangeBatch(changes: [], lastSeq: seq, prunedRows: 0)
            while try rows.step() {
                let row = Row(
                    seq: rows.int64(0), executionId: rows.int64(1), at: Timestamp(milliseconds: rows.int64(2)),
                    kind: rows.int64(3), body: rows.blob(4), actor: rows.optionalText(5))
                batch.prunedRows += row.seq - batch.lastSeq - 1
                batch.lastSeq = row.seq
                if let change = try change(row) { batch.changes.append(change) }
            }
            return batch
        }
    }

    private struct Row {
        var seq: Int64
        var executionId: ExecutionID
        var at: Timestamp
        var kind: Int64
        var body: [UInt8]
        var actor: String?
    }

    private func change(_ row: Row) throws(JournalError) -> JournalChange? {
        guard let kind = EntryKind(rawValue: row.kind) else { throw .corrupt("journal row \(row.seq): unknown kind \(row.kind)") }
        let body = try EntryBody(kind: kind, bytes: row.body)
        switch body {
        case .stale, .saga(.step), .saga(.status):
            return nil
        case .service(let service, let paused):
            return JournalChange(seq: row.seq, at: row.at, kind: kind.name, actor: row.actor,
                                 subject: .service(name: service, paused: paused))
        default:
            let previous = try state(of: row.executionId, before: row.seq)
            let current = try Self.replay(body, kind: kind, seq: row.seq, at: row.at, on: previous,
                                          executionId: row.executionId)
            remember(current, seq: row.seq)
            return JournalChange(seq: row.seq, at: row.at, kind: kind.name, actor: row.actor,
                                 subject: .execution(previous: previous, current: current))
        }
    }

    /// The execution after `body` applied to `previous` (nil only for a creating failure or a `started` row).
    private static func replay(
        _ body: EntryBody, kind: EntryKind, seq: Int64, at: Timestamp, on previous: Execution?, executionId: ExecutionID
    ) throws(JournalError) -> Execution {
        var random = SplitMix64(seed: UInt64(bitPattern: seq))
        if var created = body.createdExecution(seq: seq, at: at) {
            created.payload = []  // followers do not carry payloads
            return created
        }
        guard let input = body.input(seq: seq) else {
            throw .corrupt("journal row \(seq) (\(kind.name)) changes no execution")
        }
        guard var next = previous else {
            throw .corrupt("journal row \(seq) (\(kind.name)) names execution \(executionId), which no earlier row created")
        }
        do {
            try next.apply(input, now: at, random: &random)
        } catch {
            throw .corrupt("journal row \(seq) (\(kind.name)) does not replay on execution \(executionId): \(error)")
        }
        return next
    }

    /// The rows of execution ?1 before seq ?2, oldest first.
    static let earlierRowsSQL = Schema.executionRows("seq, at, kind, body", of: "(?1)", and: "seq < ?2")

    /// The execution `id` as it was before row `seq`: from the cache, or replayed from its rows; nil when
    /// it has no earlier row (row `seq` creates it).
    private func state(of id: ExecutionID, before seq: Int64) throws(JournalError) -> Execution? {
        // An execution's id is the seq of its first row: row `seq` creates it, and there is nothing to look up
        // (a storm's every new failure; the query found no row, at the cost of a statement run per row).
        guard id != seq else { return nil }
        if let cached = cache[id], cached.seq < seq { return cached.execution }
        let rows = try connection.cached(Self.earlierRowsSQL)
        defer { rows.reset() }
        try rows.bind(id, at: 1)
        try rows.bind(seq, at: 2)
        var execution: Execution?
        while try rows.step() {
            let rowSeq = rows.int64(0)
            guard let kind = EntryKind(rawValue: rows.int64(2)) else {
                throw .corrupt("journal row \(rowSeq): unknown kind \(rows.int64(2))")
            }
            let body = try EntryBody(kind: kind, bytes: rows.blob(3))
            switch body {
            case .stale, .saga(.step), .saga(.status): continue
            default: break
            }
            execution = try Self.replay(body, kind: kind, seq: rowSeq, at: Timestamp(milliseconds: rows.int64(1)),
                                        on: execution, executionId: id)
        }
        return execution
    }

    /// Caches the state of an execution after row `seq`; when full, the state cached first goes.
    ///
    /// Evicting `cache.startIndex` (any entry, as this did before) took the entries of the lowest buckets each time,
    /// so the rest crowded into the upper buckets and every lookup probed a long run of them: in a mixed storm
    /// with a notifier, the dictionary lookups were some 9 % of compd's CPU and ingest ran at 0.83x of a compd
    /// without the notifier. The oldest first keeps the entries where their hashes put them.
    private func remember(_ execution: Execution, seq: Int64) {
        if let index = cache.index(forKey: execution.id) {
            // A read from an earlier seq (another follower's position) must not replace a later state.
            guard cache.values[index].seq < seq else { return }
            cache.values[index] = Cached(seq: seq, execution: execution)
            return
        }
        if order.count < cacheLimit {
            order.append(execution.id)
        } else {
            // A state not cached is replayed from its rows when it is needed again.
            cache.removeValue(forKey: order[oldest])
            order[oldest] = execution.id
            oldest = (oldest + 1) % cacheLimit
        }
        cache[execution.id] = Cached(seq: seq, execution: execution)
    }

    /// The executions whose state is cached.
    var cachedIds: Set<ExecutionID> { Set(cache.keys) }
}
