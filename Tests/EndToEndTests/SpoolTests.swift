import CompClient
import CompModel
import CompWire
import Foundation
import Testing

/// Store-and-forward: reports made while the broker is away are durable in a local spool and reach the
/// broker exactly once when it comes back, even when the reporting process is killed half way.
@Suite(.serialized)
struct SpoolTests {
    /// The count of FAILED executions the broker holds.
    private func failedCount(_ broker: BrokerProcess) throws -> UInt64 {
        try broker.admin().stats().counts.filter { $0.status == 1 }.reduce(0) { $0 + $1.count }
    }

    private func pending(_ spool: String) throws -> Int {
        let status = try compctl(["spool", "status", spool, "--json"])
        guard status.status == 0, let data = status.out.data(using: .utf8),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let pending = object["pending"] as? Int else {
            throw TestFailure("spool status failed: \(status.err)")
        }
        return pending
    }

    @Test("10,000 reports while the broker is down, the reporter killed -9 half way and run again: each is in the broker once")
    func outageAndKill() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spool = directory.path + "/spool"
        let seed = String(nowMs())
        let fill = ["spool", "fill", spool, "--count", "10000", "--batch", "20", "--seed", seed]

        // The reporter runs with no broker at all, and is killed while it appends.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("compctl"))
        process.arguments = fill
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let started = try eventually(60) { (try? pending(spool)).map { $0 >= 1000 } ?? false || !process.isRunning }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(started)
        let beforeRestart = try pending(spool)
        #expect(beforeRestart >= 1000)

        // Run again with the same seed: the same ids; what was spooled is not spooled twice.
        let rerun = try compctl(fill)
        #expect(rerun.status == 0, "\(rerun.err)")
        #expect(rerun.out.contains("(\(10_000 - beforeRestart) new)"), "\(rerun.out)")
        #expect(try pending(spool) == 10_000)

        // The broker comes up; the spool is forwarded.
        let broker = BrokerProcess(dataDirectory: directory.path + "/data", logDirectory: directory.path)
        try broker.start()
        let flush = try compctl(["spool", "flush", spool, "--broker", broker.listen, "--json"])
        #expect(flush.status == 0, "\(flush.out) \(flush.err)")
        #expect(try pending(spool) == 0)
        #expect(try failedCount(broker) == 10_000)
        #expect(try broker.admin().stats().recordsAccepted == 10_000)

        // The same records again (a spool restored from a backup, say): every one is a duplicate.
        #expect(try compctl(fill).status == 0)
        #expect(try compctl(["spool", "flush", spool, "--broker", broker.listen]).status == 0)
        let stats = try broker.admin().stats()
        #expect(stats.recordsDuplicate == 10_000 && stats.recordsAccepted == 10_000)
        #expect(try failedCount(broker) == 10_000)
    }

    @Test("a report made while the broker is away is spooled (exit 0) and forwarded by a later flush")
    func reportWhileAway() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spool = directory.path + "/spool"
        let broker = BrokerProcess(dataDirectory: directory.path + "/data", logDirectory: directory.path)
        let report = try compctl([
            "report", "failure", "--service", "orders", "--processor", "billing", "--function", "charge",
            "--event-id", "away-1", "--error-code", "DB_DOWN", "--spool", spool, "--broker", broker.listen,
            "--timeout", "1s",
        ])
        #expect(report.status == 0, "\(report.err)")
        #expect(report.out.contains("spooled: 1 record durable in \(spool)"), "\(report.out)")
        #expect(report.out.contains("pending: 1"), "\(report.out)")
        try broker.start()
        let flush = try compctl(["spool", "flush", spool, "--broker", broker.listen])
        #expect(flush.status == 0, "\(flush.err)")
        #expect(flush.out.contains("forwarded: 1, refused: 0, pending: 0"), "\(flush.out)")
        #expect(try failedCount(broker) == 1)
    }

    @Test("records made before the dedupe window are refused with record_too_old and kept in the spool's rejected list")
    func tooOld() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spool = directory.path + "/spool"
        let monthAgo = String(nowMs() - 30 * 86_400_000)
        #expect(try compctl(["spool", "fill", spool, "--count", "5", "--seed", monthAgo]).status == 0)
        let broker = BrokerProcess(dataDirectory: directory.path + "/data", logDirectory: directory.path)
        try broker.start()
        let flush = try compctl(["spool", "flush", spool, "--broker", broker.listen])
        #expect(flush.status == 1, "\(flush.out) \(flush.err)")
        #expect(flush.out.contains("forwarded: 0, refused: 5, pending: 0"), "\(flush.out)")
        let status = try compctl(["spool", "status", spool])
        #expect(status.out.contains("rejected by the broker: 5"), "\(status.out)")
        #expect(status.out.contains("record_too_old (29): id: made 30d ago"), "\(status.out)")
        #expect(try failedCount(broker) == 0)
        #expect(try broker.admin().stats().recordsRejected == 5)
    }

    @Test("a full spool refuses the report with a message naming the limit, and spools nothing of it")
    func full() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spool = directory.path + "/spool"
        let fill = try compctl(["spool", "fill", spool, "--count", "50", "--batch", "5", "--spool-limit", "4KiB"])
        #expect(fill.status == 1)
        #expect(fill.err.contains("the spool is full") && fill.err.contains("limit of 4096 bytes"), "\(fill.err)")
        let pendingAfter = try pending(spool)
        #expect(pendingAfter > 0 && pendingAfter < 50)
        let bad = try compctl(["spool", "status", spool, "--spool-limit", "lots"])
        #expect(bad.status == 64 && bad.err.contains("--spool-limit must be a size"), "\(bad.err)")
    }
}
