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

    @Test("batches follow the broker's advertised limit, also a small one")
    func smallAdvertisedLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--max-frame-bytes", "16384"])
        try broker.start()
        let connection = try broker.connect(timeoutMilliseconds: 5000)
        let limits = try connection.limits()
        #expect(limits.maxFrameBytes == 16384)
        let reporter = Reporter(connection: connection, attempts: 2, batchSize: 1000)
        let outcomes = try reporter.send((0..<200).map { sizedRecord($0, bytes: 1000) })
        #expect(outcomes.count == 200)
        #expect(outcomes.allSatisfy { $0.status == .accepted })
    }

    @Test("a record too large for any frame is refused before anything is sent")
    func recordTooLargeForAnyFrame() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--max-frame-bytes", "16384"])
        try broker.start()
        let reporter = Reporter(connection: try broker.connect(timeoutMilliseconds: 5000), attempts: 1)
        let records = [sizedRecord(0, bytes: 1000), sizedRecord(1, bytes: 20_000)]
        let error = #expect(throws: ClientError.self) { try reporter.send(records) }
        guard case .recordTooLarge(let index, let bytes, let limit) = error else {
            Issue.record("expected recordTooLarge, got \(String(describing: error))")
            return
        }
        #expect(index == 1)
        #expect(bytes > limit)
        #expect(limit == 16384)
        #expect(try broker.admin().stats().recordsAccepted == 0)
    }

    @Test("compd takes a frame of exactly its advertised limit; one byte more is dropped")
    func frameAtTheBrokersLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let limit = 16384
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--max-frame-bytes", "\(limit)"])
        try broker.start()
        let connection = try broker.connect(timeoutMilliseconds: 5000)
        #expect(try connection.limits().maxFrameBytes == UInt32(limit))

        /// A one-record batch frame of exactly `size` bytes (the payload fills it).
        func frame(ofSize size: Int, eventId: String) -> [UInt8] {
            var record = failureRecord(eventId: eventId, spec: quickSpec(minBackoffMs: 3_600_000), payload: [])
            let empty = FrameCodec.encode(Frame(requestId: 7, message: .recordBatch(RecordBatch(records: [record])))).count
            record.payload = [UInt8](repeating: 0x42, count: size - empty)
            return FrameCodec.encode(Frame(requestId: 7, message: .recordBatch(RecordBatch(records: [record]))))
        }
        let exact = frame(ofSize: limit, eventId: "at-limit")
        #expect(exact.count == limit)
        let reply = try FrameCodec.decode(connection.requestRaw(exact, timeoutMilliseconds: 10_000))
        guard case .ack(let ack) = reply.message else {
            Issue.record("expected an ack, got \(reply.message)")
            return
        }
        #expect(ack.outcomes.map(\.status) == [.accepted])

        let over = frame(ofSize: limit + 1, eventId: "over-limit")
        #expect(over.count == limit + 1)
        let error = #expect(throws: ClientError.self) { try connection.requestRaw(over, timeoutMilliseconds: 1000) }
        if case .timedOut = error {} else { Issue.record("expected a timeout, got \(String(describing: error))") }
        // compd keeps serving, and never stored the oversized record.
        #expect(try broker.admin().list(Filter(eventId: "over-limit")).executions.isEmpty)
        #expect(try broker.admin().list(Filter(eventId: "at-limit")).executions.count == 1)
    }
}
