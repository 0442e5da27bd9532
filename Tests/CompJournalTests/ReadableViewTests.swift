import CSQLite
import CompModel
import Foundation
import Testing

@testable import CompJournal

/// The `executions_readable` and `journal_readable` views (schema version 5, docs/STORE.md), read with SQL as a
/// person with the `sqlite3` shell reads them.
struct ReadableViewTests {
    /// Every row of `sql`, each column as text (NULL as nil).
    private func rows(_ connection: Connection, _ sql: String) throws -> [[String?]] {
        let statement = try connection.prepare(sql)
        var result: [[String?]] = []
        while try statement.step() {
            result.append((0..<sqlite3_column_count(statement.handle)).map { statement.optionalText($0) })
        }
        return result
    }

    /// A connection to a new, fully migrated journal file in a temporary folder (removed by the caller).
    private func migratedConnection() throws -> (Connection, String) {
        let folder = NSTemporaryDirectory() + "compjournal-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let connection = try Connection(
            path: folder + "/journal.db", readOnly: false, create: true, busyTimeoutMilliseconds: 100)
        do {
            try Schema.migrate(connection)
        } catch {
            connection.close()
            throw error
        }
        return (connection, folder)
    }

    @Test("executions_readable shows status, park reason, recoverability and mark as words, times as ISO 8601 UTC")
    func executionsView() throws {
        let fixture = try TestJournal()
        fixture.now = Timestamp(milliseconds: 1_700_000_000_123)  // 2023-11-14T22:13:20.123Z
        let failed = try fixture.create(fixture.failure("e-1", correlation: "order-42"))
        let parked = try fixture.create(fixture.failure("e-2", recoverable: .unrecoverable))
        let leased = try fixture.create(fixture.failure("e-3", service: "billing"))
        fixture.advance(seconds: 10)
        #expect(try fixture.lease(service: "billing", holder: "node-7").map(\.id) == [leased])
        #expect(try fixture.operate(failed, .mark(.recoverable)).map(\.markedByOperator) == .success(true))

        let found = try rows(fixture.journal.connection, """
            SELECT id, status, park_reason, recoverable, marked_by_operator, correlation_id, next_retry_at,
                   lease_holder, lease_granted_at, lease_until, created_at, updated_at, payload_bytes, error_code
            FROM executions_readable ORDER BY id
            """)
        #expect(found == [
            ["\(failed)", "FAILED", nil, "recoverable", "yes", "order-42", "2023-11-14T22:13:30.123Z",
             nil, nil, nil, "2023-11-14T22:13:20.123Z", "2023-11-14T22:13:30.123Z", "11", "DB_DOWN"],
            ["\(parked)", "PARKED", "unrecoverable", "unrecoverable", "no", "", nil,
             nil, nil, nil, "2023-11-14T22:13:20.123Z", "2023-11-14T22:13:20.123Z", "11", "DB_DOWN"],
            ["\(leased)", "PREPARED", nil, "unknown", "no", "", nil,
             "node-7", "2023-11-14T22:13:30.123Z", "2023-11-14T22:14:00.123Z", "2023-11-14T22:13:20.123Z",
             "2023-11-14T22:13:30.123Z", "11", "DB_DOWN"],
        ])
        // The view's times are the model's own ISO text of the same instants.
        let lease = try #require(try fixture.execution(leased).lease)
        #expect(found[2][9] == lease.until.iso8601)
        #expect(found[0][6] == (try fixture.execution(failed).nextRetryAt?.iso8601))
    }

    @Test("journal_readable shows each row's kind as a word, its time as ISO 8601 UTC and its record id as hex")
    func journalView() throws {
        let fixture = try TestJournal()
        fixture.now = Timestamp(milliseconds: 1_700_000_000_123)
        let recordId = fixture.newRecordId()
        let id = try fixture.create(fixture.failure("e-1", id: recordId))
        fixture.advance(seconds: 10)
        let leased = try #require(try fixture.lease().first)
        let token = try #require(leased.lease?.token)
        fixture.advance(seconds: 1)
        #expect(try fixture.records([fixture.success("e-1", lease: (id, token))]) == [.accepted(id)])

        let found = try rows(fixture.journal.connection, """
            SELECT seq, at, kind, execution_id, record_id FROM journal_readable WHERE execution_id = \(id) ORDER BY seq
            """)
        #expect(found.map { $0[2] } == ["failure", "leased", "success-result"])
        #expect(found.map { $0[1] } == [
            "2023-11-14T22:13:20.123Z", "2023-11-14T22:13:30.123Z", "2023-11-14T22:13:31.123Z",
        ])
        #expect(found.allSatisfy { $0[3] == "\(id)" })
        #expect(found[0][4] == recordId.description)  // 32 lower-case hex digits, as compctl prints record ids
        #expect(found[1][4] == nil)  // a lease is the broker's own row, not a client's record
        #expect(found[2][4]?.count == 32)
        // The same rows as the journal's own history, word for word.
        let history = try fixture.journal.history(of: id)
        #expect(found.map { $0[0] } == history.map { "\($0.seq)" })
        #expect(found.map { $0[2] } == history.map { Optional($0.kind) })
        let summaries = try rows(fixture.journal.connection, "SELECT summary FROM journal_readable ORDER BY seq")
        #expect(summaries.map { $0[0] } == history.map { Optional($0.summary) })
    }

    @Test("every status, park reason, recoverability and journal kind code has the word the model prints")
    func everyCode() throws {
        let (connection, folder) = try migratedConnection()
        defer {
            connection.close()
            try? FileManager.default.removeItem(atPath: folder)
        }

        var expected: [[String?]] = []
        for (index, status) in ExecutionStatus.allCases.enumerated() {
            let reason = ParkReason.allCases[index % ParkReason.allCases.count]
            let recoverable = Recoverability.allCases[index % Recoverability.allCases.count]
            try connection.execute("""
                INSERT INTO executions (id, service, processor, function, event_id, key_hash, correlation_id, status,
                park_reason, recoverable, marked_by_operator, retries, max_retries, min_backoff_ms, max_backoff_ms,
                execution_timeout_ms, jitter_permille, error_code, error_message, error_detail, payload, created_at,
                updated_at) VALUES (\(index + 1), 's', 'p', 'f', 'e-\(index)', \(index), '', \(status.rawValue),
                \(reason.rawValue), \(recoverable.rawValue), \(index % 2), 0, 3, 1000, 2000, 3000, 0, '', '', '',
                x'0102', 0, 0)
                """)
            expected.append([status.description, reason.description, recoverable.description, index % 2 == 1 ? "yes" : "no"])
        }
        let statuses = try rows(connection, """
            SELECT status, park_reason, recoverable, marked_by_operator FROM executions_readable ORDER BY id
            """)
        #expect(statuses == expected)

        for kind in EntryKind.allCases {
            try connection.execute("""
                INSERT INTO journal (seq, record_id, execution_id, at, kind, body, summary)
                VALUES (\(kind.rawValue), NULL, 1, 0, \(kind.rawValue), x'', '')
                """)
        }
        let kinds = try rows(connection, "SELECT kind FROM journal_readable ORDER BY seq")
        #expect(kinds.map { $0[0] } == EntryKind.allCases.map { Optional($0.name) })
    }

    @Test("the views' ISO text equals Timestamp.iso8601 across the years 1970 to 9999, to the millisecond")
    func isoTimes() throws {
        let (connection, folder) = try migratedConnection()
        defer {
            connection.close()
            try? FileManager.default.removeItem(atPath: folder)
        }

        var random = SplitMix64(seed: 7)
        var times: [Int64] = [0, 999, 1000, 951_782_400_000, 253_402_300_799_999]  // incl. 2000-02-29
        for _ in 0..<500 { times.append(Int64(random.next() % 253_402_300_800_000)) }
        for (index, ms) in times.enumerated() {
            try connection.execute("""
                INSERT INTO journal (seq, record_id, execution_id, at, kind, body, summary)
                VALUES (\(index + 1), NULL, 1, \(ms), 1, x'', '')
                """)
        }
        let found = try rows(connection, "SELECT at FROM journal_readable ORDER BY seq").map { $0[0] }
        #expect(found == times.map { Optional(Timestamp(milliseconds: $0).iso8601) })
    }

    @Test("a version 4 journal migrates to version 5: its rows show in the views, nothing else changes")
    func versionFourToFive() throws {
        let folder = NSTemporaryDirectory() + "compjournal-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/journal.db"
        let key = ExecutionKey(service: "orders", processor: "main", function: "ship", eventId: "e-1")
        do {
            let old = try Connection(path: path, readOnly: false, create: true, busyTimeoutMilliseconds: 100)
            defer { old.close() }
            for migration in Schema.migrations where migration.version <= 4 { try old.execute(migration.sql) }
            try old.execute("""
                PRAGMA user_version = 4;
                INSERT INTO executions (id, service, processor, function, event_id, key_hash, correlation_id, status,
                park_reason, recoverable, marked_by_operator, retries, max_retries, min_backoff_ms, max_backoff_ms,
                execution_timeout_ms, jitter_permille, error_code, error_message, error_detail, payload, created_at,
                updated_at) VALUES (1, 'orders', 'main', 'ship', 'e-1', \(key.stableHash), '', 4, 1, 0, 0, 3, 3,
                1000, 10000, 5000, 0, 'E', 'm', '', x'', 1700000000123, 1700000000123);
                INSERT INTO status_counts (status, park_reason, count) VALUES (4, 1, 1);
                INSERT INTO journal (seq, record_id, execution_id, at, kind, body, summary)
                VALUES (1, NULL, 1, 1700000000123, 13, x'', 'park (operator)');
                """)
            #expect(try rows(old, "SELECT name FROM sqlite_schema WHERE type = 'view'").isEmpty)
        }

        let journal = try Journal(options: JournalOptions(path: path))
        defer { journal.close() }
        #expect(try journal.connection.scalarInt("PRAGMA user_version") == Schema.latestVersion)
        #expect(try rows(journal.connection, "SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name")
            == [["executions_readable"], ["journal_readable"]])
        #expect(try rows(journal.connection, "SELECT id, status, park_reason, created_at FROM executions_readable")
            == [["1", "PARKED", "exhausted", "2023-11-14T22:13:20.123Z"]])
        #expect(try rows(journal.connection, "SELECT kind, at, summary FROM journal_readable")
            == [["park", "2023-11-14T22:13:20.123Z", "park (operator)"]])
        #expect(try journal.execution(1)?.status == .parked)
    }
}

/// docs/STORE.md kept in step with the schema.
struct StoreDocumentTests {
    @Test("docs/STORE.md names every table, column, index and view of a fully migrated journal")
    func documentsEverything() throws {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        let document = try String(contentsOf: url.appendingPathComponent("docs/STORE.md"), encoding: .utf8)

        let fixture = try TestJournal()
        let connection = fixture.journal.connection
        var names: [String] = []
        let objects = try connection.prepare(
            "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        var tables: [String] = []
        while try objects.step() {
            names.append(objects.text(1))
            if objects.text(0) == "table" || objects.text(0) == "view" { tables.append(objects.text(1)) }
        }
        for table in tables {
            let columns = try connection.prepare("SELECT name FROM pragma_table_info('\(table)')")
            while try columns.step() { names.append("\(table).\(columns.text(0))") }
        }
        #expect(names.count > 40)  // the schema was read
        let missing = names.filter { name in
            let parts = name.split(separator: ".")
            // A column is documented as `column` in its table's section; an object as `name`.
            return !document.contains("`\(parts.last ?? "")`")
        }
        #expect(missing.isEmpty, "not in docs/STORE.md: \(missing)")
        #expect(document.contains("schema version \(Schema.latestVersion)"))
    }
}
