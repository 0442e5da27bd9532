import CompModel
import Foundation
import Testing

@testable import CompJournal

/// A fresh journal file in its own temp folder, deleted with the fixture.
final class TestJournal {
    let folder: String
    let path: String
    var journal: Journal
    var random = SplitMix64(seed: 42)
    /// The test's clock: starts at a fixed time, moved by hand.
    var now = Timestamp(milliseconds: 1_700_000_000_000)

    /// Retries: 3; backoff 10 s doubling to 100 s; lease 30 s; no jitter, so times are exact.
    static let spec = RetrySpec(
        maxRetries: 3, minBackoff: .seconds(10), maxBackoff: .seconds(100), executionTimeout: .seconds(30),
        jitterPermille: 0)

    /// Makes COMMIT fail for any transaction that inserted an execution with `eventId`: a trigger violates a
    /// deferred foreign key, which SQLite checks only at COMMIT.
    func failCommits(whenEventId eventId: String) throws {
        try journal.connection.execute("""
            PRAGMA foreign_keys = ON;
            CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TEMP TABLE child (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
            CREATE TEMP TRIGGER late AFTER INSERT ON main.executions WHEN NEW.event_id = '\(eventId)'
            BEGIN INSERT INTO child VALUES (42); END;
            """)
    }
    init(sync: SyncMode = .full, retention: TimeSpan = .seconds(7 * 24 * 3600)) throws {
        folder = NSTemporaryDirectory() + "compjournal-" + UUID().uuidString
        path = folder + "/journal.db"
        journal = try Journal(options: JournalOptions(path: path, sync: sync, retention: retention))
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    /// Closes and opens the file again.
    func reopen(retention: TimeSpan = .seconds(7 * 24 * 3600)) throws {
        journal = try Journal(options: JournalOptions(path: path, retention: retention))
    }

    func advance(seconds: Int64) { now = now.adding(.seconds(seconds)) }

    func newRecordId() -> RecordID { RecordID.timeOrdered(at: now, using: &random) }

    func key(_ event: String, service: String = "orders", function: String = "ship") -> ExecutionKey {
        ExecutionKey(service: service, processor: "main", function: function, eventId: event)
    }

    func failure(
        _ event: String, service: String = "orders", function: String = "ship", code: String = "DB_DOWN",
        recoverable: Recoverability = .unknown, correlation: String = "", id: RecordID? = nil,
        spec: RetrySpec = TestJournal.spec, lease: (ExecutionID, UInt64)? = nil
    ) -> IncomingRecord {
        IncomingRecord(
            id: id ?? newRecordId(), kind: .failure, key: key(event, service: service, function: function),
            correlationId: correlation,
            failure: FailureReport(
                error: ErrorInfo(code: code, message: "connection refused"), recoverable: recoverable, occurredAt: now),
            spec: spec, payload: Array("payload-\(event)".utf8),
            lease: lease.map { (executionId: $0.0, token: $0.1) })
    }

    func success(
        _ event: String, service: String = "orders", function: String = "ship", id: RecordID? = nil,
        lease: (ExecutionID, UInt64)? = nil
    ) -> IncomingRecord {
        IncomingRecord(
            id: id ?? newRecordId(), kind: .success, key: key(event, service: service, function: function),
            lease: lease.map { (executionId: $0.0, token: $0.1) })
    }

    func started(
        _ event: String, service: String = "orders", function: String = "ship", correlation: String = "",
        id: RecordID? = nil, spec: RetrySpec = TestJournal.spec
    ) -> IncomingRecord {
        IncomingRecord(
            id: id ?? newRecordId(), kind: .started, key: key(event, service: service, function: function),
            correlationId: correlation, spec: spec, payload: Array("payload-\(event)".utf8), occurredAt: now)
    }

    @discardableResult
    func commit(_ commands: [JournalCommand]) throws -> CommitResult { try journal.commit(commands, now: now) }

    /// Commits records and returns their results.
    func records(_ records: [IncomingRecord]) throws -> [RecordResult] {
        try commit(records.map { .record($0) }).results.map { result in
            guard case .record(let value) = result else { return .rejected(.unknownExecution) }
            return value
        }
    }

    /// Commits one record and returns the execution id it was accepted for.
    func create(_ record: IncomingRecord) throws -> ExecutionID {
        let results = try records([record])
        guard case .accepted(let id)? = results.first else {
            throw JournalError(code: 1, message: "not accepted: \(results)")
        }
        return id
    }

    func lease(service: String = "orders", holder: String = "node-1", limit: Int = 10) throws -> [Execution] {
        guard case .leased(let executions)? = try commit([.leaseDue(service: service, holder: holder, limit: limit)])
            .results.first
        else { return [] }
        return executions
    }

    func operate(_ id: ExecutionID, _ input: ExecutionInput) throws -> Result<Execution, JournalRejection> {
        guard case .operated(let result)? = try commit([.operate(id, input)]).results.first else {
            return .failure(.unknownExecution)
        }
        return result
    }

    func execution(_ id: ExecutionID) throws -> Execution {
        try #require(try journal.execution(id))
    }

    /// Every execution, by id.
    func allExecutions() throws -> [Execution] {
        var result: [Execution] = []
        var cursor: ExecutionID?
        repeat {
            let page = try journal.list(filter: ExecutionFilter(), before: cursor, limit: 500)
            result += page.executions
            cursor = page.nextCursor
        } while cursor != nil
        return result.sorted { $0.id < $1.id }
    }
}
