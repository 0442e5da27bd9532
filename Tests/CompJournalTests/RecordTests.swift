import CompModel
import Testing

@testable import CompJournal

struct RecordTests {
    @Test("a group commit returns one outcome per record, in order")
    func outcomesInOrder() throws {
        let fixture = try TestJournal()
        let created = try fixture.create(fixture.failure("e0"))
        let leased = try fixture.create(fixture.failure("e1", service: "billing"))
        fixture.advance(seconds: 10)
        let lease = try #require(try fixture.lease(service: "billing").first?.lease)

        let first = fixture.failure("e2")
        let resend = first.id
        let results = try fixture.records([
            first,
            fixture.failure("e2", id: resend),  // duplicate within the same batch
            fixture.success("e1", service: "billing", lease: (leased, lease.token + 1)),  // stale token
            fixture.success("e1", service: "billing", lease: (999_999, lease.token)),  // unknown execution
            fixture.success("e9", service: "billing", lease: (leased, lease.token)),  // other event id
            fixture.success("e1", service: "other", lease: (leased, lease.token)),  // other service
            fixture.success("never-failed"),
            fixture.success("e0"),
        ])
        let newId = try #require({ if case .accepted(let id) = results[0] { id } else { nil } }())
        #expect(results == [
            .accepted(newId), .duplicate(newId), .stale(leased), .rejected(.unknownExecution),
            .rejected(.keyMismatch), .rejected(.keyMismatch), .notHeld, .accepted(created),
        ])
        #expect(try fixture.execution(created).status == .succeeded)
        #expect(try fixture.execution(leased).status == .prepared)
    }

    @Test("a resend is a duplicate across batches and across a reopen, naming the first execution")
    func duplicateAcrossBatches() throws {
        let fixture = try TestJournal()
        let record = fixture.failure("e1")
        let id = try fixture.create(record)
        #expect(try fixture.records([record]) == [.duplicate(id)])
        try fixture.reopen()
        #expect(try fixture.records([record]) == [.duplicate(id)])
        #expect(try fixture.journal.history(of: id).count == 1)
    }

    @Test("a new execution's id is the seq of the row that created it")
    func idIsSeq() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1", correlation: "order-7"))
        let history = try fixture.journal.history(of: id)
        #expect(history.map(\.seq) == [id])
        #expect(history.first?.kind == "failure")
        #expect(history.first?.summary.hasPrefix("failure DB_DOWN: connection refused") == true)
        let execution = try fixture.execution(id)
        #expect(execution.status == .failed)
        #expect(execution.nextRetryAt == fixture.now.adding(.seconds(10)))
        #expect(execution.correlationId == "order-7")
        #expect(execution.payload == Array("payload-e1".utf8))
    }

    @Test("a failure by key joins the open execution; after success a new failure creates another")
    func joinThenNew() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 1)
        let results = try fixture.records([fixture.failure("e1", code: "TIMEOUT_UPSTREAM")])
        #expect(results == [.accepted(id)])
        let joined = try fixture.execution(id)
        #expect(joined.lastError.code == "TIMEOUT_UPSTREAM")
        #expect(joined.retries == 0)
        // Another function of the same event is another execution.
        let other = try fixture.create(fixture.failure("e1", function: "bill"))
        #expect(other != id)

        #expect(try fixture.records([fixture.success("e1")]) == [.accepted(id)])
        #expect(try fixture.execution(id).status == .succeeded)
        let again = try fixture.create(fixture.failure("e1"))
        #expect(again != id && again != other)
        #expect(try fixture.execution(again).status == .failed)
    }

    @Test("an unrecoverable first failure parks at once; an invalid spec is rejected and not stored")
    func parkedAndInvalid() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1", recoverable: .unrecoverable))
        #expect(try fixture.execution(id).status == .parked)
        #expect(try fixture.execution(id).parkReason == .unrecoverable)
        var bad = TestJournal.spec
        bad.jitterPermille = 5000
        let results = try fixture.records([fixture.failure("e2", spec: bad)])
        guard case .rejected(.model(.invalidSpec))? = results.first else {
            Issue.record("expected invalidSpec, got \(results)")
            return
        }
        #expect(try fixture.journal.matchingIds(filter: ExecutionFilter(eventId: "e2"), limit: 10).isEmpty)
    }

    @Test("a not-held success writes no journal row and no execution")
    func notHeldStoresNothing() throws {
        let fixture = try TestJournal()
        let record = fixture.success("e1")
        #expect(try fixture.records([record, record]) == [.notHeld, .notHeld])
        #expect(try fixture.journal.connection.scalarInt("SELECT count(*) FROM journal") == 0)
        #expect(try fixture.allExecutions().isEmpty)
    }

    @Test("every applied change is reported as a state change with its seq and kind")
    func stateChanges() throws {
        let fixture = try TestJournal()
        let result = try fixture.commit([.record(fixture.failure("e1")), .record(fixture.success("e1"))])
        #expect(result.changes.map(\.kind) == ["failure", "success"])
        #expect(result.changes.map(\.execution.status) == [.failed, .succeeded])
        #expect(result.changes[1].seq == result.changes[0].seq + 1)
        #expect(result.changes.allSatisfy { $0.at == fixture.now })
    }
}

