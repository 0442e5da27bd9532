@testable import CompBroker
import CompJournal
import CompModel
import Foundation
import Logging
import Testing

/// How the core loop groups work into commits: a pass commits everything it took, at once.
struct GroupCommitTests {
    @Test("records taken in a pass are committed within that pass and answered from its post (no batching window)")
    func commitsInThePass() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "group-commit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = BrokerConfig(dataDirectory: directory, eventsAddress: nil)
        let loop = try CoreLoop(
            store: try Journal(options: JournalOptions(path: config.databasePath)), config: config,
            counters: BrokerCounters(), events: EventSink(publisher: nil), logger: Logger(label: "test"),
            clock: BrokerClock.moment)
        let results = Locked<[[RecordResult]]>([])
        let one: [IncomingRecord] = [incoming("a")]
        let two: [IncomingRecord] = [incoming("b"), incoming("c")]
        loop.pass([
            .records(one) { result in results.with { $0.append((try? result.get()) ?? []) } },
            .records(two) { result in results.with { $0.append((try? result.get()) ?? []) } },
        ])
        // The pass posted both answers to the outbox before it returned: nothing waits for a later pass, a timer or
        // more work to fill a batch. (The outbox thread is not running here; finish() sends what was posted.)
        loop.outbox.finish()
        #expect(results.with { $0.map(\.count) } == [1, 2])
        #expect(results.with { $0.joined().allSatisfy { if case .accepted = $0 { true } else { false } } })
        let first = try #require(results.with { $0.first?.first })
        guard case .accepted(let id) = first else { Issue.record("not accepted: \(first)"); return }
        #expect(try loop.store.execution(id) != nil)
        // With nothing held, leased or due, the loop sleeps until work arrives; the only timer is the
        // retention step (idle interval), never a commit.
        #expect(loop.machine.nextWake(at: BrokerClock.moment()) >= BrokerClock.monotonic() + PrunePacer.idleInterval / 2)
        loop.store.close()
    }
}
