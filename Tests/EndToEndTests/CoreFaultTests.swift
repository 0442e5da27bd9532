import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// The broker core's faults of issue 8, each through a real compd.
@Suite(.serialized)
struct CoreFaultTests {
    @Test("commands with large payloads come in replies that fit the frame limit, and none is leased that is not sent")
    func replyByteLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let payload = [UInt8](repeating: 0x61, count: 9000)
        let records = (0..<600).map {
            failureRecord(eventId: "big-\($0)", spec: quickSpec(maxRetries: 3, minBackoffMs: 200, timeoutMs: 60_000), payload: payload)
        }
        let outcomes = try Reporter(connection: try broker.connect(), batchSize: 50).send(records)
        #expect(outcomes.allSatisfy { $0.status == .accepted })

        let connection = try broker.connect(timeoutMilliseconds: 10_000)
        var received = Set<Int64>()
        var replies = 0
        let done = try eventually(60) {
            let reply = try connection.request(.fetch(Fetch(service: "orders", instance: "big", max: 1000, waitMs: 2000)))
            guard case .commands(let commands) = reply else { throw TestFailure("not commands: \(reply)") }
            let bytes = FrameCodec.encode(Frame(requestId: 1, message: reply)).count
            #expect(bytes <= 1024 * 1024)
            if !commands.commands.isEmpty { replies += 1 }
            for command in commands.commands { received.insert(command.executionId) }
            return received.count == records.count
        }
        #expect(done)
        #expect(replies > 1)
        let stats = try broker.admin().stats()
        #expect(stats.leasesExpired == 0)
        #expect(stats.commandsDispatched == UInt64(records.count))
    }

    @Test("compctl load with 9000-byte records and two subscribers ends with every failure compensated, none exhausted")
    func loadLargeRecords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--execution-timeout", "3s", "--max-retries", "3"])
        try broker.start()
        let result = try compctl([
            "load", "--broker", broker.listen, "--record-bytes", "9000", "--subscribers", "2", "--count", "1500",
            "--failure-ratio", "1", "--max", "--drain-timeout", "60s",
        ])
        #expect(result.status == 0, "\(result.out)\(result.err)")
        #expect(result.out.contains("compensations 1500"), "\(result.out)")
        let counts = try broker.admin().stats().counts
        #expect(counts.first { $0.status == 3 }?.count == 1500)
        #expect(!counts.contains { $0.status == 4 })
    }

    @Test("a fetch resent with the same request id gives its leases back without counting an attempt")
    func lostReply() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let outcome = try #require(try broker.reporter().send([
            failureRecord(eventId: "lost-1", spec: quickSpec(minBackoffMs: 200, timeoutMs: 60_000)),
        ]).first)
        let fetch = FrameCodec.encode(Frame(requestId: 4242, message: .fetch(Fetch(service: "orders", instance: "n1", max: 10, waitMs: 5000))))
        let connection = try broker.connect(timeoutMilliseconds: 10_000)
        let first = try FrameCodec.decode(try connection.requestRaw(fetch))
        guard case .commands(let delivered) = first.message else { throw TestFailure("not commands: \(first)") }
        let command = try #require(delivered.commands.first)
        #expect(command.executionId == outcome.executionId)

        // The same frame again: as if nanomsg resent it because the reply never arrived.
        let second = try FrameCodec.decode(try connection.requestRaw(fetch))
        guard case .commands(let again) = second.message else { throw TestFailure("not commands: \(second)") }
        let retried = try #require(again.commands.first)
        #expect(retried.executionId == command.executionId)
        #expect(retried.attempt == command.attempt)
        #expect(retried.leaseToken != command.leaseToken)
        let shown = try broker.admin().show(command.executionId)
        #expect(shown.execution.retries == UInt32(command.attempt))
        #expect(shown.history.contains { $0.kind == "returned" })
        #expect(try broker.admin().stats().leasesExpired == 0)
    }

    @Test("show of a history larger than a frame comes in pages that each fit and together hold every row")
    func showPages() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--max-frame-bytes", "524288"])
        try broker.start()
        let message = String(repeating: "x", count: 4000)
        var id: Int64 = 0
        for index in 0..<200 {
            var record = failureRecord(eventId: "long-history")
            record.error = ErrorDetails(code: "E\(index)", message: message)
            id = try #require(try broker.reporter().send([record]).first?.executionId)
        }
        let connection = try broker.connect()
        var rows: [HistoryEntry] = []
        var after: Int64?
        var pages = 0
        repeat {
            let reply = try connection.request(.showRequest(ShowRequest(executionId: id, historyAfter: after)))
            guard case .showReply(let page) = reply else { throw TestFailure("not a show reply: \(reply)") }
            #expect(FrameCodec.encode(Frame(requestId: 1, message: reply)).count <= 524_288)
            rows += page.history
            after = page.nextHistoryAfter
            pages += 1
        } while after != nil && pages < 10
        #expect(pages >= 2)
        #expect(rows.count == 200)
        #expect(rows.map(\.seq) == rows.map(\.seq).sorted())
    }

    @Test("a second compd on the same data directory exits non-zero naming the directory and the holder")
    func directoryLock() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = BrokerProcess(dataDirectory: directory.path)
        try first.start()
        let second = BrokerProcess(dataDirectory: directory.path)
        #expect(throws: TestFailure.self) { try second.start() }
        let pid = try #require(first.process?.processIdentifier)
        #expect(second.log.contains("\(directory.path) is in use by another compd (pid \(pid))"))
        #expect(second.process?.isRunning != true)
        #expect(second.process.map { $0.terminationStatus != 0 } ?? false)
        // The first one still serves.
        #expect(try first.reporter().send([failureRecord(eventId: "lock-1")]).first?.status == .accepted)
        #expect(first.stop() == 0)
    }

    @Test("rejected records are counted in stats, also when the ingress refuses them")
    func rejectedCounted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let bad = failureRecord(eventId: "")
        let outcomes = try broker.reporter().send([bad, failureRecord(eventId: "fine")])
        #expect(outcomes.map(\.status) == [.rejected, .accepted])
        let stats = try broker.admin().stats()
        #expect(stats.recordsRejected == 1)
        #expect(stats.recordsAccepted == 1)
    }

    @Test("pause of an empty service is refused; pause or resume that changes nothing says changed 0")
    func pauseAnswers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let admin = try broker.admin()
        #expect(throws: ClientError.self) { _ = try admin.act(.pause, on: .service("")) }
        do {
            _ = try admin.act(.pause, on: .service(""))
        } catch .broker(let code, _) {
            #expect(code == ErrorCode.invalidField.rawValue)
        }
        #expect(try admin.act(.resume, on: .service("never-paused")).changed == 0)
        #expect(try admin.act(.pause, on: .service("orders")).changed == 1)
        #expect(try admin.act(.pause, on: .service("orders")).changed == 0)
        #expect(try admin.act(.resume, on: .service("orders")).changed == 1)
    }

    @Test("Hello advertises the configured frame limit")
    func helloLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--max-frame-bytes", "600000"])
        try broker.start()
        #expect(try broker.admin().hello(clientName: "test").maxFrameBytes == 600_000)
    }

    @Test("a bulk action applies to every matching execution in slices and answers once")
    func bulkAction() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let records = (0..<2500).map { failureRecord(eventId: "bulk-\($0)", code: "BULK") }
        let outcomes = try Reporter(connection: try broker.connect(), batchSize: 500).send(records)
        #expect(outcomes.allSatisfy { $0.status == .accepted })
        let reply = try AdminClient(connection: try broker.connect(timeoutMilliseconds: 60_000))
            .act(.park, on: .filter(Filter(errorCode: "BULK")))
        #expect(reply.matched == 2500)
        #expect(reply.changed == 2500)
        let parked = try broker.admin().list(Filter(statuses: [4], errorCode: "BULK"), limit: 1000)
        #expect(parked.executions.count == 1000)
    }

    @Test("while a bulk action runs, records are acknowledged and admin queries answered before it ends")
    func bulkInterleaves() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let total = 30_000
        let reporter = Reporter(connection: try broker.connect(), batchSize: 1000)
        for start in stride(from: 0, to: total, by: 1000) {
            _ = try reporter.send((start..<start + 1000).map { failureRecord(eventId: "slice-\($0)", code: "SLICED") })
        }
        let stream = try EventStream(address: broker.events)
        // PUB/SUB drops what is sent before the subscription is up: wait until one event gets through.
        var subscribed = false
        for index in 0..<50 where !subscribed {
            _ = try reporter.send([failureRecord(eventId: "probe-\(index)", code: "PROBE")])
            subscribed = try stream.next(timeoutMilliseconds: 200) != nil
        }
        #expect(subscribed)
        while try stream.next(timeoutMilliseconds: 50) != nil {}

        let finished = Locked<ActionReply?>(nil)
        let bulkAdmin = AdminClient(connection: try broker.connect(timeoutMilliseconds: 120_000))
        let bulk = Thread {
            let reply = try? bulkAdmin.act(.park, on: .filter(Filter(errorCode: "SLICED")))
            finished.with { $0 = reply }
        }
        bulk.start()
        // The first slice's park event: the action has started and is not done (30 slices).
        var started = false
        while !started, let event = try stream.next(timeoutMilliseconds: 30_000) {
            started = event.kind == "park"
        }
        #expect(started)
        let ack = try reporter.send([failureRecord(eventId: "during-bulk")])
        let stats = try broker.admin().stats()
        let doneBefore = finished.with { $0 != nil }
        #expect(ack.first?.status == .accepted)
        #expect(stats.recordsAccepted > UInt64(total))
        #expect(!doneBefore)
        #expect(eventually(120) { finished.with { $0 != nil } })
        #expect(finished.with { $0?.matched } == UInt32(total))
    }
}
