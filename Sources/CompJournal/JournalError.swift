import CSQLite

/// The one error of the journal: an SQLite failure (or a malformed stored value) with its context.
///
/// Carries the extended result code and `sqlite3_errmsg` captured where the call failed, and the SQL
/// that was running, so a log line alone is enough to see what went wrong.
public struct JournalError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The SQLite extended result code (for example 2067, `SQLITE_CONSTRAINT_UNIQUE`).
    public var code: Int32
    /// `sqlite3_errmsg` at the failure, or the journal's own explanation.
    public var message: String
    /// The statement that failed; empty when none was running.
    public var sql: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: the SQLite extended result code.
    ///   - message: what went wrong.
    ///   - sql: the statement, if any.
    public init(code: Int32, message: String, sql: String = "") {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low 8 bits of the extended code), for example `SQLITE_BUSY`.
    public var primaryCode: Int32 { code & 0xff }

    public var description: String {
        let name = String(cString: sqlite3_errstr(code))
        return sql.isEmpty
            ? "SQLite error \(code) (\(name)): \(message)"
            : "SQLite error \(code) (\(name)): \(message) [\(sql)]"
    }

    /// A stored row that cannot be decoded (bad enum value, malformed body).
    static func corrupt(_ message: String, sql: String = "") -> JournalError {
        JournalError(code: SQLITE_CORRUPT, message: message, sql: sql)
    }

    /// A call the journal refuses (bad options, wrong use).
    static func misuse(_ message: String) -> JournalError {
        JournalError(code: SQLITE_MISUSE, message: message)
    }
}
