import CSQLite
import CompJournal

/// The notifiers' durable cursors in `DATA/notify.sqlite`: one row per notifier name with the highest
/// journal seq whose notifications are all delivered (`NotifierMachine.durableCursor`). A separate file
/// from the journal, so that writing a cursor never takes the journal's write lock.
///
/// `synchronous=FULL`: a cursor on disk is never ahead of what was delivered, and a restart resends at
/// most what was delivered since the last write (the receiver drops repeats by the idempotency key).
///
/// Not `Sendable`: one thread owns it (the notifier service's reading thread).
final class CursorStore {
    private let handle: OpaquePointer
    private let path: String

    /// Opens (creating when missing) the cursor file and its table.
    ///
    /// - Throws: `JournalError` with SQLite's code and message when the file cannot be opened or set up.
    init(path: String) throws(JournalError) {
        var pointer: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &pointer, flags, nil)
        guard rc == SQLITE_OK, let opened = pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let pointer { sqlite3_close_v2(pointer) }
            throw JournalError(code: rc, message: "\(message) (\(path))")
        }
        handle = opened
        self.path = path
        guard sqlite3_busy_timeout(opened, 5000) == SQLITE_OK else {
            let error = JournalError(code: sqlite3_extended_errcode(opened), message: String(cString: sqlite3_errmsg(opened)))
            sqlite3_close_v2(opened)
            throw error
        }
        do throws(JournalError) {
            try execute("PRAGMA journal_mode=WAL")
            try execute("PRAGMA synchronous=FULL")
            try execute("""
                CREATE TABLE IF NOT EXISTS notifier_cursor (
                    name TEXT PRIMARY KEY NOT NULL,
                    seq INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT
                """)
        } catch {
            sqlite3_close_v2(opened)
            throw error
        }
    }

    deinit { sqlite3_close_v2(handle) }

    /// Every stored cursor, by notifier name.
    ///
    /// - Throws: `JournalError` when the read fails.
    func cursors() throws(JournalError) -> [String: Int64] {
        let sql = "SELECT name, seq FROM notifier_cursor"
        let statement = try prepare(sql)
        defer { sqlite3_finalize(statement) }
        var result: [String: Int64] = [:]
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw failure(rc, sql: sql) }
            guard let text = sqlite3_column_text(statement, 0) else {
                throw JournalError(code: SQLITE_CORRUPT, message: "a notifier cursor without a name", sql: sql)
            }
            result[String(cString: text)] = sqlite3_column_int64(statement, 1)
        }
        return result
    }

    /// Writes the cursors in one transaction.
    ///
    /// - Parameters:
    ///   - cursors: notifier name to seq.
    ///   - at: the time written (milliseconds since the epoch), kept for an operator reading the file.
    /// - Throws: `JournalError` when a write or the commit fails (nothing is written then).
    func write(_ cursors: [String: Int64], at: Int64) throws(JournalError) {
        guard !cursors.isEmpty else { return }
        let sql = """
            INSERT INTO notifier_cursor (name, seq, updated_at) VALUES (?1, ?2, ?3)
            ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
            """
        try execute("BEGIN IMMEDIATE")
        do throws(JournalError) {
            let statement = try prepare(sql)
            defer { sqlite3_finalize(statement) }
            for (name, seq) in cursors.sorted(by: { $0.key < $1.key }) {
                sqlite3_reset(statement)
                guard sqlite3_bind_text(statement, 1, name, -1, comp_sqlite_transient()) == SQLITE_OK,
                      sqlite3_bind_int64(statement, 2, seq) == SQLITE_OK,
                      sqlite3_bind_int64(statement, 3, at) == SQLITE_OK
                else { throw failure(sqlite3_extended_errcode(handle), sql: sql) }
                let rc = sqlite3_step(statement)
                guard rc == SQLITE_DONE else { throw failure(rc, sql: sql) }
            }
            try execute("COMMIT")
        } catch {
            if sqlite3_get_autocommit(handle) == 0 { sqlite3_exec(handle, "ROLLBACK", nil, nil, nil) }
            throw error
        }
    }

    private func prepare(_ sql: String) throws(JournalError) -> OpaquePointer {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw failure(rc == SQLITE_OK ? SQLITE_MISUSE : rc, sql: sql) }
        return statement
    }

    private func execute(_ sql: String) throws(JournalError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw failure(rc, sql: sql) }
    }

    private func failure(_ code: Int32, sql: String) -> JournalError {
        JournalError(code: code, message: "\(String(cString: sqlite3_errmsg(handle))) (\(path))", sql: sql)
    }
}
