import CompModel
import Foundation
import Testing

@testable import CompJournal

struct StorageTests {
    @Test("opens in WAL mode with synchronous FULL or NORMAL as asked")
    func pragmas() throws {
        let full = try TestJournal(sync: .full)
        #expect(try full.journal.connection.pragma("journal_mode") == "wal")
        #expect(try full.journal.connection.pragma("synchronous") == "2")
        let normal = try TestJournal(sync: .normal)
        #expect(try normal.journal.connection.pragma("synchronous") == "1")
    }

    @Test("migrates an empty file to the latest version and reopening keeps the data")
    func migrationAndReopen() throws {
        let fixture = try TestJournal()
        #expect(try fixture.journal.connection.scalarInt("PRAGMA user_version") == Schema.latestVersion)
        let id = try fixture.create(fixture.failure("e1", correlation: "order-1"))
        try fixture.commit([.setPaused(service: "billing", paused: true)])
        let before = try fixture.execution(id)
        try fixture.reopen()
        #expect(try fixture.journal.connection.scalarInt("PRAGMA user_version") == Schema.latestVersion)
        #expect(try fixture.journal.execution(id) == before)
        #expect(fixture.journal.pausedServices() == ["billing"])
        #expect(try fixture.journal.history(of: id).count == 1)
        // Sequence numbers continue after the reopen.
        let next = try fixture.create(fixture.failure("e2"))
        #expect(next > id)
    }

    @Test("refuses a retention shorter than the 24 h dedupe window")
    func shortRetention() throws {
        let folder = NSTemporaryDirectory() + "compjournal-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: JournalError.self) {
            _ = try Journal(options: JournalOptions(path: folder + "/j.db", retention: .seconds(3600)))
        }
    }

    @Test("an SQLite error carries the extended code, the message and the SQL")
    func errorContext() throws {
        let fixture = try TestJournal()
        do {
            try fixture.journal.connection.execute("INSERT INTO nowhere VALUES (1)")
            Issue.record("expected an error")
        } catch {
            #expect(error.primaryCode == 1)
            #expect(error.message.contains("no such table"))
            #expect(error.sql == "INSERT INTO nowhere VALUES (1)")
        }
    }

    @Test("journal bodies round-trip through the binary encoding")
    func bodyRoundTrip() throws {
        let report = FailureReport(
            error: ErrorInfo(code: "X", message: "m", detail: "d"), recoverable: .recoverable,
            occurredAt: Timestamp(milliseconds: -5))
        let spec = RetrySpec(maxRetries: 7, deadline: Timestamp(milliseconds: 99))
        let bodies: [EntryBody] = [
            .failure(report, creation: nil),
            .failure(report, creation: .init(
                key: ExecutionKey(service: "s", processor: "p", function: "f", eventId: "é"), correlationId: "c",
                spec: spec, payload: [0, 1, 255])),
            .success, .failureResult(token: .max, report), .successResult(token: 3),
            .stale(resultKind: .failureResult, token: 9, report), .stale(resultKind: .successResult, token: 9, nil),
            .leased(holder: "node"), .extended(token: 4, by: .seconds(-1)), .timeout, .retry, .applySpec(spec),
            .mark(.unrecoverable), .changeFunction("g"), .park, .discard,
        ]
        for body in bodies {
            #expect(try EntryBody(kind: body.kind, bytes: body.encoded) == body)
        }
        #expect(throws: JournalError.self) { try EntryBody(kind: .failure, bytes: [1]) }
        #expect(throws: JournalError.self) { try EntryBody(kind: .timeout, bytes: [0]) }
    }

    @Test("summaries format timestamps as UTC ISO 8601")
    func isoTime() {
        #expect(Summary.iso(Timestamp(milliseconds: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Summary.iso(Timestamp(milliseconds: 1_700_000_000_123)) == "2023-11-14T22:13:20.123Z")
        #expect(Summary.iso(Timestamp(milliseconds: -1)) == "1969-12-31T23:59:59.999Z")
    }
}
