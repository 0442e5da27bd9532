import CompClient
import CompWire
import Foundation
import Testing

/// What survives restarts, signals and crashes.
@Suite(.serialized)
struct DurabilityTests {
    @Test("after a restart everything is still there and due retries still come")
    func restart() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let outcomes = try broker.reporter().send([
            failureRecord(eventId: "r-1", spec: quickSpec(minBackoffMs: 1500)),
            failureRecord(eventId: "r-2", recoverable: 2),
        ])
        #expect(outcomes.allSatisfy { $0.status == .accepted })
        #expect(broker.stop() == 0)

        try broker.start()
        let admin = try broker.admin()
        // The optional view fields follow the status (PROTOCOL.md 6.6), also after a restart.
        let failed = try admin.show(outcomes[0].executionId).execution
        #expect(failed.status == 1)
        #expect(failed.nextRetryAt != nil)
        #expect(failed.leaseHolder == nil && failed.leaseUntil == nil && failed.leaseToken == nil)
        let parked = try admin.show(outcomes[1].executionId).execution
        #expect(parked.status == 4 && parked.parkReason == 2)
        #expect(parked.nextRetryAt == nil && parked.leaseToken == nil)
        let command = try #require(try Self.firstCommand(try broker.subscriber(instance: "n")))
        #expect(command.executionId == outcomes[0].executionId)
        let shown = try admin.show(command.executionId)
        // History kinds and record ids as PROTOCOL.md 5.1 lists them.
        #expect(shown.history.map(\.kind) == ["failure", "leased"])
        #expect(shown.history.map { $0.recordId != nil } == [true, false])
        #expect(shown.nextHistoryAfter == nil)
        let leased = shown.execution
        #expect(leased.status == 2)
        #expect(leased.nextRetryAt == nil)
        #expect(leased.leaseHolder == "n" && leased.leaseToken == command.leaseToken && leased.leaseUntil == command.leaseDeadline)
        #expect(leased.retries == command.attempt && command.attempt == 1)
    }

    /// Fetches (each fetch held up to 1 s) until a command comes, giving up after `seconds`.
    static func firstCommand(_ subscriber: Subscriber, within seconds: Double = 30) throws -> RetryCommand? {
        var found: RetryCommand?
        _ = try eventually(seconds) {
            found = try subscriber.fetch(max: 5, waitMilliseconds: 1000).first
            return found != nil
        }
        return found
    }

    @Test("a resent batch is acknowledged as duplicates and applied once, also across a restart")
    func duplicates() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let records = [failureRecord(eventId: "d-1"), failureRecord(eventId: "d-2")]
        let first = try broker.reporter().send(records)
        let second = try broker.reporter().send(records)
        #expect(first.map(\.status) == [.accepted, .accepted])
        #expect(second.map(\.status) == [.duplicate, .duplicate])
        #expect(second.map(\.executionId) == first.map(\.executionId))
        #expect(broker.stop() == 0)
        try broker.start()
        #expect(try broker.reporter().send(records).map(\.status) == [.duplicate, .duplicate])
        let shown = try broker.admin().show(first[0].executionId)
        #expect(shown.history.count(where: { $0.kind == "failure" }) == 1)
    }

    @Test("kill -9 during a stream of reports loses no acknowledged record")
    func killNine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let acknowledged = Locked([String: Int64]())
        let writers = DispatchGroup()
        for writer in 0..<3 {
            writers.enter()
            Thread {
                defer { writers.leave() }
                guard let connection = try? broker.connect(timeoutMilliseconds: 1000) else { return }
                let reporter = Reporter(connection: connection, attempts: 1)
                var batch = 0
                while true {
                    let records = (0..<50).map { failureRecord(eventId: "k-\(writer)-\(batch)-\($0)") }
                    guard let outcomes = try? reporter.send(records) else { return }
                    acknowledged.with {
                        for (record, outcome) in zip(records, outcomes) where outcome.status == .accepted {
                            $0[record.eventId] = outcome.executionId
                        }
                    }
                    batch += 1
                }
            }.start()
        }
        #expect(eventually(60) { acknowledged.with { $0.count } >= 1000 })
        #expect(broker.stop(signal: SIGKILL) == SIGKILL)
        // Each writer's next send fails once compd is gone (1 s timeout, one attempt) and ends its thread.
        try #require(writers.wait(timeout: .now() + 60) == .success)
        let sent = acknowledged.with { $0 }
        #expect(sent.count >= 1000)

        try broker.start()
        let admin = try broker.admin()
        var stored: [String: Int64] = [:]
        var cursor: Int64 = 0
        repeat {
            let page = try admin.list(Filter(service: "orders"), cursor: cursor, limit: 1000)
            for view in page.executions { stored[view.eventId] = view.id }
            cursor = page.nextCursor
        } while cursor != 0
        let missing = sent.filter { stored[$0.key] != $0.value }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.count)")
    }

    @Test("SIGTERM answers held fetches, commits, and exits 0")
    func gracefulStop() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let subscriber = try broker.subscriber(instance: "held")
        let admin = try broker.admin()
        let answered = DispatchSemaphore(value: 0)
        let reply = Locked<[RetryCommand]?>(nil)
        Thread {
            // Nothing is due: without the shutdown the broker would hold this fetch for 55 s.
            let commands = try? subscriber.fetch(max: 1, waitMilliseconds: 55_000)
            reply.with { $0 = commands }
            answered.signal()
        }.start()
        // The fetch is held once the broker counts it as waiting.
        #expect(try eventually(30) {
            try admin.stats().services.contains { $0.service == "orders" && $0.waitingFetches >= 1 }
        })
        #expect(broker.stop(signal: SIGTERM) == 0)
        // compd has exited, so any reply was sent before it did: an empty Commands answers the held fetch.
        // Without one the fetch would end in a client timeout (nil) after its 55 s wait.
        #expect(answered.wait(timeout: .now() + 120) == .success)
        #expect(reply.with { $0 } == [])
        #expect(broker.log.contains("compd stopped"))
        // Every connection closed cleanly: the last one folded the WAL into the database file.
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/journal.sqlite-wal"))
    }
}
