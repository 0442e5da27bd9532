import CSQLite
import CompModel

/// How an `Execution` maps to a row of the `executions` table, in one place.
///
/// Rows are read by column name, each name resolved to its index once per prepared statement (`Layout`), so no
/// SELECT depends on positions. They are written by position: the INSERT binds every column in `Column` order,
/// an UPDATE only the columns that changed (`changed(from:to:)`), numbered in the same order.
enum ExecutionRow {
    /// Every column of the table; the raw value orders the SELECT list and the positional parameters of
    /// `insertSQL(rows:)` and `updateSQL(_:)`.
    enum Column: Int, CaseIterable {
        case id, service, processor, function, eventId, keyHash, correlationId, status, parkReason
        case recoverable, markedByOperator, retries, maxRetries, minBackoff, maxBackoff
        case executionTimeout, jitter, deadline, nextRetryAt, leaseToken, leaseHolder
        case leaseGrantedAt, leaseUntil, errorCode, errorMessage, errorDetail, payload, createdAt
        case updatedAt, returns

        /// The column's name in the table.
        var name: String {
            switch self {
            case .id: "id"
            case .service: "service"
            case .processor: "processor"
            case .function: "function"
            case .eventId: "event_id"
            case .keyHash: "key_hash"
            case .correlationId: "correlation_id"
            case .status: "status"
            case .parkReason: "park_reason"
            case .recoverable: "recoverable"
            case .markedByOperator: "marked_by_operator"
            case .retries: "retries"
            case .maxRetries: "max_retries"
            case .minBackoff: "min_backoff_ms"
            case .maxBackoff: "max_backoff_ms"
            case .executionTimeout: "execution_timeout_ms"
            case .jitter: "jitter_permille"
            case .deadline: "deadline"
            case .nextRetryAt: "next_retry_at"
            case .leaseToken: "lease_token"
            case .leaseHolder: "lease_holder"
            case .leaseGrantedAt: "lease_granted_at"
            case .leaseUntil: "lease_until"
            case .errorCode: "error_code"
            case .errorMessage: "error_message"
            case .errorDetail: "error_detail"
            case .payload: "payload"
            case .createdAt: "created_at"
            case .updatedAt: "updated_at"
            case .returns: "returns"
            }
        }
    }

    /// Every column, made once: `allCases` builds a new array on each call, which showed per bind in callgrind.
    static let allColumns = Column.allCases

    /// Every column name, in `Column` order.
    static let names = Column.allCases.map(\.name)

    /// Every column, for SELECT lists.
    static let columns = names.joined(separator: ", ")

    /// The INSERT of `rows` new executions by position: row r's columns, in `Column` order, are parameters
    /// r·n+1 to r·n+n (n columns).
    static func insertSQL(rows: Int) -> String {
        "INSERT INTO executions (\(columns)) VALUES " + Statement.valuesList(rows: rows, width: names.count)
    }

    /// The columns a fresh execution has at their constant values (`isFresh`), and those values as SQL.
    static let freshConstants: [Column: String] = [
        .parkReason: "NULL", .markedByOperator: "0", .retries: "0", .leaseToken: "NULL", .leaseHolder: "NULL",
        .leaseGrantedAt: "NULL", .leaseUntil: "NULL", .returns: "0",
    ]

    /// The columns a fresh execution's INSERT binds, in `Column` order: every column but `freshConstants`.
    static let freshBound = Column.allCases.filter { freshConstants[$0] == nil }

    /// Whether `execution` is as a failure creates it: not parked, not marked, no retries, no lease, no returns.
    /// Such a row is inserted by `freshInsertSQL`, which spells those eight columns as constants: a storm of new
    /// failures binds 22 values a row instead of 30.
    static func isFresh(_ execution: Execution) -> Bool {
        execution.parkReason == nil && !execution.markedByOperator && execution.retries == 0
            && execution.lease == nil && execution.returns == 0
    }

    /// The INSERT of `rows` fresh executions: row r's bound columns, in `freshBound` order, are parameters
    /// r·n+1 to r·n+n (n = `freshBound.count`); the other columns are `freshConstants`.
    static func freshInsertSQL(rows: Int) -> String {
        let width = freshBound.count
        let values = (0..<rows).map { row in
            var position = 0
            let items = Column.allCases.map { column -> String in
                if let constant = freshConstants[column] { return constant }
                position += 1
                return "?\(row * width + position)"
            }
            return "(" + items.joined(separator: ", ") + ")"
        }
        return "INSERT INTO executions (\(columns)) VALUES " + values.joined(separator: ", ")
    }

