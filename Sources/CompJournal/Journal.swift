import CSQLite
import CompModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The single writer of the broker's SQLite journal: appends journal rows and keeps the executions
/// projection in the same transaction, one group commit per `commit` call.
///
/// Not `Sendable`: the broker confines it to one thread. Admin reads go through `JournalReader`
/// on their own connection, so they never wait for (or stall) the writer.
public final class Journal: JournalConnection, BrokerStore {
    let options: JournalOptions
    var store: Store
    /// The seq the next journal row gets. Never reused, even after prune deletes the newest rows.
    var nextSeq: Int64
    /// Services whose dispatch is paused (mirrors the `services` table).
    var paused: Set<String>
    /// The open executions linked to a saga step (forwards and compensations), by id: one lookup per execution
    /// transition, on a map that is empty while no saga is open.
    var sagaLinks: [ExecutionID: SagaLink] = [:]
    /// Whether any saga exists (a stale result then looks for the saga of its fenced forward).
    var hasSagas = false
    /// Where `warmOpenKeys` leaves the slots it read, so that the reads are not optimized away.
    private var warmSink: UInt64 = 0

    /// WAL pages after which a commit checkpoints (SQLite's default is 1000). A group commit of 1000 new
    /// failures writes several hundred pages, so the default checkpoints (copy into the database file and
    /// fsync it) every other commit; 10000 (about 40 MB) measured roughly 1.4x the ingest rate. The WAL file
    /// is truncated back to `journal_size_limit` after each checkpoint.
    static let checkpointPages = 10_000

    /// The shortest retention accepted: the dedupe window.
    public static let minimumRetention = TimeSpan.seconds(24 * 3600)

