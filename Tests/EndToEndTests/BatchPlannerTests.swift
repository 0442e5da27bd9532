import CompClient
import CompWire
import Testing

/// How the Reporter cuts records into frames (pure: no broker needed).
struct BatchPlannerTests {
    private func record(_ index: Int, payload: Int) -> Record {
        failureRecord(eventId: "plan-\(index)", payload: [UInt8](repeating: 1, count: payload))
    }

    private func frameSize(_ records: [Record]) -> Int {
        FrameCodec.encode(Frame(requestId: 1, message: .recordBatch(RecordBatch(records: records)))).count
    }

    @Test("a batch whose frame is exactly the limit stays whole; one byte less of limit splits it")
    func exactLimit() throws {
        let records = (0..<10).map { record($0, payload: 500) }
        let whole = frameSize(records)
        #expect(try BatchPlanner.batches(of: records, maxFrameBytes: whole, maxRecords: 1000) == [0..<10])
        let split = try BatchPlanner.batches(of: records, maxFrameBytes: whole - 1, maxRecords: 1000)
        #expect(split == [0..<9, 9..<10])
    }

    @Test("every planned frame fits the limit and the count, and the ranges cover all records in order")
    func framesFit() throws {
        let records = (0..<500).map { record($0, payload: ($0 * 37) % 3000) }
        let limit = 20_000
        let ranges = try BatchPlanner.batches(of: records, maxFrameBytes: limit, maxRecords: 40)
        #expect(ranges.first?.lowerBound == 0)
        #expect(ranges.last?.upperBound == 500)
        for (range, next) in zip(ranges, ranges.dropFirst()) { #expect(range.upperBound == next.lowerBound) }
        for range in ranges {
            #expect(!range.isEmpty)
            #expect(range.count <= 40)
            #expect(frameSize(Array(records[range])) <= limit)
        }
    }

    @Test("a record that cannot fit alone is named by its index")
    func tooLarge() {
        let records = [record(0, payload: 10), record(1, payload: 5000)]
        #expect(throws: ClientError.recordTooLarge(index: 1, bytes: frameSize([records[1]]), limit: 4096)) {
            try BatchPlanner.batches(of: records, maxFrameBytes: 4096, maxRecords: 1000)
        }
    }
}