    /// Binds a fresh execution's `freshBound` columns by position, from parameter `first` on (`freshInsertSQL`).
    /// Straight-line, as `bind(_:to:first:)`.
    static func bindFresh(_ execution: Execution, to statement: Statement, first: Int32) throws(JournalError) {
        let spec = execution.spec
        try statement.bind(execution.id, at: first)
        try statement.bind(execution.key.service, at: first + 1)
        try statement.bind(execution.key.processor, at: first + 2)
        try statement.bind(execution.key.function, at: first + 3)
        try statement.bind(execution.key.eventId, at: first + 4)
        try statement.bind(execution.key.stableHash, at: first + 5)
        try statement.bind(execution.correlationId, at: first + 6)
        try statement.bind(Int64(execution.status.rawValue), at: first + 7)
        try statement.bind(Int64(execution.recoverable.rawValue), at: first + 8)
        try statement.bind(spec.maxRetries, at: first + 9)
        try statement.bind(spec.minBackoff.milliseconds, at: first + 10)
        try statement.bind(spec.maxBackoff.milliseconds, at: first + 11)
        try statement.bind(spec.executionTimeout.milliseconds, at: first + 12)
        try statement.bind(spec.jitterPermille, at: first + 13)
        try statement.bind(spec.deadline?.milliseconds, at: first + 14)
        try statement.bind(execution.nextRetryAt?.milliseconds, at: first + 15)
        try statement.bind(execution.lastError.code, at: first + 16)
        try statement.bind(execution.lastError.message, at: first + 17)
        try statement.bind(execution.lastError.detail, at: first + 18)
        try statement.bind(blob: execution.payload, at: first + 19)
        try statement.bind(execution.createdAt.milliseconds, at: first + 20)
        try statement.bind(execution.updatedAt.milliseconds, at: first + 21)
    }

    /// A set of columns, one bit per `Column` raw value.
    struct Columns: Equatable {
        var bits: UInt32

        static let none = Columns(bits: 0)

        func contains(_ column: Column) -> Bool { bits & (1 << UInt32(column.rawValue)) != 0 }

        mutating func insert(_ column: Column) { bits |= 1 << UInt32(column.rawValue) }

        /// The columns in `Column` order.
        var members: [Column] { ExecutionRow.allColumns.filter(contains) }
    }

    /// The columns whose values differ between two states of one execution (never `id`).
    ///
    /// An UPDATE names only these (`updateSQL(_:)`): SQLite then leaves alone every index whose columns and
    /// predicate did not change (a lease extension moves no entry of `executions_due`), and fewer values are bound.
    static func changed(from old: Execution, to new: Execution) -> Columns {
        var columns = Columns.none
        func mark(_ column: Column, _ differs: Bool) { if differs { columns.insert(column) } }
        if old.key != new.key {
            mark(.service, old.key.service != new.key.service)
            mark(.processor, old.key.processor != new.key.processor)
            mark(.function, old.key.function != new.key.function)
            mark(.eventId, old.key.eventId != new.key.eventId)
            mark(.keyHash, old.key.stableHash != new.key.stableHash)
        }
        mark(.correlationId, old.correlationId != new.correlationId)
        mark(.status, old.status != new.status)
        mark(.parkReason, old.parkReason != new.parkReason)
        mark(.recoverable, old.recoverable != new.recoverable)
        mark(.markedByOperator, old.markedByOperator != new.markedByOperator)
        mark(.retries, old.retries != new.retries)
        if old.spec != new.spec {
            mark(.maxRetries, old.spec.maxRetries != new.spec.maxRetries)
            mark(.minBackoff, old.spec.minBackoff != new.spec.minBackoff)
            mark(.maxBackoff, old.spec.maxBackoff != new.spec.maxBackoff)
            mark(.executionTimeout, old.spec.executionTimeout != new.spec.executionTimeout)
            mark(.jitter, old.spec.jitterPermille != new.spec.jitterPermille)
            mark(.deadline, old.spec.deadline != new.spec.deadline)
        }
        mark(.nextRetryAt, old.nextRetryAt != new.nextRetryAt)
        if old.lease != new.lease {
            mark(.leaseToken, old.lease?.token != new.lease?.token)
            mark(.leaseHolder, old.lease?.holder != new.lease?.holder)
            mark(.leaseGrantedAt, old.lease?.grantedAt != new.lease?.grantedAt)
            mark(.leaseUntil, old.lease?.until != new.lease?.until)
        }
        if old.lastError != new.lastError {
            mark(.errorCode, old.lastError.code != new.lastError.code)
            mark(.errorMessage, old.lastError.message != new.lastError.message)
            mark(.errorDetail, old.lastError.detail != new.lastError.detail)
        }
        mark(.payload, old.payload != new.payload)
        mark(.createdAt, old.createdAt != new.createdAt)
        mark(.updatedAt, old.updatedAt != new.updatedAt)
        mark(.returns, old.returns != new.returns)
        return columns
    }

