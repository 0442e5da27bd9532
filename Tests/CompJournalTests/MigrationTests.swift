import CompModel
import Foundation
import Testing

@testable import CompJournal

struct MigrationTests {
    /// Writes a journal file as schema version 2 left it, with one FAILED and one SUCCEEDED execution.
    private func versionTwoJournal(at path: String, open: ExecutionKey, finished: ExecutionKey) throws {
        let old = try Connection(path: path, readOnly: false, create: true, busyTimeoutMilliseconds: 100)
        defer { old.close() }
        try old.execute(Schema.migrations[0].sql)
        try old.execute(Schema.migrations[1].sql)
        try old.execute("PRAGMA user_version = 2")
        for (id, key, status) in [(1, open, 1), (2, finished, 3)] {
            try old.execute("""
                INSERT INTO executions (id, service, processor, function, event_id, key_hash, correlation_id, status, \
                recoverable, marked_by_operator, retries, max_retries, min_backoff_ms, max_backoff_ms, \
                execution_timeout_ms, jitter_permille, next_retry_at, error_code, error_message, error_detail, payload, \
                created_at, updated_at) VALUES (\(id), '\(key.service)', '\(key.processor)', '\(key.function)', \
                '\(key.eventId)', \(key.stableHash), 'c-1', \(status), 0, 0, 0, 3, 1000, 10000, 5000, 0, 5, \
                'E', 'm', '', x'', 1, 1);
                INSERT INTO status_counts (status, park_reason, count) VALUES (\(status), 0, 1);
                """)
        }
    }

    @Test("a version 2 journal is migrated to the latest version: the open-key and correlation indexes dropped, rows kept, the open-key map loaded")
    func versionTwoToThree() throws {
        let folder = NSTemporaryDirectory() + "compjournal-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/journal.db"
        let open = ExecutionKey(service: "orders", processor: "main", function: "ship", eventId: "e-open")
        let finished = ExecutionKey(service: "orders", processor: "main", function: "ship", eventId: "e-done")
        try versionTwoJournal(at: path, open: open, finished: finished)

        let journal = try Journal(options: JournalOptions(path: path))
        defer { journal.close() }
        #expect(try journal.connection.scalarInt("PRAGMA user_version") == Schema.latestVersion)
        let statement = try journal.connection.prepare(
            "SELECT name, sql FROM sqlite_schema WHERE name IN ('executions_open_key', 'executions_correlation')")
        var definitions: [String: String] = [:]
        while try statement.step() { definitions[statement.text(0)] = statement.text(1) }
        #expect(definitions.isEmpty)  // both indexes are gone

        // The open-key map was loaded from the table; a list by correlation still finds it (by a scan).
        #expect(journal.store.openKeys.contents == [OpenKeys.fold(open): [1]])
        let found = try journal.list(
            filter: ExecutionFilter(statuses: [.failed], correlationId: "c-1"), before: nil, limit: 10)
        #expect(found.executions.map(\.id) == [1])
        let now = Timestamp(milliseconds: 1_700_000_000_000)
        var random = SplitMix64(seed: 1)
        let results = try journal.commit([
            .record(IncomingRecord(id: RecordID.timeOrdered(at: now, using: &random), kind: .success, key: open)),
            .record(IncomingRecord(id: RecordID.timeOrdered(at: now, using: &random), kind: .success, key: finished)),
        ], now: now).results
        let records = results.compactMap { result -> RecordResult? in
            guard case .record(let value) = result else { return nil }
            return value
        }
        #expect(records == [.accepted(1), .notHeld])
        #expect(try journal.execution(1)?.status == .succeeded)
    }
}

struct PartialExecutionIndexTests {
    @Test("version 10: history and timeline hold an execution's creation row and its later rows, from a file migrated from version 9 and from a new one")
    func creationRowsByPrimaryKey() throws {
        let folder = NSTemporaryDirectory() + "compjournal-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/journal.db"
        let key = ExecutionKey(service: "orders", processor: "main", function: "ship", eventId: "e-1")
        let other = ExecutionKey(service: "orders", processor: "main", function: "ship", eventId: "e-2")
        let now = Timestamp(milliseconds: 1_700_000_000_000)
        var random = SplitMix64(seed: 7)
        func failure(_ key: ExecutionKey) -> JournalCommand {
            .record(IncomingRecord(
                id: RecordID.timeOrdered(at: now, using: &random), kind: .failure, key: key, correlationId: "c-1",
                failure: FailureReport(error: ErrorInfo(code: "DB", message: "down"), occurredAt: now)))
        }
        do {
            let journal = try Journal(options: JournalOptions(path: path))
            defer { journal.close() }
            // Execution 1 is created, execution 2 after it, then execution 1 fails again (a row of 1 after 2's).
            _ = try journal.commit([failure(key), failure(other), failure(key)], now: now)
            // Back to version 9's full index, as a file written by the previous build has it.
            try journal.connection.execute("""
                DROP INDEX journal_execution;
                CREATE INDEX journal_execution ON journal(execution_id);
                PRAGMA user_version = 9;
                """)
        }
        let journal = try Journal(options: JournalOptions(path: path))
        defer { journal.close() }
        #expect(try journal.connection.scalarInt("PRAGMA user_version") == Schema.latestVersion)
        let definition = try journal.connection.prepare("SELECT sql FROM sqlite_schema WHERE name = 'journal_execution'")
        #expect(try definition.step() && definition.text(0).hasSuffix("WHERE execution_id <> seq"))
        #expect(try journal.history(of: 1).map(\.seq) == [1, 3])
        #expect(try journal.history(of: 1, after: 1).map(\.seq) == [3])
        #expect(try journal.history(of: 1, limit: 1).map(\.seq) == [1])
        #expect(try journal.history(of: 2).map(\.seq) == [2])
        #expect(try journal.timeline(correlationId: "c-1").map(\.seq) == [1, 2, 3])
        // A new creation after the migration is found the same way; its row is not in the partial index.
        _ = try journal.commit([failure(ExecutionKey(service: "orders", processor: "main", function: "ship", eventId: "e-3"))], now: now)
        #expect(try journal.history(of: 4).map(\.seq) == [4])
        let indexed = try journal.connection.scalarInt("SELECT count(*) FROM journal INDEXED BY journal_execution WHERE execution_id > 0 AND execution_id <> seq")
        #expect(indexed == 1)  // only row 3, execution 1's second failure
    }
}

