import ArgumentParser
import CompJournal
import CompModel
import Foundation

/// `compbench journal`: group-commit throughput of the SQLite journal.
struct JournalBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Records per second through Journal.commit, for new failures and for a mixed batch.")

    @Option(help: "Records measured per repetition and workload.")
    var records = 20_000

    @Option(help: "Records per group commit.")
    var batch = 1000

    @Option(help: "synchronous mode: full or normal.")
    var sync: String = "full"

    @Option(help: "Executions to preload before measuring (90% finished, 10% open).")
    var preload = 0

    @Option(name: .customLong("repeat"), help: "Repetitions; the median is reported.")
    var repetitions = 3

    @Option(help: "Use this database file (kept afterwards) instead of a temporary one.")
    var db: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "Measure start-up instead: open the journal, the broker's start-up reads, a first commit (ms each).")
    var startup = false

    func validate() throws {
        guard SyncMode(rawValue: sync) != nil else { throw ValidationError("--sync must be full or normal") }
        guard records >= 0, batch > 0, preload >= 0, repetitions > 0 else {
            throw ValidationError("--records and --preload must be >= 0, --batch and --repeat > 0")
        }
    }

    func run() throws {
        let folder = NSTemporaryDirectory() + "compbench-" + UUID().uuidString
        let path = db ?? folder + "/journal.db"
        defer { if db == nil { try? FileManager.default.removeItem(atPath: folder) } }
        var workload = Workload(seed: 0x5EED)

        if preload > 0 {
            let loader = try Journal(options: JournalOptions(path: path, sync: .normal))
            let started = Date()
            try workload.preload(loader, executions: preload)
            FileHandle.standardError.write(Data(String(
                format: "preloaded %d executions in %.1f s\n", preload, Date().timeIntervalSince(started)).utf8))
        }
        if startup { return try measureStartup(path: path, workload: &workload) }
        let journal = try Journal(options: JournalOptions(path: path, sync: SyncMode(rawValue: sync) ?? .full))
        var results: [(name: String, rates: [Double])] = [("failures", []), ("mixed", [])]
        if records > 0 {
            for _ in 0..<repetitions {
                results[0].rates.append(try measure { try workload.failures(journal, count: records, batch: batch) })
                results[1].rates.append(try measure { try workload.mixed(journal, count: records, batch: batch) })
            }
        }
        report(results)
    }

    /// Times what a broker does before its first answer: open the journal (WAL recovery, checks, migration,
    /// in-memory state), read the leases and the earliest expiry, then commit one record.
    private func measureStartup(path: String, workload: inout Workload) throws {
        func milliseconds(_ body: () throws -> Void) rethrows -> Double {
            let started = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        }
        var journal: Journal?
        let open = try milliseconds {
            journal = try Journal(options: JournalOptions(path: path, sync: SyncMode(rawValue: sync) ?? .full))
        }
        guard let journal else { return }
        var leased = 0
        let reads = try milliseconds {
            leased = try journal.leasedExecutions().count
            _ = try journal.earliestLeaseExpiry()
            _ = journal.pausedServices()
        }
        let first = try milliseconds {
            let now = Workload.clock()
            _ = try journal.commit([.record(workload.failure(workload.key(), now: now))], now: now)
        }
        journal.close()
        print(String(format: "startup: open %.1f ms, start-up reads %.1f ms (%d leased), first commit %.1f ms",
                     open, reads, leased, first))
    }

    private func measure(_ body: () throws -> Int) throws -> Double {
        let started = DispatchTime.now().uptimeNanoseconds
        let count = try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return Double(count) / max(seconds, 1e-9)
    }

    private func report(_ results: [(name: String, rates: [Double])]) {
        func stats(_ rates: [Double]) -> (median: Double, min: Double, max: Double) {
            let sorted = rates.sorted()
            guard !sorted.isEmpty else { return (0, 0, 0) }
            let middle = sorted.count / 2
            let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            return (median, sorted[0], sorted[sorted.count - 1])
        }
        if json {
            let items = results.map { result in
                let value = stats(result.rates)
                return "{\"workload\":\"\(result.name)\",\"median\":\(Int(value.median)),\"min\":\(Int(value.min)),"
                    + "\"max\":\(Int(value.max))}"
            }
            print("{\"sync\":\"\(sync)\",\"preload\":\(preload),\"batch\":\(batch),\"records\":\(records),"
                + "\"repeat\":\(repetitions),\"results\":[\(items.joined(separator: ","))]}")
            return
        }
        print("journal: sync=\(sync) preload=\(preload) batch=\(batch) records=\(records) repeat=\(repetitions)")
        print("workload    median rec/s    min rec/s    max rec/s")
        for result in results {
            let value = stats(result.rates)
            let name = result.name.padding(toLength: 10, withPad: " ", startingAt: 0)
            print(name + String(format: " %13.0f %12.0f %12.0f", value.median, value.min, value.max))
        }
    }
}