    /// The UPDATE of `columns` by position (parameters 1 to n in `Column` order), the id last (n + 1).
    static func updateSQL(_ columns: Columns) -> String {
        let members = columns.members
        return "UPDATE executions SET "
            + members.enumerated().map { "\($1.name) = ?\($0 + 1)" }.joined(separator: ", ")
            + " WHERE id = ?\(members.count + 1)"
    }

    /// Binds `columns` of `execution` and its id as `updateSQL(columns)` numbers them.
    static func bindUpdate(_ execution: Execution, columns: Columns, to statement: Statement) throws(JournalError) {
        var remaining = columns.bits
        var index: Int32 = 1
        while remaining != 0 {
            try bind(allColumns[remaining.trailingZeroBitCount], of: execution, to: statement, at: index)
            remaining &= remaining - 1
            index += 1
        }
        try statement.bind(execution.id, at: index)
    }

    /// Binds every column by position, from parameter `first` on in `Column` order (`insertSQL(rows:)`).
    ///
    /// Straight-line, one bind a column, though `bind(_:of:to:at:)` maps the same columns: a loop over the columns
    /// calling it cost 1.1k more instructions per new failure (callgrind, cg.sh 1.0: 45,425 vs 44,341 on the core).
    /// `ExecutionRowTests.bindByPosition` pins the column count and reads every field back.
    static func bind(_ execution: Execution, to statement: Statement, first: Int32) throws(JournalError) {
        let at = { (column: Column) in first + Int32(column.rawValue) }
        let spec = execution.spec
        try statement.bind(execution.id, at: at(.id))
        try statement.bind(execution.key.service, at: at(.service))
        try statement.bind(execution.key.processor, at: at(.processor))
        try statement.bind(execution.key.function, at: at(.function))
        try statement.bind(execution.key.eventId, at: at(.eventId))
        try statement.bind(execution.key.stableHash, at: at(.keyHash))
        try statement.bind(execution.correlationId, at: at(.correlationId))
        try statement.bind(Int64(execution.status.rawValue), at: at(.status))
        try statement.bind(execution.parkReason.map { Int64($0.rawValue) }, at: at(.parkReason))
        try statement.bind(Int64(execution.recoverable.rawValue), at: at(.recoverable))
        try statement.bind(execution.markedByOperator ? 1 : 0, at: at(.markedByOperator))
        try statement.bind(execution.retries, at: at(.retries))
        try statement.bind(spec.maxRetries, at: at(.maxRetries))
        try statement.bind(spec.minBackoff.milliseconds, at: at(.minBackoff))
        try statement.bind(spec.maxBackoff.milliseconds, at: at(.maxBackoff))
        try statement.bind(spec.executionTimeout.milliseconds, at: at(.executionTimeout))
        try statement.bind(spec.jitterPermille, at: at(.jitter))
        try statement.bind(spec.deadline?.milliseconds, at: at(.deadline))
        try statement.bind(execution.nextRetryAt?.milliseconds, at: at(.nextRetryAt))
        if let lease = execution.lease {
            try statement.bind(Int64(bitPattern: lease.token), at: at(.leaseToken))
            try statement.bind(lease.holder, at: at(.leaseHolder))
            try statement.bind(lease.grantedAt.milliseconds, at: at(.leaseGrantedAt))
            try statement.bind(lease.until.milliseconds, at: at(.leaseUntil))
        } else {
            try statement.bindNull(at: at(.leaseToken))
            try statement.bindNull(at: at(.leaseHolder))
            try statement.bindNull(at: at(.leaseGrantedAt))
            try statement.bindNull(at: at(.leaseUntil))
        }
        try statement.bind(execution.lastError.code, at: at(.errorCode))
        try statement.bind(execution.lastError.message, at: at(.errorMessage))
        try statement.bind(execution.lastError.detail, at: at(.errorDetail))
        try statement.bind(blob: execution.payload, at: at(.payload))
        try statement.bind(execution.createdAt.milliseconds, at: at(.createdAt))
        try statement.bind(execution.updatedAt.milliseconds, at: at(.updatedAt))
        try statement.bind(execution.returns, at: at(.returns))
    }

