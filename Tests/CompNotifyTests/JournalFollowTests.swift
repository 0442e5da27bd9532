import CompJournal
import CompModel
import Foundation
import Testing
@testable import CompNotify

/// The machine fed by a real `ChangeReader` over a real journal file, as the delivery side drives it.
struct JournalFollowTests {
    /// A journal file in a temp folder of its own, removed at the end.
    final class JournalFile {
        let folder = NSTemporaryDirectory() + "compnotify-" + UUID().uuidString
        var path: String { folder + "/journal.sqlite" }
        let journal: Journal
        var random = SplitMix64(seed: 3)
        var now = Rows.t0

        init() throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            journal = try Journal(options: JournalOptions(path: folder + "/journal.sqlite"))
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }

        func failure(_ event: String, code: String = "DB_DOWN", lease: (ExecutionID, UInt64)? = nil) -> JournalCommand {
            .record(IncomingRecord(
                id: RecordID.timeOrdered(at: now, using: &random), kind: .failure,
                key: ExecutionKey(service: "orders", processor: "billing", function: "charge", eventId: event),
                correlationId: "order-\(event)",
                failure: FailureReport(error: ErrorInfo(code: code, message: "connection refused"), occurredAt: now),
                spec: Rows.spec, lease: lease.map { (executionId: $0.0, token: $0.1) }))
        }

        @discardableResult
        func commit(_ commands: [JournalCommand]) throws -> CommitResult { try journal.commit(commands, now: now) }
    }

    /// Reads everything after `cursor` in pages of `page`, as an owner does, until a read covers no new row.
    static func follow(
        _ reader: ChangeReader, _ machine: inout NotifierMachine, after cursor: Int64, page: Int, now: Timestamp
    ) throws -> [Notification] {
        var sent: [Notification] = []
        var after = cursor
        while true {
            let batch = try reader.changes(after: after, limit: page)
            sent += machine.read(batch, now: now)
            if batch.lastSeq == after { break }
            after = batch.lastSeq
        }
        return sent + machine.tick(now: now)
    }

    @Test("a burst, a failed retry, an operator's discard and a pause, read from the journal file in pages")
    func followJournal() throws {
        let file = try JournalFile()
        for index in 0..<12 {
            try file.commit([file.failure("e\(index)")])
            file.now = file.now.adding(.milliseconds(100))
        }
        file.now = Rows.at(3)
        guard case .leased(let leased)? = try file.commit([.leaseDue(service: "orders", holder: "n1", limit: 1)]).results.first,
            let execution = leased.first, let token = execution.lease?.token
        else {
            Issue.record("nothing leased")
            return
        }
        file.now = Rows.at(4)
        try file.commit([file.failure(execution.key.eventId, code: "DB_DOWN", lease: (execution.id, token))])
        try file.commit([.operate(execution.id, .discard, actor: "compctl:alice")])
        try file.commit([.setPaused(service: "orders", paused: true, actor: "http:ops")])

        let reader = try ChangeReader(path: file.path)
        defer { reader.close() }
        var config = stormConfig(threshold: 3)
        config.events = Set(NotificationKind.allCases)
        var machine = NotifierMachine(config: config, cursor: 0)
        let live = try Self.follow(reader, &machine, after: 0, page: 4, now: Rows.at(5))
        #expect(live.map(\.kind) == [.failureCreated, .failureCreated, .failureCreated, .retryFailed, .discarded, .servicePaused])
        #expect(live[4].single?.actor == "compctl:alice")
        #expect(live[5].single?.actor == "http:ops")
        #expect(live[3].single?.execution?.retries == 1)

        let later = try Self.follow(reader, &machine, after: try reader.headSeq(), page: 4, now: Rows.at(61))
        #expect(later.map(\.idempotencyKey) == ["hook:digest:failure_created:orders/charge:DB_DOWN:\(Rows.t0.milliseconds)"])
        #expect(later.first?.digest?.count == 9)
        #expect(later.first?.digest?.total == 12)

        // Nothing delivered: a new machine from the durable cursor (0, the window's first row is 1) says the same.
        #expect(machine.durableCursor == 0)
        var again = NotifierMachine(config: config, cursor: machine.durableCursor)
        let replay = try Self.follow(reader, &again, after: 0, page: 5, now: Rows.at(61))
        #expect(replay.map(\.idempotencyKey) == (live + later).map(\.idempotencyKey))
        #expect(replay == live + later)
    }
}
