import CompModel
import Testing

@testable import CompJournal

struct NulByteTests {
    @Test("a NUL byte in every string field is stored whole and survives a close and reopen")
    func everyField() throws {
        let fixture = try TestJournal()
        let key = ExecutionKey(service: "svc\0x", processor: "pro\0c", function: "fn\0y", eventId: "a\0b")
        let report = FailureReport(
            error: ErrorInfo(code: "CO\0DE", message: "mes\0sage", detail: "de\0tail"), occurredAt: fixture.now)
        let record = IncomingRecord(
            id: fixture.newRecordId(), kind: .failure, key: key, correlationId: "corr\0id", failure: report,
            spec: TestJournal.spec, payload: [0, 1, 0])
        let id = try fixture.create(record)
        fixture.advance(seconds: 10)
        let leased = try fixture.lease(service: "svc\0x", holder: "node\0-1")
        #expect(leased.map(\.id) == [id])
        try fixture.commit([.setPaused(service: "paused\0svc", paused: true)])

        let before = try fixture.execution(id)
        #expect(before.key == key)
        #expect(before.correlationId == "corr\0id")
        #expect(before.lastError == report.error)
        #expect(before.lease?.holder == "node\0-1")

        try fixture.reopen()
        #expect(try fixture.execution(id) == before)
        #expect(fixture.journal.pausedServices() == ["paused\0svc"])
        #expect(try fixture.journal.history(of: id).last?.summary.contains("node\0-1") == true)
        #expect(try fixture.journal.list(filter: ExecutionFilter(eventId: "a\0b", errorCode: "CO\0DE"), before: nil, limit: 10)
            .executions.map(\.id) == [id])
        // The same key after the restart joins the execution (dedupe by key holds).
        let again = fixture.failure("a\0b", service: "svc\0x", function: "fn\0y")
        var joined = again
        joined.key = key
        #expect(try fixture.records([joined]) == [.accepted(id)])
        #expect(try fixture.allExecutions().map(\.id) == [id])
        // Filters match the whole value, not a prefix.
        #expect(try fixture.journal.list(filter: ExecutionFilter(service: "svc\0x"), before: nil, limit: 10)
            .executions.map(\.id) == [id])
        #expect(try fixture.journal.list(filter: ExecutionFilter(service: "svc"), before: nil, limit: 10)
            .executions.isEmpty)
        #expect(try fixture.journal.timeline(correlationId: "corr\0id").count == 3)
        // A rebuild from the journal bodies gives the same strings.
        let current = try fixture.execution(id)
        try fixture.journal.rebuildProjection()
        #expect(try fixture.execution(id) == current)
        let reader = try JournalReader(path: fixture.path)
        #expect(try reader.execution(id) == current)
        #expect(try reader.pausedServices() == ["paused\0svc"])
    }
}
