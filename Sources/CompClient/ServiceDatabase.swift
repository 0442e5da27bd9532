import CSQLite

/// Why a call on a service's database failed: SQLite's extended result code, its message, and the SQL.
public struct ServiceDatabaseError: Error, Equatable, CustomStringConvertible {
    /// SQLite's (extended) result code.
    public var code: Int32
    /// `sqlite3_errmsg` at the failure, or what went wrong.
    public var message: String
    /// The statement that failed, when one did.
    public var sql: String?

    public var description: String {
        "sqlite error \(code): \(message)\(sql.map { " (in: \($0))" } ?? "")"
    }
}

/// A value bound to or read from a statement.
public enum SQLValue: Sendable, Hashable {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    /// The integer, or nil.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The text, or nil.
    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }
}

/// A service's own SQLite database (WAL, `synchronous=FULL`), the home of its business tables and of its
/// `SagaBarrier` rows: one connection, statements checked at every return code, transactions that roll back
/// on a throw.
///
/// Not `Sendable`: a connection belongs to one thread (open one per thread; WAL lets them share the file).
public final class ServiceDatabase {
    private let handle: OpaquePointer
    /// The database file.
    public let path: String

    /// Opens (creating when missing) the database file in WAL mode with a busy timeout.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - busyTimeoutMilliseconds: how long a statement waits for another connection's lock.
    /// - Throws: `ServiceDatabaseError` when the file cannot be opened or set up.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 10_000) throws(ServiceDatabaseError) {
        var pointer: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &pointer, flags, nil)
        guard rc == SQLITE_OK, let opened = pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let pointer { sqlite3_close_v2(pointer) }
            throw ServiceDatabaseError(code: rc, message: "\(message) (\(path))")
        }
        handle = opened
        self.path = path
        let busy = sqlite3_busy_timeout(opened, busyTimeoutMilliseconds)
        guard busy == SQLITE_OK else {
            let error = ServiceDatabaseError(code: busy, message: String(cString: sqlite3_errmsg(opened)))
            sqlite3_close_v2(opened)
            throw error
        }
        try execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs statements that take no parameters and return no rows (schema, pragmas).
    ///
    /// - Throws: `ServiceDatabaseError` with the SQL.
    public func execute(_ sql: String) throws(ServiceDatabaseError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        guard rc == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw ServiceDatabaseError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// Runs one statement with `values` bound to `?1`, `?2`, ...; returns how many rows it changed.
    ///
    /// - Throws: `ServiceDatabaseError` with the SQL.
    @discardableResult
    public func run(_ sql: String, _ values: SQLValue...) throws(ServiceDatabaseError) -> Int {
        try withStatement(sql, values) { statement throws(ServiceDatabaseError) in
            while try step(statement, sql) {}
            return Int(sqlite3_changes(handle))
        }
    }

    /// Runs one query with `values` bound; returns every row, each as its columns in order.
    ///
    /// - Throws: `ServiceDatabaseError` with the SQL.
    public func query(_ sql: String, _ values: SQLValue...) throws(ServiceDatabaseError) -> [[SQLValue]] {
        try withStatement(sql, values) { statement throws(ServiceDatabaseError) in
            var rows: [[SQLValue]] = []
            while try step(statement, sql) {
                rows.append((0..<sqlite3_column_count(statement)).map { column(statement, $0) })
            }
            return rows
        }
    }

    /// Whether a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in one transaction (`BEGIN IMMEDIATE`: the write lock at once), committed when it returns
    /// and rolled back when it throws.
    ///
    /// - Throws: what `body` threw (after the rollback), or `ServiceDatabaseError` from BEGIN or COMMIT.
    public func transaction<T>(_ body: (ServiceDatabase) throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        let value: T
        do {
            value = try body(self)
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
        do {
            try execute("COMMIT")
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
        return value
    }

    // MARK: Statements

    private func withStatement<T>(
        _ sql: String, _ values: [SQLValue], _ body: (OpaquePointer) throws(ServiceDatabaseError) -> T
    ) throws(ServiceDatabaseError) -> T {
        var pointer: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &pointer, nil)
        guard rc == SQLITE_OK, let statement = pointer else { throw failure(rc, sql) }
        defer { sqlite3_finalize(statement) }
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let bound: Int32 = switch value {
            case .integer(let number): sqlite3_bind_int64(statement, position, number)
            case .text(let text): sqlite3_bind_text(statement, position, text, -1, comp_sqlite_transient())
            case .blob(let bytes):
                bytes.withUnsafeBytes {
                    sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), comp_sqlite_transient())
                }
            case .null: sqlite3_bind_null(statement, position)
            }
            guard bound == SQLITE_OK else { throw failure(bound, sql) }
        }
        return try body(statement)
    }

    /// One step: true when a row is ready, false when done.
    private func step(_ statement: OpaquePointer, _ sql: String) throws(ServiceDatabaseError) -> Bool {
        let rc = sqlite3_step(statement)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw failure(rc, sql)
        }
    }

    private func column(_ statement: OpaquePointer, _ index: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_NULL: return .null
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard count > 0, let bytes = sqlite3_column_blob(statement, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            guard let text = sqlite3_column_text(statement, index) else { return .text("") }
            return .text(String(cString: text))
        }
    }

    private func failure(_ rc: Int32, _ sql: String) -> ServiceDatabaseError {
        let code = sqlite3_extended_errcode(handle)
        return ServiceDatabaseError(code: code == SQLITE_OK ? rc : code, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}
