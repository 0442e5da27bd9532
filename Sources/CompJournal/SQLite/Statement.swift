import CSQLite
import CompModel

/// One prepared statement: bind by 1-based index, step, read columns by 0-based index.
///
/// Finalizes in `deinit`. Every bind and step result is checked; a failure throws `JournalError`
/// with the connection's message and this statement's SQL.
final class Statement {
    let handle: OpaquePointer
    let sql: String
    private let database: OpaquePointer
    /// Whether `reset()` also clears the bindings. False for the hot statements, whose callers bind every
    /// parameter on each use: `sqlite3_clear_bindings` walks all parameters (29 for an execution INSERT) and
    /// was about 4.5 % of a group commit's instructions in callgrind.
    private let clearsBindings: Bool

    init(connection: Connection, sql: String, persistent: Bool, clearsBindings: Bool = true) throws(JournalError) {
        var pointer: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, flags, &pointer, nil)
        guard rc == SQLITE_OK, let prepared = pointer else {
            throw connection.error(rc == SQLITE_OK ? SQLITE_MISUSE : rc, sql: sql)
        }
        handle = prepared
        database = connection.handle
        self.sql = sql
        self.clearsBindings = clearsBindings
    }

    deinit { sqlite3_finalize(handle) }

    private func failure(_ code: Int32) -> JournalError {
        JournalError(code: code, message: String(cString: sqlite3_errmsg(database)), sql: sql)
    }

    /// Makes the statement ready to run again and clears its bindings (unless made with `clearsBindings`
    /// false, whose callers rebind every parameter).
    ///
    /// `sqlite3_reset` repeats the code of a failed last step, which was already thrown from `step()`,
    /// and `sqlite3_clear_bindings` always succeeds, so neither result is inspected here.
    func reset() {
        sqlite3_reset(handle)
        if clearsBindings { sqlite3_clear_bindings(handle) }
    }

    // MARK: Binding

    private func check(_ rc: Int32) throws(JournalError) {
        guard rc == SQLITE_OK else { throw failure(rc) }
    }

    /// Binds an integer.
    func bind(_ value: Int64, at index: Int32) throws(JournalError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    /// Binds an integer.
    func bind(_ value: Int, at index: Int32) throws(JournalError) {
        try check(sqlite3_bind_int64(handle, index, Int64(value)))
    }

    /// Binds an integer or NULL.
    func bind(_ value: Int64?, at index: Int32) throws(JournalError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds text (copied) by its UTF-8 byte count, so a NUL byte inside is stored, not an end.
    func bind(_ value: String, at index: Int32) throws(JournalError) {
        var text = value
        let rc = text.withUTF8 { bytes -> Int32 in
            guard bytes.count <= Int(Int32.max) else { return SQLITE_TOOBIG }
            guard let base = bytes.baseAddress else {
                return sqlite3_bind_text(handle, index, "", 0, comp_sqlite_transient())
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { pointer in
                sqlite3_bind_text(handle, index, pointer, Int32(bytes.count), comp_sqlite_transient())
            }
        }
        try check(rc)
    }

    /// Binds text or NULL.
    func bind(_ value: String?, at index: Int32) throws(JournalError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds a blob (copied); an empty array binds an empty blob, not NULL.
    func bind(blob value: [UInt8], at index: Int32) throws(JournalError) {
        if value.isEmpty { return try check(sqlite3_bind_zeroblob(handle, index, 0)) }
        guard value.count <= Int(Int32.max) else { throw failure(SQLITE_TOOBIG) }
        let rc = value.withUnsafeBytes { buffer in
            sqlite3_bind_blob(handle, index, buffer.baseAddress, Int32(buffer.count), comp_sqlite_transient())
        }
        try check(rc)
    }

    /// Binds a record id as its 16 big-endian bytes (copied), without building an array.
    func bind(_ id: RecordID, at index: Int32) throws(JournalError) {
        var raw = (id.high.bigEndian, id.low.bigEndian)
        let rc = withUnsafeBytes(of: &raw) { buffer in
            sqlite3_bind_blob(handle, index, buffer.baseAddress, Int32(buffer.count), comp_sqlite_transient())
        }
        try check(rc)
    }

    /// Binds NULL.
    func bindNull(at index: Int32) throws(JournalError) {
        try check(sqlite3_bind_null(handle, index))
    }

    // MARK: Running

    /// Steps once: true when a row is ready, false when done.
    ///
    /// - Throws: `JournalError` for any other result (busy, constraint, I/O).
    @discardableResult
    func step() throws(JournalError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw failure(rc)
        }
    }

    /// Runs the statement to completion (for INSERT, UPDATE, DELETE) and resets it.
    func run() throws(JournalError) {
        defer { reset() }
        while try step() {}
    }

    // MARK: Columns

    /// `ExecutionRow`'s map of this statement's columns by name, computed once per statement, then reused
    /// for every row. Typed, not `Any`: a dynamic cast per row showed in the profile.
    var rowLayout: ExecutionRow.Layout?

    /// `ExecutionRow`'s map of this statement's named parameters, computed once per statement.
    var rowParameters: ExecutionRow.Parameters?

    /// The index of every result column by name (`sqlite3_column_name`).
    func columnIndices() -> [String: Int32] {
        var result: [String: Int32] = [:]
        for column in 0..<sqlite3_column_count(handle) {
            guard let name = sqlite3_column_name(handle, column) else { continue }
            result[String(cString: name)] = column
        }
        return result
    }

    /// The index of the named parameter `name` (for example `:status`), or 0 when the SQL has none.
    func parameterIndex(_ name: String) -> Int32 { sqlite3_bind_parameter_index(handle, name) }

    /// Whether the column is NULL.
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// The column as an integer (0 for NULL).
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    /// The column as an integer, nil for NULL.
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    /// The column as text ("" for NULL), read by its byte count (`sqlite3_column_bytes`), so a NUL byte
    /// inside is kept.
    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The column as text, nil for NULL.
    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// The column as bytes (empty for NULL).
    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
