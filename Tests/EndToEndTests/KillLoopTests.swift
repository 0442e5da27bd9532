import CompClient
import CompWire
import Foundation
import Testing

/// The client side of a broker that is killed and comes back, again and again.
@Suite(.serialized)
struct KillLoopTests {
    static let cycles = 20

    @Test("20 cycles of kill -9 and restart while a reporter sends: every record is acknowledged once")
    func reporterThroughKills() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let connection = try broker.connect(timeoutMilliseconds: 1000)
        let reporter = Reporter(connection: connection, attempts: 3, batchSize: 25)
        let acknowledged = Locked(0)
        let stuck = Locked<[String]>([])
        let stop = Locked(false)
        let batchCount = Locked(0)
        let sender = DispatchGroup()
        sender.enter()
        Thread {
            defer { sender.leave() }
            var batch = 0
            while !stop.with({ $0 }) {
                let records = (0..<25).map { failureRecord(eventId: "kl-\(batch)-\($0)", spec: quickSpec(minBackoffMs: 3_600_000)) }
                // The same records (same ids) until acknowledged; a batch may take several
                // broker lifetimes, but never longer than the generous deadline.
                let deadline = Date().addingTimeInterval(120)
                var done = false
                while !done && Date() < deadline {
                    if let outcomes = try? reporter.send(records) {
                        done = outcomes.count == records.count
                            && outcomes.allSatisfy { $0.status == .accepted || $0.status == .duplicate }
                    }
                }
                if done {
                    acknowledged.with { $0 += records.count }
                } else {
                    stuck.with { $0.append("batch \(batch)") }
                }
                batch += 1
                batchCount.with { $0 = batch }
            }
        }.start()

        for _ in 0..<KillLoopTests.cycles {
            let before = acknowledged.with { $0 }
            // Wait for progress on this broker's life, then kill it in the middle of the stream.
            #expect(eventually(60) { acknowledged.with { $0 } > before })
            broker.stop(signal: SIGKILL)
            try broker.start()
        }
        let before = acknowledged.with { $0 }
        #expect(eventually(60) { acknowledged.with { $0 } > before })
        stop.with { $0 = true }
        #expect(sender.wait(timeout: .now() + 180) == .success)

        #expect(stuck.with { $0 }.isEmpty)
        let total = acknowledged.with { $0 }
        #expect(total == batchCount.with { $0 } * 25)
        // Every acknowledged record is stored exactly once: one execution per event id.
        let admin = try broker.admin()
        var stored = 0
        var cursor: Int64 = 0
        repeat {
            let page = try admin.list(Filter(service: "orders"), cursor: cursor, limit: 1000)
            stored += page.executions.count
            cursor = page.nextCursor
        } while cursor != 0
        #expect(stored == total)
    }
}
