import CompClient
import CompModel
import CompWire
import Foundation
import Testing

/// The SDK's spool forwarder and its reconnect backoff.
@Suite(.serialized)
struct SpoolForwarderTests {
    @Test("a forwarder started while the broker is down delivers the spool once the broker comes up")
    func forwardsAfterOutage() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path + "/data", logDirectory: directory.path)
        let spool = try RecordSpool(directory: directory.path + "/spool")
        let records = (0..<300).map { failureRecord(eventId: "fwd-\($0)") }
        #expect(try spool.append(records) == 300)
        let forwarder = SpoolForwarder(
            spool: spool, reporter: Reporter(connection: try broker.connect(timeoutMilliseconds: 300), attempts: 1),
            backoff: ReconnectBackoff(first: .milliseconds(50), cap: .milliseconds(400)), idleCheck: .milliseconds(200))
        forwarder.start()
        defer { forwarder.stop() }
        #expect(try eventually(10) { forwarder.lastReport?.stoppedBy != nil })
        #expect(try spool.status().pending == 300)
        try broker.start()
        #expect(try eventually(60) { try spool.status().pending == 0 })
        let stats = try broker.admin().stats()
        #expect(stats.counts.filter { $0.status == 1 }.reduce(0) { $0 + $1.count } == 300)
        // Appends after the outage go through a nudge.
        try spool.append([failureRecord(eventId: "fwd-late")])
        forwarder.nudge()
        #expect(try eventually(30) { try spool.status().pending == 0 })
        #expect(try broker.admin().stats().recordsAccepted == 301)
    }

    @Test("10,000 nodes that lost the broker together spread their reconnects: no 100 ms holds more than 5 % of them")
    func reconnectSpread() {
        let backoff = ReconnectBackoff()
        for failures in 6...10 {
            var buckets: [Int64: Int] = [:]
            var bound: Int64 = 0
            for node in 0..<10_000 {
                var random = SplitMix64(seed: UInt64(node) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(failures))
                let delay = backoff.delay(afterFailures: failures, random: &random)
                let milliseconds = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
                bound = max(bound, milliseconds)
                buckets[milliseconds / 100, default: 0] += 1
            }
            #expect(buckets.values.max() ?? 0 <= 500, "failures \(failures): busiest 100 ms had \(buckets.values.max() ?? 0)")
            #expect(bound <= 30_000)
        }
        var random = SplitMix64(seed: 1)
        #expect(backoff.delay(afterFailures: 1, random: &random) <= .milliseconds(100))
        #expect(backoff.delay(afterFailures: 60, random: &random) <= .seconds(30))
    }
}
