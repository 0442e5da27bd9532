import ArgumentParser
import CompClient
import CompWire
import Foundation
import Histogram

/// `compctl load`: a load generator that reports throughput and acknowledgement latency, and with
/// `--subscribers` drives the whole compensation loop.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send records at a rate or as fast as possible; report rate and latency percentiles.",
        discussion: """
            Each connection sends batches on its own REQ socket. A record is a new failure with \
            probability --failure-ratio (a fresh key), otherwise a success for a key the broker does \
            not hold. With --subscribers N, failures are due 100 ms after their acknowledgement and N \
            subscriber instances fetch, succeed and report them: the summary adds compensations/s and \
            dispatch lag (from the due time, estimated as the acknowledgement's arrival plus the backoff, to \
            delivery) and the time from each command's lease grant to its delivery (the broker's commit, \
            flush and send; the broker's clock against this machine's). Latency is measured from the intended send \
            time when --rate paces the load (no coordinated omission), from the send otherwise. Paced \
            connections send at evenly spread instants, not all at once.
            """)

    @Option(help: "Request sockets sending in parallel.") var connections = 4
    @Option(help: "Records per request (1...1000).") var batch = 100
    @Option(help: "Records per second over all connections.") var rate: Double?
    @Flag(help: "As fast as the broker acknowledges.") var max = false
    @Option(help: "How long to send (default 10s unless --count).") var duration: String?
    @Option(help: "Records to send in all.") var count: Int?
    @Option(name: .customLong("record-bytes"), help: "Approximate encoded size of a record.") var recordBytes = 256
    @Option(name: .customLong("failure-ratio"), help: "Share of records that are new failures, 0...1.") var failureRatio = 0.1
    @Option(help: "Subscriber instances running the retries (0: ingest only).") var subscribers = 0
    @Option(help: "The service name of the generated records.") var service = "load"
    @Option(name: .customLong("drain-timeout"), help: "With subscribers: how long to wait for the last retries.") var drainTimeout = "30s"
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard connections >= 1, connections <= 256 else { throw ValidationError("--connections must be in 1...256") }
        guard (1...WireLimits.maxBatchRecords).contains(batch) else { throw ValidationError("--batch must be in 1...1000") }
        guard (rate != nil) != max else { throw ValidationError("give exactly one of --rate R or --max") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be positive") }
        guard duration == nil || count == nil else { throw ValidationError("give --duration or --count, not both") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if let ms = try parseDuration(duration, "--duration"), ms == 0 {
            throw ValidationError("--duration must be more than 0 (e.g. 10s); got `\(duration ?? "")`")
        }
        _ = try parseDuration(drainTimeout, "--drain-timeout")
        guard (0...1).contains(failureRatio) else { throw ValidationError("--failure-ratio must be in 0...1") }
        guard (64...WireLimits.maxPayloadBytes).contains(recordBytes) else {
            throw ValidationError("--record-bytes must be in 64...\(WireLimits.maxPayloadBytes)")
        }
        guard subscribers >= 0, subscribers <= 64 else { throw ValidationError("--subscribers must be in 0...64") }
    }

    func run() throws {
        try guarded {
            let plan = LoadPlan(
                connections: connections, batch: batch, rate: rate,
                durationMs: count == nil ? Int64(try parseDuration(duration ?? "10s", "--duration") ?? 10_000) : nil,
                count: count, recordBytes: recordBytes, failureRatio: failureRatio, service: service,
                subscribers: subscribers, backoffMs: 100,
                drainTimeoutMs: Int64(try parseDuration(drainTimeout, "--drain-timeout") ?? 30_000))
            let run = LoadRun(plan: plan, options: connection)
            let summary = try run.execute()
            if connection.json { printJSON(summary) } else { summary.printText() }
            if let problem = summary.problem {
                FileHandle.standardError.write(Data("compctl: load: \(problem)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

/// What a load run does.
struct LoadPlan: Sendable {
    var connections: Int
    var batch: Int
    var rate: Double?
    var durationMs: Int64?
    var count: Int?
    var recordBytes: Int
    var failureRatio: Double
    var service: String
    var subscribers: Int
    var backoffMs: UInt64
    var drainTimeoutMs: Int64

    /// The lines printed on stderr once the broker at `broker` answered, before the first record: which broker
    /// is loaded and with what, and that every record lands in that broker's journal.
    func banner(broker: String) -> String {
        let amount = count.map { "\($0) records" } ?? "\(Double(durationMs ?? 0) / 1000) s"
        let pace = rate.map { "at \(Int($0)) records/s" } ?? "as fast as acknowledged"
        let loop = subscribers > 0 ? ", \(subscribers) subscribers running the retries" : ""
        return """
            compctl load: loading the broker at \(broker): \(amount) \(pace), \(connections) connections, batches \
            of \(batch), service `\(service)`, \(Int((failureRatio * 100).rounded())) % new failures\(loop)
            compctl load: every record goes into that broker's journal; load a compd of its own \
            (its own --data and --listen), not the one you operate

            """
    }
}

/// Latency percentiles in milliseconds.
struct Percentiles: Encodable {
    let p50: Double
    let p90: Double
    let p99: Double
    let p999: Double
    let max: Double
    let count: UInt64

    init(_ histogram: Histogram<UInt64>) {
        func ms(_ value: UInt64) -> Double { Double(value) / 1000 }  // recorded in µs
        p50 = ms(histogram.valueAtPercentile(50))
        p90 = ms(histogram.valueAtPercentile(90))
        p99 = ms(histogram.valueAtPercentile(99))
        p999 = ms(histogram.valueAtPercentile(99.9))
        max = ms(histogram.max)
        count = histogram.totalCount
    }

    var text: String { "p50 \(p50) ms, p90 \(p90), p99 \(p99), p99.9 \(p999), max \(max) (\(count) samples)" }
}

/// The end-of-run report.
struct LoadSummary: Encodable {
    var seconds: Double
    var sent: Int
    var acknowledged: Int
    var accepted: Int
    var duplicates: Int
    var stale: Int
    var rejected: Int
    var errors: Int
    var recordsPerSecond: Double
    var ackLatency: Percentiles
    var compensations: Int?
    var compensationsPerSecond: Double?
    var dispatchLag: Percentiles?
    /// From each delivered command's lease grant (the broker's clock) to its delivery (this machine's clock): what
    /// the dispatch after the broker leased the command took (its commit, flush and send). Not a part of
    /// `dispatchLag`, whose due time is estimated from the acknowledgement's arrival (later than the broker's).
    var deliveryAfterGrant: Percentiles?
    var pendingAtEnd: Int?
    var subscriberErrors: Int?

    /// Why the run did not deliver every record, or nil when it did: records refused by the
    /// broker (rejected), failed requests (errors), records sent but never acknowledged, or
    /// failed subscriber requests.
    var problem: String? {
        var parts: [String] = []
        if rejected > 0 { parts.append("\(rejected) rejected") }
        if errors > 0 { parts.append("\(errors) lost to errors") }
        let unacknowledged = sent - acknowledged - errors
        if unacknowledged > 0 { parts.append("\(unacknowledged) unacknowledged") }
        if let subscriberErrors, subscriberErrors > 0 { parts.append("\(subscriberErrors) subscriber request errors") }
        if acknowledged == 0 && parts.isEmpty { parts.append("nothing acknowledged") }
        return parts.isEmpty ? nil : "of \(sent) records sent: " + parts.joined(separator: ", ")
    }

    func printText() {
        print("sent \(sent), acknowledged \(acknowledged) (accepted \(accepted), duplicate \(duplicates), stale \(stale), rejected \(rejected)), errors \(errors)")
        print(String(format: "%.0f records/s over %.2f s", recordsPerSecond, seconds))
        print("ack latency: \(ackLatency.text)")
        if let compensations, let compensationsPerSecond, let dispatchLag {
            print(String(format: "compensations %d, %.0f/s; %d still pending; %d subscriber errors", compensations,
                         compensationsPerSecond, pendingAtEnd ?? 0, subscriberErrors ?? 0))
            print("dispatch lag: \(dispatchLag.text)")
            if let deliveryAfterGrant { print("from the lease's grant to delivery: \(deliveryAfterGrant.text)") }
        }
    }
}
