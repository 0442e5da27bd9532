import CompClient
import CompWire
import Foundation
import Testing

/// The whole loop against a real compd: report, receive retry commands, answer, steer.
@Suite(.serialized)
struct CompensationLoopTests {
    @Test("a failure comes back as a retry command after its backoff, not before, and a success ends it")
    func retryAfterBackoff() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()

        let reportedAt = nowMs()
        let outcomes = try broker.reporter().send([
            failureRecord(eventId: "e-1", correlationId: "order-1", spec: quickSpec(minBackoffMs: 400), payload: [7, 7])
        ])
        let outcome = try #require(outcomes.first)
        #expect(outcome.status == .accepted)
        #expect(outcome.executionId > 0)

        let subscriber = try broker.subscriber(instance: "node-1")
        var commands: [RetryCommand] = []
        let deadline = nowMs() + 5000
        while commands.isEmpty, nowMs() < deadline {
            commands = try subscriber.fetch(max: 10, waitMilliseconds: 2000)
        }
        let receivedAt = nowMs()
        let command = try #require(commands.first)
        #expect(commands.count == 1)
        #expect(receivedAt - reportedAt >= 400)
        #expect(command.executionId == outcome.executionId)
        #expect(command.attempt == 1)
        #expect(command.eventId == "e-1")
        #expect(command.payload == [7, 7])
        #expect(command.lastError.code == "DB_DOWN")

        let result = try subscriber.succeeded(command)
        #expect(result.status == .accepted)
        let shown = try broker.admin().show(outcome.executionId)
        #expect(shown.execution.status == 3)  // SUCCEEDED
        #expect(shown.history.map(\.kind).contains("leased"))
        #expect(broker.stop() == 0)
    }

    @Test("a failing subscriber exhausts the retries and parks; retry brings it back; discard ends it")
    func exhaustRetryDiscard() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let id = try #require(try broker.reporter().send([
            failureRecord(eventId: "e-2", spec: quickSpec(maxRetries: 2, minBackoffMs: 50))
        ]).first).executionId

        let subscriber = try broker.subscriber(instance: "node-1")
        var attempts: [UInt32] = []
        let admin = try broker.admin()
        let parked = try eventually(10) {
            for command in try subscriber.fetch(max: 10, waitMilliseconds: 300) {
                attempts.append(command.attempt)
                _ = try subscriber.failed(command, error: ErrorDetails(code: "STILL_DOWN", message: "nope"))
            }
            return try admin.show(id).execution.status == 4
        }
        #expect(parked)
        #expect(attempts == [1, 2])
        var view = try admin.show(id).execution
        #expect(view.parkReason == 1)  // exhausted
        #expect(view.error.code == "STILL_DOWN")

        let retried = try admin.act(.retryNow, on: .execution(id))
        #expect(retried.changed == 1)
        let again = try subscriber.fetch(max: 10, waitMilliseconds: 3000)
        #expect(again.map(\.attempt) == [3])
        if let command = again.first {
            _ = try subscriber.failed(command, error: ErrorDetails(code: "STILL_DOWN", message: "nope"))
        }
        view = try admin.show(id).execution
        #expect(view.status == 4)

        let discarded = try admin.act(.discard, on: .execution(id))
        #expect(discarded.changed == 1)
        #expect(try admin.show(id).execution.status == 5)
        #expect(throws: ClientError.self) { try admin.act(.retryNow, on: .execution(id)) }
    }

    @Test("an unrecoverable failure parks at once and is never dispatched")
    func unrecoverableParks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let id = try #require(try broker.reporter().send([
            failureRecord(eventId: "e-3", recoverable: 2, spec: quickSpec(minBackoffMs: 10))
        ]).first).executionId
        let view = try broker.admin().show(id).execution
        #expect(view.status == 4)
        #expect(view.parkReason == 2)
        #expect(try broker.subscriber(instance: "n").fetch(max: 10, waitMilliseconds: 300).isEmpty)
    }

    @Test("a silent subscriber's lease expires, the attempt counts, and another instance gets the command")
    func leaseExpiry() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let id = try #require(try broker.reporter().send([
            failureRecord(eventId: "e-4", spec: quickSpec(maxRetries: 5, minBackoffMs: 50, timeoutMs: 500))
        ]).first).executionId

        let silent = try broker.subscriber(instance: "silent")
        let other = try broker.subscriber(instance: "other")
        let first = try #require(try silent.fetch(max: 1, waitMilliseconds: 3000).first)
        // While the silent instance holds the lease, nobody else gets the command.
        let meanwhile = try other.fetch(max: 1, waitMilliseconds: 150)
        #expect(meanwhile.isEmpty)
        let second = try #require(try other.fetch(max: 1, waitMilliseconds: 4000).first)
        #expect(second.executionId == id)
        #expect(nowMs() >= first.leaseDeadline)
        #expect(second.attempt == 2)
        #expect(second.leaseToken != first.leaseToken)

        // The late answer of the silent instance is stale and changes nothing.
        let late = try silent.succeeded(first)
        #expect(late.status == .stale)
        #expect(try broker.admin().show(id).execution.status == 2)
        #expect(try other.succeeded(second).status == .accepted)
        let shown = try broker.admin().show(id)
        #expect(shown.execution.status == 3)
        #expect(shown.history.map(\.kind).contains("timeout"))
        #expect(shown.history.map(\.kind).contains("stale"))
    }

    @Test("two instances never hold the same command at once")
    func oneHolderAtATime() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let records = (0..<40).map { failureRecord(eventId: "many-\($0)", spec: quickSpec(minBackoffMs: 50)) }
        #expect(try broker.reporter().send(records).allSatisfy { $0.status == .accepted })

        struct Tally {
            var held: [Int64: String] = [:]
            var conflicts = 0
            var handled = 0
        }
        let tally = Locked(Tally())
        DispatchQueue.concurrentPerform(iterations: 3) { index in
            guard let subscriber = try? broker.subscriber(instance: "node-\(index)") else { return }
            var idle = 0
            while idle < 3 {
                guard let commands = try? subscriber.fetch(max: 5, waitMilliseconds: 400), !commands.isEmpty else {
                    idle += 1
                    continue
                }
                idle = 0
                for command in commands {
                    tally.with {
                        if $0.held[command.executionId] != nil { $0.conflicts += 1 }
                        $0.held[command.executionId] = "node-\(index)"
                    }
                    usleep(5000)
                    tally.with { $0.held[command.executionId] = nil }
                    if (try? subscriber.succeeded(command))?.status == .accepted { tally.with { $0.handled += 1 } }
                }
            }
        }
        #expect(tally.with { $0.conflicts } == 0)
        #expect(tally.with { $0.handled } == 40)
        let page = try broker.admin().list(Filter(statuses: [3]), limit: 100)
        #expect(page.executions.count == 40)
    }

    @Test("a paused service gets no commands until it is resumed")
    func pauseResume() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let admin = try broker.admin()
        #expect(try admin.act(.pause, on: .service("orders")).changed == 1)
        _ = try broker.reporter().send([failureRecord(eventId: "p-1", spec: quickSpec(minBackoffMs: 10))])
        let subscriber = try broker.subscriber(instance: "n")
        #expect(try subscriber.fetch(max: 5, waitMilliseconds: 400).isEmpty)
        #expect(try admin.act(.resume, on: .service("orders")).changed == 1)
        #expect(try subscriber.fetch(max: 5, waitMilliseconds: 2000).count == 1)
    }
}