/// Generates records like a busy fleet: time-ordered record ids, unique event ids, 256-byte payloads,
/// correlation ids, a few services and functions.
struct Workload {
    var random: SplitMix64
    var counter = 0
    let services = ["orders", "billing", "shipping", "mail"]
    let functions = ["reserve", "charge", "notify", "ship", "audit", "refund", "invoice", "track"]
    let payload: [UInt8] = Array(repeating: 0x61, count: 256)
    /// Record ids as a client library makes them (monotonic UUIDv7).
    let ids: RecordIDGenerator

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
        ids = RecordIDGenerator(seed: seed)
    }

    static func clock() -> Timestamp { WallClock.now() }

    mutating func key() -> ExecutionKey {
        counter += 1
        return ExecutionKey(
            service: services[counter % services.count], processor: "main",
            function: functions[Int(random.next() % UInt64(functions.count))],
            eventId: "evt-\(counter)-\(String(random.next() % 1_000_000_007, radix: 36))")
    }

    mutating func failure(_ key: ExecutionKey, now: Timestamp) -> IncomingRecord {
        IncomingRecord(
            id: ids.next(at: now), kind: .failure, key: key,
            correlationId: "order-\(String(random.next(), radix: 16))",
            failure: FailureReport(
                error: ErrorInfo(code: "DB_DOWN", message: "connection refused by db-3:5432"), occurredAt: now),
            spec: .standard, payload: payload)
    }

    mutating func success(_ key: ExecutionKey, now: Timestamp) -> IncomingRecord {
        IncomingRecord(id: ids.next(at: now), kind: .success, key: key)
    }

    /// Batches of new failures; returns how many records were committed.
    mutating func failures(_ journal: Journal, count: Int, batch: Int) throws -> Int {
        var done = 0
        while done < count {
            let now = Self.clock()
            let size = min(batch, count - done)
            var commands: [JournalCommand] = []
            commands.reserveCapacity(size)
            for _ in 0..<size { commands.append(.record(failure(key(), now: now))) }
            _ = try journal.commit(commands, now: now)
            done += size
        }
        return done
    }

    /// Batches of 90% successes for keys the journal does not hold and 10% new failures.
    mutating func mixed(_ journal: Journal, count: Int, batch: Int) throws -> Int {
        var done = 0
        while done < count {
            let now = Self.clock()
            let size = min(batch, count - done)
            var commands: [JournalCommand] = []
            commands.reserveCapacity(size)
            for index in 0..<size {
                commands.append(.record(index % 10 == 9 ? failure(key(), now: now) : success(key(), now: now)))
            }
            _ = try journal.commit(commands, now: now)
            done += size
        }
        return done
    }

    /// `executions` executions through the journal in big batches: 90% failed then succeeded, 10% left open.
    mutating func preload(_ journal: Journal, executions: Int) throws {
        let batch = 20_000
        var done = 0
        while done < executions {
            let now = Self.clock()
            let size = min(batch, executions - done)
            var commands: [JournalCommand] = []
            var finished: [JournalCommand] = []
            commands.reserveCapacity(size)
            for index in 0..<size {
                let key = key()
                commands.append(.record(failure(key, now: now)))
                if index % 10 != 0 { finished.append(.record(success(key, now: now))) }
            }
            _ = try journal.commit(commands + finished, now: now)
            done += size
        }
    }
}