    private static func bind(
        _ column: Column, of execution: Execution, to statement: Statement, at index: Int32
    ) throws(JournalError) {
        switch column {
        case .id: try statement.bind(execution.id, at: index)
        case .service: try statement.bind(execution.key.service, at: index)
        case .processor: try statement.bind(execution.key.processor, at: index)
        case .function: try statement.bind(execution.key.function, at: index)
        case .eventId: try statement.bind(execution.key.eventId, at: index)
        case .keyHash: try statement.bind(execution.key.stableHash, at: index)
        case .correlationId: try statement.bind(execution.correlationId, at: index)
        case .status: try statement.bind(Int64(execution.status.rawValue), at: index)
        case .parkReason: try statement.bind(execution.parkReason.map { Int64($0.rawValue) }, at: index)
        case .recoverable: try statement.bind(Int64(execution.recoverable.rawValue), at: index)
        case .markedByOperator: try statement.bind(execution.markedByOperator ? 1 : 0, at: index)
        case .retries: try statement.bind(execution.retries, at: index)
        case .maxRetries: try statement.bind(execution.spec.maxRetries, at: index)
        case .minBackoff: try statement.bind(execution.spec.minBackoff.milliseconds, at: index)
        case .maxBackoff: try statement.bind(execution.spec.maxBackoff.milliseconds, at: index)
        case .executionTimeout: try statement.bind(execution.spec.executionTimeout.milliseconds, at: index)
        case .jitter: try statement.bind(execution.spec.jitterPermille, at: index)
        case .deadline: try statement.bind(execution.spec.deadline?.milliseconds, at: index)
        case .nextRetryAt: try statement.bind(execution.nextRetryAt?.milliseconds, at: index)
        case .leaseToken: try statement.bind(execution.lease.map { Int64(bitPattern: $0.token) }, at: index)
        case .leaseHolder: try statement.bind(execution.lease?.holder, at: index)
        case .leaseGrantedAt: try statement.bind(execution.lease?.grantedAt.milliseconds, at: index)
        case .leaseUntil: try statement.bind(execution.lease?.until.milliseconds, at: index)
        case .errorCode: try statement.bind(execution.lastError.code, at: index)
        case .errorMessage: try statement.bind(execution.lastError.message, at: index)
        case .errorDetail: try statement.bind(execution.lastError.detail, at: index)
        case .payload: try statement.bind(blob: execution.payload, at: index)
        case .createdAt: try statement.bind(execution.createdAt.milliseconds, at: index)
        case .updatedAt: try statement.bind(execution.updatedAt.milliseconds, at: index)
        case .returns: try statement.bind(execution.returns, at: index)
        }
    }

    /// Where each column is in one SELECT's result, by name, resolved once per statement.
    struct Layout {
        let id, service, processor, function, eventId, correlationId, status, parkReason, recoverable: Int32
        let markedByOperator, retries, maxRetries, minBackoff, maxBackoff, executionTimeout, jitter: Int32
        let deadline, nextRetryAt, leaseToken, leaseHolder, leaseGrantedAt, leaseUntil: Int32
        let errorCode, errorMessage, errorDetail, payload, createdAt, updatedAt, returns: Int32

