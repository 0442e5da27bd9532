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
    /// Where a hot statement's text and blob values are copied for binding (`SQLITE_STATIC`), so a bind is a
    /// memcpy into memory this statement owns instead of a malloc, copy and free inside SQLite (text binds
    /// were about 8 % of a group commit's instructions). Emptied by `reset()`, which comes before every use;
    /// every parameter is bound again before the next step, so no binding points at bytes overwritten since.
    /// A value that does not fit is bound `SQLITE_TRANSIENT` (copied by SQLite) as before.
    private let arena: UnsafeMutableRawBufferPointer?
    private var arenaUsed = 0

    /// The arena's size: an execution row's texts and payload, or a journal row's body, of ordinary size.
    static let arenaBytes = 32 * 1024

    /// The VALUES list of `rows` rows of `width` positional parameters each: row r's are ?(r·width+1) to
    /// ?(r·width+width), for a multi-row INSERT bound by position.
    static func valuesList(rows: Int, width: Int) -> String {
        (0..<rows).map { row in
            "(" + (1...width).map { "?\(row * width + $0)" }.joined(separator: ", ") + ")"
        }.joined(separator: ", ")
    }

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
        arena = clearsBindings
            ? nil : UnsafeMutableRawBufferPointer.allocate(byteCount: Self.arenaBytes, alignment: 16)
    }

    deinit {
        sqlite3_finalize(handle)
        arena?.deallocate()
    }

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
        arenaUsed = 0
    }

    /// Copies `bytes` into the arena and returns where, or nil when there is no arena or no room.
    private func stage(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawPointer? {
        guard let arena, let source = bytes.baseAddress, let base = arena.baseAddress,
            bytes.count <= arena.count - arenaUsed
        else { return nil }
        let destination = base + arenaUsed
        destination.copyMemory(from: source, byteCount: bytes.count)
        arenaUsed += bytes.count
        return UnsafeRawPointer(destination)
    }

    /// Binds text bytes: staged in the arena when they fit, else copied by SQLite.
    private func bindText(_ bytes: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        guard bytes.count <= Int(Int32.max) else { return SQLITE_TOOBIG }
        guard let start = bytes.baseAddress, !bytes.isEmpty else {
            return sqlite3_bind_text(handle, index, "", 0, comp_sqlite_transient())
        }
        if let staged = stage(bytes) {
            return sqlite3_bind_text(
                handle, index, staged.assumingMemoryBound(to: CChar.self), Int32(bytes.count), comp_sqlite_static())
        }
        return sqlite3_bind_text(
            handle, index, start.assumingMemoryBound(to: CChar.self), Int32(bytes.count), comp_sqlite_transient())
    }

    /// Binds blob bytes (non-empty): staged in the arena when they fit, else copied by SQLite.
    private func bindBlob(_ bytes: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        guard bytes.count <= Int(Int32.max) else { return SQLITE_TOOBIG }
        if let staged = stage(bytes) {
            return sqlite3_bind_blob(handle, index, staged, Int32(bytes.count), comp_sqlite_static())
        }
        return sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), comp_sqlite_transient())
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
        let rc = text.withUTF8 { bytes in bindText(UnsafeRawBufferPointer(bytes), at: index) }
        try check(rc)
    }

    /// Binds text given as its UTF-8 bytes (copied; the caller vouches they are valid UTF-8).
    func bind(utf8Text bytes: [UInt8], at index: Int32) throws(JournalError) {
        let rc = bytes.withUnsafeBytes { buffer in bindText(buffer, at: index) }
        try check(rc)
    }

    /// Binds text or NULL.
    func bind(_ value: String?, at index: Int32) throws(JournalError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds a blob (copied); an empty array binds an empty blob, not NULL.
    func bind(blob value: [UInt8], at index: Int32) throws(JournalError) {
        if value.isEmpty { return try check(sqlite3_bind_zeroblob(handle, index, 0)) }
        let rc = value.withUnsafeBytes { buffer in bindBlob(buffer, at: index) }
        try check(rc)
    }

    /// Binds a record id as its 16 big-endian bytes (copied), without building an array.
    func bind(_ id: RecordID, at index: Int32) throws(JournalError) {
        var raw = (id.high.bigEndian, id.low.bigEndian)
        let rc = withUnsafeBytes(of: &raw) { buffer in bindBlob(buffer, at: index) }
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

    /// The index of every result column by name (`sqlite3_column_name`).
    func columnIndices() -> [String: Int32] {
        var result: [String: Int32] = [:]
        for column in 0..<sqlite3_column_count(handle) {
            guard let name = sqlite3_column_name(handle, column) else { continue }
            result[String(cString: name)] = column
        }
        return result
    }

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
