/// The notifiers' durable cursors in `DATA/notify.sqlite`: one row per notifier name with the highest
/// journal seq whose notifications are all delivered (`NotifierMachine.durableCursor`). A separate file
/// from the journal, so that writing a cursor never takes the journal's write lock.
///
/// `synchronous=FULL`: a cursor on disk is never ahead of what was delivered, and a restart resends at
/// most what was delivered since the last write (the receiver drops repeats by the idempotency key).
///
/// Not `Sendable`: one thread owns it (the notifier service's reading thread).
public final class CursorStore {
    private let connection: Connection

    /// Opens (creating when missing) the cursor file and its table.
    ///
    /// - Throws: `JournalError` with SQLite's code and message when the file cannot be opened or set up.
    public init(path: String) throws(JournalError) {
        connection = try Connection(path: path, readOnly: false, create: true, busyTimeoutMilliseconds: 5000)
        do {
            try connection.execute("""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                CREATE TABLE IF NOT EXISTS notifier_cursor (
                    name TEXT PRIMARY KEY NOT NULL,
                    seq INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                """)
        } catch {
            connection.close()
            throw error
        }
    }

    /// Every stored cursor, by notifier name.
    ///
    /// - Throws: `JournalError` when the read fails.
    public func cursors() throws(JournalError) -> [String: Int64] {
        let statement = try connection.cached("SELECT name, seq FROM notifier_cursor")
        defer { statement.reset() }
        var result: [String: Int64] = [:]
        while try statement.step() { result[statement.text(0)] = statement.int64(1) }
        return result
    }

    /// Writes the cursors in one transaction.
    ///
    /// - Parameters:
    ///   - cursors: notifier name to seq.
    ///   - at: the time written (milliseconds since the epoch), kept for an operator reading the file.
    /// - Throws: `JournalError` when a write or the commit fails (nothing is written then).
    public func write(_ cursors: [String: Int64], at: Int64) throws(JournalError) {
        guard !cursors.isEmpty else { return }
        try connection.inTransaction { () throws(JournalError) in
            let statement = try connection.cached("""
                INSERT INTO notifier_cursor (name, seq, updated_at) VALUES (?1, ?2, ?3)
                ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
                """)
            for (name, seq) in cursors.sorted(by: { $0.key < $1.key }) {
                try statement.bind(name, at: 1)
                try statement.bind(seq, at: 2)
                try statement.bind(at, at: 3)
                try statement.run()
            }
        }
    }

    /// Closes the file; the store must not be used afterwards.
    public func close() { connection.close() }
}
