import CompModel
import Testing

@testable import CompJournal

struct RebuildTests {
    /// A random mixed workload: creates, key failures and successes, leases, results with current and stale
    /// tokens, extensions, expiries, returned leases, operator actions; the clock moves by random steps.
    func runWorkload(_ fixture: TestJournal, seed: UInt64, steps: Int) throws {
        var random = SplitMix64(seed: seed)
        let spec = RetrySpec(
            maxRetries: 4, minBackoff: .seconds(5), maxBackoff: .seconds(60), executionTimeout: .seconds(20),
            jitterPermille: 300)
        let services = ["orders", "billing", "mail"]
        var leases: [(id: ExecutionID, token: UInt64, key: ExecutionKey)] = []
        var known: [ExecutionID] = []
        var sent: [IncomingRecord] = []
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        for step in 0..<steps {
            var commands: [JournalCommand] = []
            if step % 40 == 39 {  // pause and resume rows (no execution; the rebuild passes over them)
                commands.append(.setPaused(service: services[step / 40 % services.count], paused: step % 80 == 79,
                                           actor: "compctl:test"))
            }
            if step % 3 == 1 {  // a saga step's forward (its service from its index), sometimes out of order
                let saga = "g\(step / 45)"
                let index = Int(random.next() % 3)
                var record = random.next() % 2 == 0
                    ? fixture.success("\(saga)-\(index)", service: services[index], function: "fwd\(index)")
                    : fixture.failure(
                        "\(saga)-\(index)", service: services[index], function: "fwd\(index)",
                        recoverable: pick([.unknown, .unrecoverable]), spec: spec)
                record.payload = random.next() % 2 == 0 ? Array("p\(step)".utf8) : []
                record.saga = SagaRecordRef(
                    sagaId: saga, step: index, compensation: random.next() % 5 == 0 ? "" : "undo", isLast: index == 2,
                    deadline: fixture.now.adding(.seconds(Int64(random.next() % 90))), retry: spec)
                commands.append(.record(record))
            }
            if step % 45 == 30 { commands.append(.abortSaga(id: "g\(step / 45)", actor: "compctl:test")) }
            if step % 10 == 5 { commands.append(.sagaDeadlines(limit: 5)) }
            for _ in 0..<(1 + Int(random.next() % 6)) {
                let service = pick(services)
                let event = "e\(random.next() % 40)"
                let function = pick(["ship", "notify"])
                switch random.next() % 13 {
                case 0, 1, 2:
                    commands.append(.record(fixture.failure(
                        event, service: service, function: function, code: pick(["DB_DOWN", "HTTP_500"]),
                        recoverable: pick([.unknown, .unknown, .recoverable, .unrecoverable]),
                        correlation: pick(["", "c1", "c2"]), spec: spec)))
                case 3:
                    commands.append(.record(fixture.success(event, service: service, function: function)))
                case 4:
                    commands.append(.leaseDue(service: service, holder: pick(["n1", "n2"]), limit: 3))
                case 5, 6:
                    guard let lease = leases.isEmpty ? nil : pick(leases) else { continue }
                    // Sometimes an old token on purpose (stale).
                    let token = random.next() % 4 == 0 ? lease.token &- 1 : lease.token
                    let record = random.next() % 2 == 0
                        ? fixture.success(lease.key.eventId, service: lease.key.service, lease: (lease.id, token))
                        : fixture.failure(
                            lease.key.eventId, service: lease.key.service, spec: spec, lease: (lease.id, token))
                    commands.append(.record(record))
                case 7:
                    commands.append(.expireLeases(limit: 5))
                case 8:
                    guard let lease = leases.isEmpty ? nil : pick(leases) else { continue }
                    commands.append(.extendLease(lease.id, token: lease.token, by: .seconds(15)))
                case 9, 10:
                    guard let id = known.isEmpty ? nil : pick(known) else { continue }
                    let input: ExecutionInput = pick([
                        .retryNow, .park, .discard, .mark(.recoverable), .mark(.unrecoverable),
                        .changeFunction(pick(["ship", "notify", "ship-v2"])),
                        .applySpec(RetrySpec(
                            maxRetries: 6, minBackoff: .seconds(3), maxBackoff: .seconds(30), jitterPermille: 500)),
                    ])
                    commands.append(.operate(id, input))
                case 11:
                    // A lease whose command was not delivered, often several times in a row (past the bound).
                    guard let lease = leases.isEmpty ? nil : pick(leases) else { continue }
                    commands.append(.returnLease(lease.id, token: lease.token))
                    if random.next() % 2 == 0 {
                        commands.append(.leaseDue(service: lease.key.service, holder: "n1", limit: 1))
                    }
                default:
                    // A resend of an earlier record: a duplicate, changes nothing.
                    guard let record = sent.isEmpty ? nil : pick(sent) else { continue }
                    commands.append(.record(record))
                }
            }
            for case .record(let record) in commands { sent.append(record) }
            let result = try fixture.commit(commands)
            for change in result.changes {
                if change.kind == "failure", change.execution.id == change.seq { known.append(change.execution.id) }
                if change.kind == "leased", let lease = change.execution.lease {
                    leases.append((change.execution.id, lease.token, change.execution.key))
                }
            }
            fixture.advance(seconds: Int64(random.next() % 15))
        }
    }

