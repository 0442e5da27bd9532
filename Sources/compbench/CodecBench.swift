import ArgumentParser
import CompWire
import Foundation

/// `compbench codec`: records per second through the wire codec.
struct CodecBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Records per second encoding and decoding record batches.")

    @Option(help: "Records per batch (1...1000).") var batch = 1000
    @Option(help: "Batches per repetition.") var batches = 200
    @Option(help: "Payload bytes per record.") var payload = 128
    @Option(name: .customLong("repeat"), help: "Repetitions; the median is reported.") var repetitions = 7
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...WireLimits.maxBatchRecords).contains(batch) else { throw ValidationError("--batch must be in 1...1000") }
        guard batches > 0, repetitions > 0, payload >= 0, payload <= WireLimits.maxPayloadBytes else {
            throw ValidationError("--batches and --repeat must be > 0, --payload in 0...\(WireLimits.maxPayloadBytes)")
        }
    }

    func run() throws {
        var generator = SystemRandomNumberGenerator()
        let records = (0..<batch).map { index in
            Record(
                id: UInt128(generator.next()) << 64 | UInt128(index), kind: .failure, service: "orders",
                processor: "billing", function: "charge", eventId: "evt-\(index)-\(generator.next() % 1_000_000)",
                occurredAt: 1_700_000_000_000 + Int64(index), correlationId: "order-\(generator.next() % 100_000)",
                error: ErrorDetails(code: "DB_DOWN", message: "connection refused by db-1:5432"),
                recoverable: 1, payload: [UInt8](repeating: 0xAB, count: payload))
        }
        let frame = Frame(requestId: 1, message: .recordBatch(RecordBatch(records: records)))
        let bytes = FrameCodec.encode(frame)
        var encodeRates: [Double] = []
        var decodeRates: [Double] = []
        var sink = 0
        for _ in 0..<repetitions {
            var started = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<batches { sink &+= FrameCodec.encode(frame).count }
            encodeRates.append(rate(since: started))
            started = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<batches {
                if case .recordBatch(let decoded) = try FrameCodec.decode(bytes).message { sink &+= decoded.records.count }
            }
            decodeRates.append(rate(since: started))
        }
        let encode = encodeRates.sorted()[encodeRates.count / 2]
        let decode = decodeRates.sorted()[decodeRates.count / 2]
        if json {
            print(#"{"batch":\#(batch),"frameBytes":\#(bytes.count),"encodeRecordsPerSecond":\#(Int(encode)),"decodeRecordsPerSecond":\#(Int(decode))}"#)
        } else {
            print("codec, batch \(batch), \(bytes.count) bytes a frame, \(repetitions) repetitions of \(batches) batches (records/s, median)")
            print(String(format: "encode %12.0f   (min %.0f, max %.0f)", encode, encodeRates.min() ?? 0, encodeRates.max() ?? 0))
            print(String(format: "decode %12.0f   (min %.0f, max %.0f)", decode, decodeRates.min() ?? 0, decodeRates.max() ?? 0))
        }
        if sink == 42 { print("") }  // keeps the work observable
    }

    private func rate(since started: UInt64) -> Double {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return Double(batch * batches) / seconds
    }
}
