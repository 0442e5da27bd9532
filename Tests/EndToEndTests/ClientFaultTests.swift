import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// Faults of the client side against a real compd: frame limits and batch sizes.
@Suite(.serialized)
struct ClientFaultTests {
    /// A failure record whose payload makes it about `bytes` bytes when encoded.
    private func sizedRecord(_ index: Int, bytes: Int) -> Record {
        failureRecord(eventId: "sized-\(index)", spec: quickSpec(minBackoffMs: 3_600_000),
                      payload: [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: bytes - 120))
    }

    @Test("records of about 2 KB in batches of 1000 are split by encoded size and all acknowledged")
    func batchesSplitBySize() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let reporter = Reporter(connection: try broker.connect(timeoutMilliseconds: 5000), attempts: 2, batchSize: 1000)
        let records = (0..<3000).map { sizedRecord($0, bytes: 2048) }
        let outcomes = try reporter.send(records)
        #expect(outcomes.count == 3000)
        #expect(outcomes.allSatisfy { $0.status == .accepted })
        let stats = try broker.admin().stats()
        #expect(stats.recordsAccepted == 3000)
    }

    @Test("batches follow the broker's advertised limit, also its smallest one")
    func smallAdvertisedLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--max-frame-bytes", "524288"])
        try broker.start()
        let connection = try broker.connect(timeoutMilliseconds: 5000)
        let limits = try connection.limits()
        #expect(limits.maxFrameBytes == 524288)
        let reporter = Reporter(connection: connection, attempts: 2, batchSize: 1000)
        let records = (0..<40).map { sizedRecord($0, bytes: 100_000) }
        let outcomes = try reporter.send(records)
        #expect(outcomes.count == 40)
        #expect(outcomes.allSatisfy { $0.status == .accepted })
        #expect(try BatchPlanner.batches(of: records, maxFrameBytes: 524288, maxRecords: 1000).count >= 8)
    }

    @Test("compd takes a frame of exactly its advertised limit; one byte more is dropped")
    func frameAtTheBrokersLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let limit = 524288
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--max-frame-bytes", "\(limit)"])
        try broker.start()
        let connection = try broker.connect(timeoutMilliseconds: 5000)
        #expect(try connection.limits().maxFrameBytes == UInt32(limit))

        /// A three-record batch frame of exactly `size` bytes (the last payload fills it; each
        /// payload stays under the protocol's 256 KiB).
        func frame(ofSize size: Int, eventId: String) -> [UInt8] {
            var records = (0..<3).map {
                failureRecord(eventId: "\(eventId)-\($0)", spec: quickSpec(minBackoffMs: 3_600_000),
                              payload: [UInt8](repeating: 0x41, count: $0 < 2 ? 200_000 : 0))
            }
            let base = FrameCodec.encode(Frame(requestId: 7, message: .recordBatch(RecordBatch(records: records)))).count
            records[2].payload = [UInt8](repeating: 0x42, count: size - base)
            return FrameCodec.encode(Frame(requestId: 7, message: .recordBatch(RecordBatch(records: records))))
        }
        let exact = frame(ofSize: limit, eventId: "at-limit")
        #expect(exact.count == limit)
        let reply = try FrameCodec.decode(connection.requestRaw(exact, timeoutMilliseconds: 10_000))
        guard case .ack(let ack) = reply.message else {
            Issue.record("expected an ack, got \(reply.message)")
            return
        }
        #expect(ack.outcomes.map(\.status) == [.accepted, .accepted, .accepted])

        let over = frame(ofSize: limit + 1, eventId: "over-limit")
        #expect(over.count == limit + 1)
        let error = #expect(throws: ClientError.self) { try connection.requestRaw(over, timeoutMilliseconds: 1000) }
        if case .timedOut = error {} else { Issue.record("expected a timeout, got \(String(describing: error))") }
        // compd keeps serving, and never stored the oversized record.
        #expect(try broker.admin().list(Filter(eventId: "over-limit-2")).executions.isEmpty)
        #expect(try broker.admin().list(Filter(eventId: "at-limit-2")).executions.count == 1)
    }
}

/// A history too long for one frame is read whole, page by page.
@Suite(.serialized)
struct LongHistoryTests {
    @Test("show returns every history row of an execution whose history passes the frame limit")
    func longHistory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--max-frame-bytes", "524288"])
        try broker.start()
        let reporter = Reporter(connection: try broker.connect(timeoutMilliseconds: 10_000), attempts: 2)
        let message = String(repeating: "m", count: 4000)
        // 150 failures of one key: about 600 KB of history summaries, past the 512 KiB limit.
        let records = (0..<150).map { index in
            Record(
                id: RecordIdentifier.next(), kind: .failure, service: "orders", processor: "billing",
                function: "charge", eventId: "long-history", occurredAt: nowMs(),
                error: ErrorDetails(code: "E\(index)", message: message), retrySpec: quickSpec(minBackoffMs: 3_600_000))
        }
        let outcomes = try reporter.send(records)
        #expect(outcomes.allSatisfy { $0.status == .accepted })
        let id = try #require(outcomes.first?.executionId)
        let shown = try broker.admin().show(id)
        #expect(shown.history.count(where: { $0.kind == "failure" }) == 150)
        #expect(shown.nextHistoryAfter == nil)
        let seqs = shown.history.map(\.seq)
        #expect(seqs == seqs.sorted())
        #expect(Set(seqs).count == seqs.count)

        let cli = try compctl(["show", "\(id)", "--broker", broker.listen, "--json"])
        #expect(cli.status == 0, "\(cli.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(cli.out.utf8)) as? [String: Any])
        #expect((json["history"] as? [Any])?.count == shown.history.count)
    }
}

/// A broker that comes back with a smaller frame limit.
@Suite(.serialized)
struct ShrunkLimitTests {
    @Test("after compd restarts with a smaller frame limit, the reporter plans its batches again")
    func limitShrinksAcrossRestart() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--max-frame-bytes", "1048576"])
        try broker.start()
        let connection = try broker.connect(timeoutMilliseconds: 2000)
        let reporter = Reporter(connection: connection, attempts: 3, batchSize: 1000)
        func records(_ prefix: String) -> [Record] {
            (0..<100).map {
                failureRecord(eventId: "\(prefix)-\($0)", spec: quickSpec(minBackoffMs: 3_600_000),
                              payload: [UInt8](repeating: 0x33, count: 9000))
            }
        }
        #expect(try reporter.send(records("before")).allSatisfy { $0.status == .accepted })
        #expect(try connection.limits().maxFrameBytes == 1_048_576)
        broker.stop()

        // The same data directory and address, now with the smallest limit.
        let restarted = BrokerProcess(
            dataDirectory: directory.path, listen: broker.listen, events: broker.events,
            extraArguments: ["--max-frame-bytes", "524288"])
        try restarted.start()
        defer { restarted.stop(signal: SIGKILL) }
        // About 900 KB of records: one frame under the old limit, two or more under the new one.
        let outcomes = try reporter.send(records("after"))
        #expect(outcomes.count == 100)
        #expect(outcomes.allSatisfy { $0.status == .accepted })
        #expect(try connection.limits().maxFrameBytes == 524_288)
    }
}