struct SummaryLimitTests {
    @Test("a history summary of a long multi-byte error is cut to 4096 bytes at a character boundary with …")
    func longError() throws {
        let fixture = try TestJournal()
        var record = fixture.failure("e1")
        let message = String(repeating: "ошибка 😀 ", count: 1000)  // far over 4096 bytes
        record.failure?.error.message = message
        let id = try fixture.create(record)
        let summary = try #require(try fixture.journal.history(of: id).first?.summary)
        #expect(summary.utf8.count <= Summary.maxBytes)
        #expect(summary.utf8.count > Summary.maxBytes - 7)
        #expect(summary.hasSuffix("…"))
        #expect(summary.hasPrefix("failure DB_DOWN: ошибка 😀"))
        // The execution keeps the whole message; only the history line is cut.
        #expect(try fixture.execution(id).lastError.message == message)
        // A short one is not touched.
        let short = try fixture.create(fixture.failure("e2"))
        #expect(try fixture.journal.history(of: short).first?.summary.hasSuffix("…") == false)
    }

    @Test("a long summary already stored by an older build is cut when read")
    func storedLong() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        let long = String(repeating: "€", count: 3000)  // 9000 bytes
        let update = try fixture.journal.connection.prepare("UPDATE journal SET summary = ?1 WHERE execution_id = ?2")
        try update.bind(long, at: 1)
        try update.bind(id, at: 2)
        try update.run()
        let summary = try #require(try fixture.journal.history(of: id).first?.summary)
        #expect(summary == String(repeating: "€", count: 1364) + "…")
        #expect(summary.utf8.count == 4095)
    }
}

struct NotHeldTests {
    @Test("a resent success for a key with nothing open is not stored and answers notHeld every time")
    func resentSuccess() throws {
        let fixture = try TestJournal()
        let kept = try fixture.create(fixture.failure("other"))
        let countsBefore = try fixture.journal.counts()
        let rowsBefore = try fixture.journal.connection.scalarInt("SELECT count(*) FROM journal")
        let success = fixture.success("nobody")
        for _ in 0..<3 {
            #expect(try fixture.records([success]) == [.notHeld])
        }
        // Twice in one group commit too.
        #expect(try fixture.records([success, success]) == [.notHeld, .notHeld])
        #expect(try fixture.allExecutions().map(\.id) == [kept])
        #expect(try fixture.journal.counts() == countsBefore)
        #expect(try fixture.journal.connection.scalarInt("SELECT count(*) FROM journal") == rowsBefore)
        // And after a restart.
        try fixture.reopen()
        #expect(try fixture.records([success]) == [.notHeld])

        // A success that closed an execution is stored: its resend is a duplicate of that execution.
        let closing = fixture.success("other")
        #expect(try fixture.records([closing]) == [.accepted(kept)])
        #expect(try fixture.records([closing]) == [.duplicate(kept)])
        // A new success for the key that has just closed has nothing open: notHeld, not stored.
        #expect(try fixture.records([fixture.success("other")]) == [.notHeld])
    }
}
