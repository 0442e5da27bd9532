/// The statements every record runs, named by number so `Connection.cached(_:)` finds them in an array
/// instead of hashing their SQL text (the text of an execution INSERT is some 600 bytes; hashing it for
/// each of several statements per record was about 4 % of a group commit's instructions in callgrind).
enum HotStatement: Int, CaseIterable {
    case appendEntry, insertExecution, recordLookup, executionById
    /// Journal rows and new executions 8 and 32 at a time (`Store.flushAppends`, `Store.flushExecutions`).
    case appendEntries8, appendEntries32, insertExecutions8, insertExecutions32
    /// New executions as a failure creates them (`ExecutionRow.isFresh`), 1, 8 and 32 at a time.
    case insertFreshExecution, insertFreshExecutions8, insertFreshExecutions32

    /// The statement's SQL.
    var sql: String {
        switch self {
        case .appendEntry: Store.appendSQL(rows: 1)
        case .insertExecution: ExecutionRow.insertSQL(rows: 1)
        case .recordLookup: Queries.recordSQL
        case .executionById: Queries.executionSQL
        case .appendEntries8: Store.appendSQL(rows: 8)
        case .appendEntries32: Store.appendSQL(rows: 32)
        case .insertExecutions8: ExecutionRow.insertSQL(rows: 8)
        case .insertExecutions32: ExecutionRow.insertSQL(rows: 32)
        case .insertFreshExecution: ExecutionRow.freshInsertSQL(rows: 1)
        case .insertFreshExecutions8: ExecutionRow.freshInsertSQL(rows: 8)
        case .insertFreshExecutions32: ExecutionRow.freshInsertSQL(rows: 32)
        }
    }
}
