import CSQLite

/// One sqlite3 connection: opens in `init`, closes in `deinit`, caches prepared statements by SQL.
///
/// Not `Sendable`: a connection belongs to one owner (the journal's writer thread, or one reader).
final class Connection {
    /// How a transaction takes its locks.
    enum TransactionKind: String {
        /// Takes the write lock at once, so the transaction cannot fail later with SQLITE_BUSY on upgrade.
        case immediate = "BEGIN IMMEDIATE"
        /// Takes locks when first needed (right for read-only transactions).
        case deferred = "BEGIN DEFERRED"
    }

    /// The sqlite3 handle.
    let handle: OpaquePointer
    /// The database file.
    let path: String
    private var cache: [String: Statement] = [:]
    /// The statements of the hot path, by `HotStatement` number (no hashing of the SQL text).
    private var hot: [Statement?] = Array(repeating: nil, count: HotStatement.allCases.count)
    /// The UPDATEs of an execution's changed columns, by column set (a handful of sets occur: one per kind of
    /// transition); the SQL text is built once per set, not per write.
    private var executionUpdates: [UInt32: Statement] = [:]
    private var isClosed = false
    /// Process-wide SQLite settings, applied once before the first open.
    private static let configureOnce: Void = { _ = comp_sqlite_disable_memstatus() }()
    /// Which writes a connection combines (the write-combining VFSes of the CSQLite shim, `comp_wal_register`).
    enum CombinedWrites {
        /// Its WAL's (`comp-wal`): the journal's writer, whose COMMIT writes thousands of frames a second. A
        /// transaction's frames reach the file in one `pwrite` (or a few) instead of two per frame, before the
        /// commit is published.
        case wal
        /// Its database file's (`comp-ckpt`): the checkpointer, which copies the WAL's pages into it one `pwrite`
        /// a page, in ascending order, mostly contiguous.
        case database
    }

    /// The write-combining VFSes, registered once: true when SQLite took them (else the default VFS is used, as
    /// before they existed).
    private static let combiningRegistered: Bool = comp_wal_register(Int32(combiningBufferBytes)) == SQLITE_OK
    /// The write-combining buffer of a file: two of the largest writes the default VFS takes (`comp_wal_max_write`,
    /// 124 KiB), so a full buffer goes out in two `pwrite` calls; a bigger one saves few calls (a group commit of
    /// 2,000 new failures writes about 2 MB of frames: 17 calls either way) and costs resident memory.
    static let combiningBufferBytes = 2 * 0x1f000