    /// Opens (creating if missing) the journal file, sets WAL and the sync mode, migrates the schema,
    /// and loads the next sequence number and the paused services.
    ///
    /// - Parameter options: the file, sync mode and retention.
    /// - Throws: `JournalError` when the file or its directory is read-only (SQLITE_READONLY), when the file
    ///   is not a compd journal (SQLITE_NOTADB), when it cannot be opened or migrated, when WAL cannot be enabled,
    ///   or (SQLITE_MISUSE) when `options.retention` is shorter than `minimumRetention` (refused, not clamped,
    ///   so a misconfiguration is seen at start-up rather than as lost dedupe later).
    public init(options: JournalOptions) throws(JournalError) {
        guard options.retention >= Self.minimumRetention else {
            throw .misuse("retention \(options.retention) is shorter than the 24 h dedupe window")
        }
        let directory = URL(fileURLWithPath: options.path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw JournalError(code: SQLITE_CANTOPEN, message: "cannot create \(directory): \(error)")
            }
        }
        try JournalFile.checkWritable(path: options.path)
        let connection = try Connection(
            path: options.path, readOnly: false, create: true, busyTimeoutMilliseconds: 5000, combining: .wal)
        try JournalFile.checkWritable(connection)
        try JournalFile.checkIsJournal(connection)
        let mode = try connection.pragma("journal_mode = WAL")
        guard mode?.lowercased() == "wal" else {
            throw JournalError(code: SQLITE_CANTOPEN, message: "journal_mode is \(mode ?? "nil"), WAL is required")
        }
        try connection.execute("""
            PRAGMA synchronous = \(options.sync == .full && !options.callerSyncsWAL ? "FULL" : "NORMAL");
            PRAGMA cache_size = -\(options.cacheKiB);
            PRAGMA temp_store = MEMORY;
            PRAGMA journal_size_limit = 67108864;
            PRAGMA wal_autocheckpoint = \(Self.checkpointPages);
            """)
        try Schema.migrate(connection)
        var store = Store(connection: connection)
        try store.loadOpenKeys()
        try store.loadNewestRecordId()
        let lastSeq = try connection.scalarInt("SELECT max(seq) FROM journal") ?? 0
        let floor = try store.meta("seq_floor") ?? 0
        self.options = options
        self.store = store
        nextSeq = max(lastSeq, floor) + 1
        paused = try Queries(connection: connection).pausedServices()
        super.init(connection: connection)
        try loadSagaLinks()
    }

    // MARK: Group commit

    /// How many units of one group commit may take the whole transaction down with them before the commit
    /// gives up and throws (a disk that is really full, or failing, fails every unit that needs space).
    static let maxLostUnits = 8

    /// Applies `units` in one transaction, each unit in its own SAVEPOINT (see `BrokerStore.commit`).
    ///
    /// After some errors (SQLITE_FULL, I/O errors) SQLite rolls back the whole transaction, not only the
    /// unit's savepoint; the commit then runs again without that unit (reported `.failed`), so one unit
    /// that needs space does not fail the others. The retry is deterministic: the same units get the same
    /// seqs, ids and jitter.
    /// - Parameters:
    ///   - units: the work, applied in order; later commands see the effects of earlier ones.
    ///   - now: the broker's clock for every command.
    /// - Returns: one outcome per unit and every state change of the applied units, in journal order.
    /// - Throws: `JournalError` when BEGIN, the count update or COMMIT fails, or more than `maxLostUnits`
    ///   units lost the transaction; nothing of the batch happened then, and the journal's in-memory state
    ///   (next seq, paused services, count changes) is restored.
    public func commit(_ units: [[JournalCommand]], now: Timestamp) throws(JournalError) -> GroupCommit {
        guard !units.isEmpty else { return GroupCommit(units: [], changes: [], headSeq: nextSeq - 1) }
        var lost: [Int: JournalError] = [:]
        while true {
            switch try attempt(units, now: now, skipping: lost) {
            case .committed(let group):
                return group
            case .transactionLost(let index, let error):
                guard lost.count < Self.maxLostUnits else { throw error }
                lost[index] = error
            }
        }
    }

    /// How one try of a group commit ended, when it did not throw.
    private enum Attempt {
        case committed(GroupCommit)
        /// SQLite rolled back the whole transaction while unit `index` ran; everything was restored.
        case transactionLost(index: Int, JournalError)
    }

    /// One try of a group commit; the units in `skipping` are reported failed with their error, not run.
    private func attempt(
        _ units: [[JournalCommand]], now: Timestamp, skipping lost: [Int: JournalError]
    ) throws(JournalError) -> Attempt {
        let savedSeq = nextSeq
        let savedPaused = paused
        let savedLinks = sagaLinks
        let savedHasSagas = hasSagas
        func restore() {
            connection.rollback()
            nextSeq = savedSeq
            paused = savedPaused
            sagaLinks = savedLinks
            hasSagas = savedHasSagas
            store.discardCounts()
        }
        do {
            try connection.execute(Connection.TransactionKind.immediate.rawValue)
            var batch = Batch(now: now)
            // About one change a command: reserved, not grown by doubling (a group holds thousands of records).
            batch.changes.reserveCapacity(units.reduce(0) { $0 + $1.count })
            var outcomes: [UnitOutcome] = []
            outcomes.reserveCapacity(units.count)
            warmOpenKeys(units)
            for (index, unit) in units.enumerated() {
                if let error = lost[index] {
                    outcomes.append(.failed(error))
                    continue
                }
                switch try apply(unit: unit, batch: &batch) {
                case .applied(let results): outcomes.append(.applied(results))
                case .failed(let error): outcomes.append(.failed(error))
                case .transactionLost(let error):
                    restore()
                    return .transactionLost(index: index, error)
                }
            }
            try store.flushExecutions()  // each unit flushed its rows already; nothing is left to write here
            try store.flushAppends()
            try store.flushCounts()
            try connection.execute("COMMIT")
            store.committed()
            return .committed(GroupCommit(
                units: outcomes, changes: batch.changes, headSeq: nextSeq - 1, sagaChanges: batch.sagaChanges,
                sagasTouched: batch.sagasTouched))
        } catch {
            restore()
            throw error
        }
    }

    /// Reads the open-key slot of every record's key in the group before any is applied.
    ///
    /// With a million open executions the map is far larger than the caches, so each record's lookup missed
    /// (`OpenKeys.firstCandidate` was 5.6 % of the core thread's cycles in a storm of new failures, for few
    /// instructions). Read one after the other with nothing depending on them, the slots are fetched from
    /// memory many at once; the lookups that follow find them cached.
    private func warmOpenKeys(_ units: [[JournalCommand]]) {
        var sink: UInt64 = 0
        for unit in units.indices {
            for index in units[unit].indices {
                if case .record(let record) = units[unit][index], record.lease == nil {
                    sink &+= store.openKeys.touch(OpenKeys.fold(record.key))
                }
            }
        }
        warmSink = sink
    }

    /// What running one unit did.
    private enum UnitApplication {
        case applied([CommandResult])
        /// Rolled back to its savepoint; the transaction goes on.
        case failed(JournalError)
        /// SQLite rolled back the whole transaction (after SQLITE_FULL, an I/O error and a few others).
        case transactionLost(JournalError)
    }

    /// Applies the commands of one unit inside `SAVEPOINT unit`; a command that throws rolls the unit back
    /// to the savepoint (SQL and in-memory state) and makes the unit `.failed`.
    ///
    /// - Throws: only when the savepoint statements themselves fail.
    private func apply(unit: [JournalCommand], batch: inout Batch) throws(JournalError) -> UnitApplication {
        let unitSeq = nextSeq
        let unitPaused = paused
        let unitLinks = sagaLinks
        let unitHasSagas = hasSagas
        let unitSaved = store.savepoint
        let unitChanges = batch.changes.count
        let unitSagaChanges = batch.sagaChanges.count
        try connection.execute("SAVEPOINT unit")
        do {
            var results: [CommandResult] = []
            results.reserveCapacity(unit.count)
            // By index: `for command in unit` copied every command (a record's strings and arrays retained and
            // released) out of the array. One copy a command is still made for the call (callgrind: about 700
            // instructions a record); iterating the array's buffer or passing a pointer moved it, not removed it.
            for index in unit.indices { results.append(try apply(unit[index], batch: &batch)) }
            try store.flushExecutions()
            try store.flushAppends()
            try connection.execute("RELEASE unit")
            return .applied(results)
        } catch {
            nextSeq = unitSeq
            paused = unitPaused
            sagaLinks = unitLinks
            hasSagas = unitHasSagas
            store.restore(unitSaved)
            batch.changes.removeSubrange(unitChanges...)
            batch.sagaChanges.removeSubrange(unitSagaChanges...)
            guard connection.isInTransaction else { return .transactionLost(error) }
            try connection.execute("ROLLBACK TO unit; RELEASE unit")
            return .failed(error)
        }
    }

    /// Applies `commands` as one unit in one transaction: a convenience for tests and tools.
    ///
    /// - Returns: one result per command, in order, and every state change in journal order.
    /// - Throws: `JournalError` when SQLite fails; nothing of the commands happened then.
    public func commit(_ commands: [JournalCommand], now: Timestamp) throws(JournalError) -> CommitResult {
        guard !commands.isEmpty else { return CommitResult(results: [], changes: []) }
        let group = try commit([commands], now: now)
        switch group.units.first {
        case .applied(let results)?: return CommitResult(results: results, changes: group.changes)
        case .failed(let error)?: throw error
        case nil: return CommitResult(results: [], changes: [])
        }
    }

    /// What one commit collects besides the results.
    struct Batch {
        let now: Timestamp
        var changes: [StateChange] = []
        /// The sagas' status changes, for `SagaEvent`.
        var sagaChanges: [SagaChange] = []
        /// A saga was written (its deadline may have moved).
        var sagasTouched = false
    }

    private func apply(_ command: borrowing JournalCommand, batch: inout Batch) throws(JournalError) -> CommandResult {
        // Only a plain record reads executions through `currentExecution(_:)`, which sees the ones not yet inserted; every
        // other command (and a saga's record) may query the table, so they are inserted first. Matched by `switch` on a
        // `borrowing` command: the `if case` binding this used copied the whole command (a record's strings and arrays
        // retained and released) once per record.
        switch command {
        case .record(let record) where !record.hasSaga:
            return .record(try apply(record, batch: &batch))
        default:
            try store.flushExecutions()
        }
        switch command {
        case .record(let record):  // a saga's
            return .record(try apply(record, batch: &batch))
        case .leaseDue(let service, let holder, let limit, let budget):
            return .leased(try leaseDue(service: service, holder: holder, limit: limit, budget: budget, batch: &batch))
        case .returnLease(let id, let token):
            return .returned(try returnLease(id, token: token, batch: &batch))
        case .expireLeases(let limit):
            return .expired(try expireLeases(limit: limit, batch: &batch))
        case .extendLease(let id, let token, let span):
            return .extended(try extendLease(id, token: token, by: span, batch: &batch))
        case .operate(let id, let input, let actor):
            return .operated(try operate(id, input, actor: actor ?? Journal.unknownActor, batch: &batch))
        case .setPaused(let service, let isPaused, let actor):
            try store.setPaused(service: service, paused: isPaused)
            try journalOnly(.service(service, paused: isPaused), recordId: nil, executionId: Self.serviceRowExecutionId,
                            actor: actor ?? Journal.unknownActor, batch: &batch)
            if isPaused { paused.insert(service) } else { paused.remove(service) }
            return .paused
        case .sagaDeadlines(let limit):
            return .sagaDeadlines(try sagaDeadlines(limit: limit, batch: &batch))
        case .abortSaga(let id, let actor):
            return .sagaAborted(try abortSaga(id, actor: actor ?? Journal.unknownActor, batch: &batch))
        case .declareSaga(let id, let steps, let deadline):
            return .sagaDeclared(try declareSaga(id, steps: steps, deadline: deadline, batch: &batch))
        }
    }

    /// The jitter source of the journal row `seq`: replaying the row reproduces the same schedule.
    func random(for seq: Int64) -> SplitMix64 { SplitMix64(seed: UInt64(bitPattern: seq)) }

    /// Journals one row that changed `execution` (from `previous`, nil when it created it), writes the
    /// projection, and records the state change. Returns the row's seq.
    @discardableResult
    func journal(
        _ body: EntryBody, recordId: RecordID?, execution: Execution, previous: Execution?, actor: String? = nil,
        encodedBody: [UInt8]? = nil, batch: inout Batch
    ) throws(JournalError) -> Int64 {
        let seq = nextSeq
        try store.append(
            seq: seq, recordId: recordId, executionId: execution.id, at: batch.now, body: body,
            encodedBody: encodedBody, summary: Summary.utf8(body, after: execution, seq: seq), actor: actor)
        if let code = body.failedAttemptCode(after: execution) {
            store.countFailure(at: batch.now, service: execution.key.service, code: code)
        }
        // New executions are inserted at the unit's end, many to a statement, unless sagas exist (their code
        // reads executions back with SQL).
        try store.write(execution, previous: previous, deferInsert: !hasSagas)
        nextSeq += 1
        batch.changes.append(StateChange(seq: seq, at: batch.now, kind: body.kind.name, execution: execution, actor: actor))
        if !sagaLinks.isEmpty {
            try sagaExecutionRow(seq: seq, execution: execution, previous: previous, actor: actor, batch: &batch)
        }
        return seq
    }

    /// Journals a row that changes no execution (a stale result, a pause or resume).
    func journalOnly(
        _ body: EntryBody, recordId: RecordID?, executionId: ExecutionID, actor: String? = nil, batch: inout Batch
    ) throws(JournalError) {
        let seq = nextSeq
        try store.append(
            seq: seq, recordId: recordId, executionId: executionId, at: batch.now, body: body,
            summary: Summary.utf8(body, after: nil, seq: seq), actor: actor)
        nextSeq += 1
        if !sagaLinks.isEmpty { try sagaRowOnly(seq: seq, executionId: executionId) }
    }

    /// The `execution_id` of rows that belong to no execution (pause and resume): no execution has id 0, since
    /// an execution's id is the seq of the row that created it and seqs start at 1.
    public static let serviceRowExecutionId: ExecutionID = 0

    /// The actor stored when an operator action names none (a client older than `ActionRequest.actor`).
    public static let unknownActor = "unknown"

    /// The services whose dispatch is paused (from memory; no query).
    public func pausedServices() -> Set<String> { paused }

    /// The highest journal seq assigned so far (0 for an empty journal).
    public var headSeq: Int64 { nextSeq - 1 }


}