struct CreationBodyTests {
    @Test("a failure's creation body encoded ahead (on the ingress thread) is the one the writer stores, and a changed field drops it")
    func encodedAhead() throws {
        let folder = NSTemporaryDirectory() + "compjournal-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let journal = try Journal(options: JournalOptions(path: folder + "/journal.db"))
        defer { journal.close() }
        let now = Timestamp(milliseconds: 1_700_000_000_000)
        var random = SplitMix64(seed: 3)
        func record(_ event: String) -> IncomingRecord {
            IncomingRecord(
                id: RecordID.timeOrdered(at: now, using: &random), kind: .failure,
                key: ExecutionKey(service: "orders", processor: "main", function: "ship", eventId: event),
                correlationId: "c-9",
                failure: FailureReport(error: ErrorInfo(code: "DB", message: "down", detail: "at line 3"), occurredAt: now),
                payload: Array("order 42".utf8))
        }
        var ahead = record("e-1")
        ahead.encodeCreationBody()
        #expect(ahead.creationBody != nil)
        let plain = record("e-2")
        #expect(plain.creationBody == nil)
        _ = try journal.commit([.record(ahead), .record(plain)], now: now)
        let bodies = try journal.connection.prepare("SELECT body FROM journal ORDER BY seq")
        var stored: [[UInt8]] = []
        while try bodies.step() { stored.append(bodies.blob(0)) }
        #expect(stored.count == 2)
        #expect(stored.first == ahead.creationBody)
        // Both rows decode to the creation the record describes; only the key differs.
        let decoded = try stored.map { bytes throws(JournalError) in try EntryBody(kind: .failure, bytes: bytes) }
        guard case .failure(let report, let creation?) = decoded[0], case .failure(_, let other?) = decoded[1] else {
            Issue.record("not creation bodies: \(decoded)")
            return
        }
        #expect(report == ahead.failure && creation.payload == ahead.payload && creation.key == ahead.key)
        #expect(other.key == plain.key && other.correlationId == creation.correlationId)

        var changed = ahead
        changed.payload = Array("order 43".utf8)
        #expect(changed.creationBody == nil)
        var leased = record("e-3")
        leased.lease = (executionId: 1, token: 1)
        leased.encodeCreationBody()
        #expect(leased.creationBody == nil)  // a result never creates an execution
    }

    @Test("a creating failure's body written into memory sized ahead is byte for byte the one the growing writer writes, and decodes back, for short, long, empty and non-ASCII texts, large payloads and extreme numbers")
    func boundedWriterAgrees() throws {
        let long = String(repeating: "é€😀x", count: 300)  // lengths past one and two varint bytes
        let texts = ["", "a", "DB_DOWN", long, String(repeating: "z", count: 200)]
        let payloads: [[UInt8]] = [[], [0], Array(repeating: 7, count: 20_000)]
        let specs = [
            RetrySpec(maxRetries: 0, minBackoff: .milliseconds(0), maxBackoff: .milliseconds(0),
                      executionTimeout: .milliseconds(1), jitterPermille: 0, deadline: nil),
            RetrySpec(maxRetries: Int(Int32.max), minBackoff: .milliseconds(Int64.max), maxBackoff: .milliseconds(Int64.min),
                      executionTimeout: .milliseconds(-1), jitterPermille: 1000, deadline: Timestamp(milliseconds: Int64.min)),
        ]
        var checked = 0
        for (index, text) in texts.enumerated() {
            for payload in payloads {
                for spec in specs {
                    let report = FailureReport(
                        error: ErrorInfo(code: text, message: texts[(index + 1) % texts.count], detail: texts[(index + 3) % texts.count]),
                        recoverable: index % 2 == 0 ? .recoverable : .unknown,
                        occurredAt: Timestamp(milliseconds: index % 2 == 0 ? Int64.max : -1))
                    let creation = EntryBody.Creation(
                        key: ExecutionKey(service: text, processor: "p", function: texts[(index + 2) % texts.count], eventId: long),
                        correlationId: text, spec: spec, payload: payload)
                    let body = EntryBody.failure(report, creation: creation)
                    var reference = BodyWriter()
                    reference.u8(1)
                    reference.report(report)
                    reference.key(creation.key)
                    reference.string(creation.correlationId)
                    reference.spec(creation.spec)
                    reference.data(creation.payload)
                    let encoded = body.encoded
                    #expect(encoded == reference.bytes)
                    #expect(try EntryBody(kind: .failure, bytes: encoded) == body)
                    checked += 1
                }
            }
        }
        #expect(checked == 30)
    }
}