    /// Opens (and with `create`, creates) the database file.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - readOnly: open with `SQLITE_OPEN_READONLY` instead of read-write.
    ///   - create: create the file when missing (ignored when read-only).
    ///   - busyTimeoutMilliseconds: how long a call waits for another connection's lock.
    ///   - combining: which of the connection's writes go through a write-combining VFS (`CombinedWrites`); nil
    ///     for none.
    /// - Throws: `JournalError` when the file cannot be opened.
    ///
    /// The first connection of the process first turns SQLite's memory statistics off (nothing reads them; with
    /// them on, every allocation SQLite makes takes one process-wide mutex).
    init(
        path: String, readOnly: Bool, create: Bool, busyTimeoutMilliseconds: Int32, combining: CombinedWrites? = nil
    ) throws(JournalError) {
        Self.configureOnce
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        if readOnly {
            flags |= SQLITE_OPEN_READONLY
        } else {
            flags |= SQLITE_OPEN_READWRITE
            if create { flags |= SQLITE_OPEN_CREATE }
        }
        var pointer: OpaquePointer?
        let vfs: UnsafePointer<CChar>? = switch combining {
        case .wal?: Self.combiningRegistered ? comp_wal_vfs_name() : nil
        case .database?: Self.combiningRegistered ? comp_ckpt_vfs_name() : nil
        case nil: nil
        }
        let rc = sqlite3_open_v2(path, &pointer, flags, vfs)
        guard rc == SQLITE_OK, let opened = pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            if let pointer { sqlite3_close_v2(pointer) }
            throw JournalError(code: rc, message: "\(message) (\(path))")
        }
        handle = opened
        self.path = path
        // Extended codes in every result, not only from sqlite3_extended_errcode.
        let extended = sqlite3_extended_result_codes(opened, 1)
        let busy = sqlite3_busy_timeout(opened, busyTimeoutMilliseconds)
        guard extended == SQLITE_OK, busy == SQLITE_OK else {
            let error = JournalError(
                code: extended == SQLITE_OK ? busy : extended, message: String(cString: sqlite3_errmsg(opened)))
            sqlite3_close_v2(opened)
            throw error
        }
    }

    deinit { close() }

    /// Closes the connection (the last one to close checkpoints the WAL and removes it). Later calls
    /// do nothing; the connection must not be used afterwards.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        // Statements finalize in their own deinit; close_v2 defers the close until the last one is gone.
        cache.removeAll()
        hot = []
        executionUpdates.removeAll()
        sqlite3_close_v2(handle)
    }

    /// The error for a failed call on this connection, with `sqlite3_errmsg` captured now.
    func error(_ code: Int32, sql: String) -> JournalError {
        JournalError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
            .withFallback(code: code)
    }

    /// Runs one or more statements that return no rows (schema, pragmas, BEGIN/COMMIT).
    ///
    /// - Throws: `JournalError` with the failing SQL.
    func execute(_ sql: String) throws(JournalError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, sql: sql) }
    }

    /// A prepared statement for `sql`, reused across calls (reset and unbound).
    ///
    /// - Throws: `JournalError` when the SQL does not compile.
    func cached(_ sql: String) throws(JournalError) -> Statement {
        if let statement = cache[sql] {
            statement.reset()
            return statement
        }
        let statement = try Statement(connection: self, sql: sql, persistent: true)
        cache[sql] = statement
        return statement
    }

    /// The prepared statement of a hot-path query, reused across calls (reset and unbound).
    ///
    /// - Throws: `JournalError` when the SQL does not compile, or the connection is closed.
    func cached(_ statement: HotStatement) throws(JournalError) -> Statement {
        guard statement.rawValue < hot.count else { throw .misuse("the connection to \(path) is closed") }
        if let prepared = hot[statement.rawValue] {
            prepared.reset()
            return prepared
        }
        // Every caller of a hot statement binds each of its parameters on each use.
        let prepared = try Statement(connection: self, sql: statement.sql, persistent: true, clearsBindings: false)
        hot[statement.rawValue] = prepared
        return prepared
    }

    /// The UPDATE of an execution's `columns` (`ExecutionRow.updateSQL(_:)`), reused across calls (reset).
    ///
    /// - Throws: `JournalError` when the SQL does not compile, or the connection is closed.
    func cached(executionUpdate columns: ExecutionRow.Columns) throws(JournalError) -> Statement {
        if let prepared = executionUpdates[columns.bits] {
            prepared.reset()
            return prepared
        }
        guard !hot.isEmpty else { throw .misuse("the connection to \(path) is closed") }
        // The caller binds each parameter on each use (`ExecutionRow.bindUpdate`).
        let prepared = try Statement(
            connection: self, sql: ExecutionRow.updateSQL(columns), persistent: true, clearsBindings: false)
        executionUpdates[columns.bits] = prepared
        return prepared
    }

    /// A one-off prepared statement (finalized when released).
    func prepare(_ sql: String) throws(JournalError) -> Statement {
        try Statement(connection: self, sql: sql, persistent: false)
    }

    /// The first column of the first row of `sql` as an integer, or nil when there is no row or it is NULL.
    func scalarInt(_ sql: String) throws(JournalError) -> Int64? {
        let statement = try cached(sql)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.optionalInt64(0)
    }

    /// Whether a transaction is open on this connection.
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// - Parameters:
    ///   - kind: `.immediate` for writes (the default), `.deferred` for consistent reads.
    ///   - body: the work.
    /// - Returns: what `body` returns.
    /// - Throws: the error of `body`, BEGIN or COMMIT (after rolling back).
    func inTransaction<T>(
        _ kind: TransactionKind = .immediate, _ body: () throws(JournalError) -> T
    ) throws(JournalError) -> T {
        try execute(kind.rawValue)
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            rollback()
            throw error
        }
    }

    /// Rolls back the open transaction, if SQLite has not already done so.
    ///
    /// A failed ROLLBACK leaves nothing to do: SQLite then has already ended the transaction,
    /// which `isInTransaction` confirms; that is the only result code ignored here, on purpose.
    func rollback() {
        guard isInTransaction else { return }
        if sqlite3_exec(handle, "ROLLBACK", nil, nil, nil) != SQLITE_OK, isInTransaction {
            // Cannot happen after a plain statement error; close would roll back in the worst case.
            assertionFailure("ROLLBACK failed: \(String(cString: sqlite3_errmsg(handle)))")
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// A pragma's value as text (for example `journal_mode`).
    func pragma(_ name: String) throws(JournalError) -> String? {
        let statement = try prepare("PRAGMA \(name)")
        guard try statement.step() else { return nil }
        return statement.optionalText(0)
    }
}

extension JournalError {
    /// Keeps the call's own code when sqlite3_extended_errcode no longer reports it.
    fileprivate func withFallback(code fallback: Int32) -> JournalError {
        if code == SQLITE_OK || (code & 0xff) != (fallback & 0xff) {
            var copy = self
            copy.code = fallback
            return copy
        }
        return self
    }
}