    @Test("rebuilding the projection from the journal gives the same executions and counts")
    func rebuildEquals() throws {
        let fixture = try TestJournal()
        try runWorkload(fixture, seed: 7, steps: 400)
        let before = try fixture.allExecutions()
        let counts = Set(try fixture.journal.counts())
        let kinds = try fixture.journal.connection.prepare("SELECT DISTINCT kind FROM journal ORDER BY kind")
        var seenKinds: [Int64] = []
        while try kinds.step() { seenKinds.append(kinds.int64(0)) }
        // The workload exercised every kind of row.
        #expect(seenKinds == EntryKind.allCases.map(\.rawValue))
        #expect(before.count > 50)
        #expect(Set(before.map(\.status)).count == ExecutionStatus.allCases.count)

        let sagas = try sagaTables(fixture)
        #expect(sagas.count > 10)  // sagas ran (and aborted, compensated: every kind was seen above)
        try fixture.journal.rebuildProjection()
        #expect(try fixture.allExecutions() == before)
        #expect(Set(try fixture.journal.counts()) == counts)
        #expect(try sagaTables(fixture) == sagas)

        // After a reopen the journal continues where it was, and a rebuild still matches.
        try fixture.reopen()
        try runWorkload(fixture, seed: 8, steps: 100)
        let after = try fixture.allExecutions()
        let sagasAfter = try sagaTables(fixture)
        try fixture.journal.rebuildProjection()
        #expect(try fixture.allExecutions() == after)
        #expect(try sagaTables(fixture) == sagasAfter)
    }

    /// Every row of `sagas` and `saga_steps`, as text, in key order.
    func sagaTables(_ fixture: TestJournal) throws -> [String] {
        var rows: [String] = []
        for sql in ["SELECT * FROM sagas ORDER BY id", "SELECT * FROM saga_steps ORDER BY saga_id, step"] {
            let statement = try fixture.journal.connection.prepare(sql)
            let columns = statement.columnIndices().count
            while try statement.step() {
                rows.append((0..<columns).map { statement.isNull(Int32($0)) ? "NULL" : "\(statement.blob(Int32($0)))" }
                    .joined(separator: "|"))
            }
        }
        return rows
    }

    @Test("a projection edited behind the journal's back is restored by a rebuild")
    func rebuildRepairs() throws {
        let fixture = try TestJournal()
        try runWorkload(fixture, seed: 3, steps: 50)
        let before = try fixture.allExecutions()
        try fixture.journal.connection.execute("UPDATE executions SET retries = 99; DELETE FROM status_counts;")
        try fixture.journal.rebuildProjection()
        #expect(try fixture.allExecutions() == before)
    }
}
