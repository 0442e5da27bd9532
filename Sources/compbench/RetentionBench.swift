import ArgumentParser
import CompJournal
import CompModel
import Foundation

/// `compbench retention`: the store's size under a steady ingest with a short retention, pruning as
/// compd does now (a loop of small transactions within a time budget, every tick) or as it did before
/// (one transaction of 500 executions every 10 s).
///
/// The journal refuses a retention under 24 h, so the benchmark keeps the 24 h retention and passes prune
/// a `now` that is `24 h − retention` ahead: an execution is pruned `--retention` seconds after it finished.
struct RetentionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Store size (file + WAL) under a steady ingest with a short retention, and the prune rate.")

    @Option(help: "New executions per second (each fails, then succeeds one tick later).")
    var rate = 2000

    @Option(help: "Seconds to run.")
    var seconds = 30

    @Option(help: "Seconds a finished execution is kept.")
    var retention = 5

    @Option(help: "Prune strategy: budget (loop of small transactions within --budget-ms each tick) or old (500 every 10 s).")
    var mode = "budget"

    @Option(help: "The prune time budget per tick, in milliseconds (mode budget).")
    var budgetMs = 20

    @Option(help: "synchronous mode: full or normal.")
    var sync: String = "full"

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    /// One tick of the loop: ingest, then prune.
    static let tick = 0.1

    func validate() throws {
        guard SyncMode(rawValue: sync) != nil else { throw ValidationError("--sync must be full or normal") }
        guard mode == "budget" || mode == "old" else { throw ValidationError("--mode must be budget or old") }
        guard rate > 0, seconds > 0, retention > 0, budgetMs >= 0 else {
            throw ValidationError("--rate, --seconds and --retention must be > 0, --budget-ms >= 0")
        }
    }

    func run() throws {
        let folder = NSTemporaryDirectory() + "compbench-retention-" + UUID().uuidString
        let path = folder + "/journal.db"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = try Journal(options: JournalOptions(
            path: path, sync: SyncMode(rawValue: sync) ?? .full, retention: Journal.minimumRetention))
        let checkpointer = try JournalCheckpointer(path: path)
        checkpointer.start()
        defer {
            checkpointer.stop()
            journal.close()
        }
        let ahead = TimeSpan.seconds(24 * 3600 - Int64(retention))
        var workload = Workload(seed: 0x2E7E)
        var open: [ExecutionKey] = []
        var samples: [Sample] = []
        var pruned = 0
        var pruneSeconds = 0.0
        var created = 0
        var lastOldPrune = 0.0
        let start = Date()
        let perTick = max(1, Int(Double(rate) * Self.tick))
        var tickIndex = 0
        while true {
            let elapsed = Date().timeIntervalSince(start)
            if elapsed >= Double(seconds) { break }
            let now = Workload.clock()
            var commands: [JournalCommand] = open.map { .record(workload.success($0, now: now)) }
            open = (0..<perTick).map { _ in workload.key() }
            commands += open.map { .record(workload.failure($0, now: now)) }
            _ = try journal.commit(commands, now: now)
            created += perTick

            let pruneStart = Date()
            let future = now.adding(ahead)
            if mode == "budget" {
                pruned += try journal.prune(now: future, budget: .milliseconds(budgetMs))
            } else if elapsed - lastOldPrune >= 10 {
                lastOldPrune = elapsed
                pruned += try journal.prune(now: future, batchSize: 500)
            }
            pruneSeconds += Date().timeIntervalSince(pruneStart)

            tickIndex += 1
            if tickIndex % Int(1 / Self.tick) == 0 {
                samples.append(Sample(
                    second: Int(elapsed.rounded()), database: fileBytes(path), wal: fileBytes(path + "-wal"),
                    stored: try stored(journal)))
            }
            let next = start.addingTimeInterval(Double(tickIndex) * Self.tick)
            let wait = next.timeIntervalSinceNow
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        }
        report(samples: samples, created: created, pruned: pruned, pruneSeconds: pruneSeconds,
               elapsed: Date().timeIntervalSince(start))
    }

    /// One sample per second: file sizes and executions stored.
    struct Sample {
        var second: Int
        var database: Int64
        var wal: Int64
        var stored: Int
        var bytes: Int64 { database + wal }
    }

    /// A file's size in bytes (0 when missing).
    private func fileBytes(_ path: String) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }

    private func stored(_ journal: Journal) throws -> Int {
        try journal.counts().reduce(0) { $0 + $1.count }
    }

    private func report(
        samples: [Sample], created: Int, pruned: Int, pruneSeconds: Double,
        elapsed: Double
    ) {
        // Steady state starts once the first executions are past retention (and the WAL has reached its
        // working size): compare the store there with the end.
        let steady = samples.filter { $0.second > 2 * retention + 2 }
        let first = steady.first ?? samples.first
        let last = samples.last
        let maxWal = samples.map(\.wal).max() ?? 0
        let mb = { (bytes: Int64) in Double(bytes) / 1_048_576 }
        let megabytes = { (bytes: Int64) in String(format: "%.1f", mb(bytes)) }
        let ingest = Double(created) / max(elapsed, 1e-9)
        let prunedPerSecond = Double(pruned) / max(elapsed, 1e-9)
        let pruneThroughput = Double(pruned) / max(pruneSeconds, 1e-9)
        if json {
            print("{\"mode\":\"\(mode)\",\"sync\":\"\(sync)\",\"retention\":\(retention),\"seconds\":\(seconds),"
                + "\"ingestPerSecond\":\(Int(ingest)),\"prunedPerSecond\":\(Int(prunedPerSecond)),"
                + "\"pruneThroughput\":\(Int(pruneThroughput)),\"steadyFromSecond\":\(first?.second ?? 0),"
                + "\"steadyStartDatabaseMB\":\(megabytes(first?.database ?? 0)),"
                + "\"endDatabaseMB\":\(megabytes(last?.database ?? 0)),\"maxWalMB\":\(megabytes(maxWal)),"
                + "\"steadyStartMB\":\(megabytes(first?.bytes ?? 0)),\"endMB\":\(megabytes(last?.bytes ?? 0)),"
                + "\"storedAtSteadyStart\":\(first?.stored ?? 0),\"storedAtEnd\":\(last?.stored ?? 0)}")
            return
        }
        print("retention: mode=\(mode) sync=\(sync) rate=\(rate)/s retention=\(retention) s, \(seconds) s")
        print("second   db MB  WAL MB  total MB  executions")
        for sample in samples {
            print(String(format: "%6d %7.1f %7.1f %9.1f %11d", sample.second, mb(sample.database), mb(sample.wal),
                         mb(sample.bytes), sample.stored))
        }
        print(String(format: "steady state from second %d: database %.1f MB -> %.1f MB, file + WAL %.1f MB -> %.1f MB "
                     + "(WAL at most %.1f MB), executions %d -> %d",
                     first?.second ?? 0, mb(first?.database ?? 0), mb(last?.database ?? 0), mb(first?.bytes ?? 0),
                     mb(last?.bytes ?? 0), mb(maxWal), first?.stored ?? 0, last?.stored ?? 0))
        print(String(format: "ingest %.0f executions/s; pruned %.0f executions/s; prune throughput %.0f executions/s of prune time",
                     ingest, prunedPerSecond, pruneThroughput))
    }
}