        /// - Throws: `JournalError` (SQLITE_MISUSE) when the statement lacks a column.
        init(_ statement: Statement) throws(JournalError) {
            let columns = statement.columnIndices()
            func at(_ name: String) throws(JournalError) -> Int32 {
                guard let index = columns[name] else {
                    throw JournalError(code: SQLITE_MISUSE, message: "the query has no column \(name)", sql: statement.sql)
                }
                return index
            }
            id = try at("id")
            service = try at("service")
            processor = try at("processor")
            function = try at("function")
            eventId = try at("event_id")
            correlationId = try at("correlation_id")
            status = try at("status")
            parkReason = try at("park_reason")
            recoverable = try at("recoverable")
            markedByOperator = try at("marked_by_operator")
            retries = try at("retries")
            maxRetries = try at("max_retries")
            minBackoff = try at("min_backoff_ms")
            maxBackoff = try at("max_backoff_ms")
            executionTimeout = try at("execution_timeout_ms")
            jitter = try at("jitter_permille")
            deadline = try at("deadline")
            nextRetryAt = try at("next_retry_at")
            leaseToken = try at("lease_token")
            leaseHolder = try at("lease_holder")
            leaseGrantedAt = try at("lease_granted_at")
            leaseUntil = try at("lease_until")
            errorCode = try at("error_code")
            errorMessage = try at("error_message")
            errorDetail = try at("error_detail")
            payload = try at("payload")
            createdAt = try at("created_at")
            updatedAt = try at("updated_at")
            returns = try at("returns")
        }

        static func of(_ statement: Statement) throws(JournalError) -> Layout {
            if let cached = statement.rowLayout { return cached }
            let layout = try Layout(statement)
            statement.rowLayout = layout
            return layout
        }
    }

    /// Reads an execution from the current row of a statement that selects every column (by name).
    ///
    /// - Throws: `JournalError` (SQLITE_CORRUPT) for an enum value this build does not know.
    static func decode(_ statement: Statement) throws(JournalError) -> Execution {
        let c = try Layout.of(statement)
        let id = statement.int64(c.id)
        guard let status = ExecutionStatus(rawValue: UInt8(truncatingIfNeeded: statement.int64(c.status))) else {
            throw .corrupt("execution \(id): unknown status \(statement.int64(c.status))", sql: statement.sql)
        }
        var parkReason: ParkReason?
        if let raw = statement.optionalInt64(c.parkReason) {
            guard let reason = ParkReason(rawValue: UInt8(truncatingIfNeeded: raw)) else {
                throw .corrupt("execution \(id): unknown park reason \(raw)", sql: statement.sql)
            }
            parkReason = reason
        }
        guard let recoverable = Recoverability(rawValue: UInt8(truncatingIfNeeded: statement.int64(c.recoverable))) else {
            throw .corrupt("execution \(id): unknown recoverability", sql: statement.sql)
        }
        let spec = RetrySpec(
            maxRetries: Int(statement.int64(c.maxRetries)), minBackoff: .milliseconds(statement.int64(c.minBackoff)),
            maxBackoff: .milliseconds(statement.int64(c.maxBackoff)),
            executionTimeout: .milliseconds(statement.int64(c.executionTimeout)),
            jitterPermille: Int(statement.int64(c.jitter)),
            deadline: statement.optionalInt64(c.deadline).map { Timestamp(milliseconds: $0) })
        var lease: Lease?
        if let token = statement.optionalInt64(c.leaseToken) {
            lease = Lease(
                token: UInt64(bitPattern: token), holder: statement.text(c.leaseHolder),
                grantedAt: Timestamp(milliseconds: statement.int64(c.leaseGrantedAt)),
                until: Timestamp(milliseconds: statement.int64(c.leaseUntil)))
        }
        return Execution(
            id: id,
            key: ExecutionKey(
                service: statement.text(c.service), processor: statement.text(c.processor),
                function: statement.text(c.function), eventId: statement.text(c.eventId)),
            correlationId: statement.text(c.correlationId), status: status, parkReason: parkReason,
            recoverable: recoverable, markedByOperator: statement.int64(c.markedByOperator) != 0,
            retries: Int(statement.int64(c.retries)), spec: spec,
            nextRetryAt: statement.optionalInt64(c.nextRetryAt).map { Timestamp(milliseconds: $0) }, lease: lease,
            lastError: ErrorInfo(
                code: statement.text(c.errorCode), message: statement.text(c.errorMessage),
                detail: statement.text(c.errorDetail)),
            payload: statement.blob(c.payload), createdAt: Timestamp(milliseconds: statement.int64(c.createdAt)),
            updatedAt: Timestamp(milliseconds: statement.int64(c.updatedAt)), returns: Int(statement.int64(c.returns)))
    }
}
