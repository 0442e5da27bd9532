import ArgumentParser
import CompClient
import CompJournal
import CompModel
import CompWire
import Foundation

/// `compctl spool status|flush|fill DIR`: a node's local spool of records not yet acknowledged by the
/// broker (store-and-forward; `compctl report --spool DIR` writes to it).
struct Spool: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look at, forward or fill a local spool of records (store-and-forward).",
        discussion: """
            A spool is a directory holding spool.sqlite (synchronous=FULL): records are durable there before \
            `report --spool` returns, and go to the broker in order, with their own ids, when it answers. A \
            record the broker refuses (for example record_too_old) is kept in the spool's rejected list, \
            never dropped.
            """,
        subcommands: [SpoolStatus.self, SpoolFlush.self, SpoolFill.self])
}

/// Options of every spool command.
struct SpoolOptions: ParsableArguments {
    @Argument(help: "The spool's directory.") var directory: String
    @Option(name: .customLong("spool-limit"), help: "The most pending bytes the spool holds (e.g. 64MiB, 500KiB).")
    var spoolLimit = "64MiB"

    func validate() throws {
        guard !directory.isEmpty else { throw ValidationError("the spool directory must not be empty") }
        guard SpoolLimit.bytes(spoolLimit) != nil else {
            throw ValidationError("--spool-limit must be a size such as 64MiB, 500KiB or 1048576; got `\(spoolLimit)`")
        }
    }

    /// Opens the spool.
    func open() throws -> RecordSpool {
        do {
            return try RecordSpool(directory: directory, limitBytes: SpoolLimit.bytes(spoolLimit) ?? RecordSpool.defaultLimitBytes)
        } catch {
            throw Failure("cannot open the spool in \(directory): \(error)")
        }
    }
}

/// Sizes as `--spool-limit` takes them.
enum SpoolLimit {
    /// Bytes for `1048576`, `500KiB`, `64MiB` or `1GiB` (also `KB`/`MB`/`GB` as powers of 1024); nil otherwise.
    static func bytes(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
                                        ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let value = Int64(text.dropLast(suffix.count)), value > 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        guard let value = Int64(text), value > 0 else { return nil }
        return value
    }
}

/// `compctl spool status DIR`
struct SpoolStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what a spool holds: pending records and bytes, and refused records.")

    @OptionGroup var spool: SpoolOptions
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        try guarded {
            let opened = try spool.open()
            let status: SpoolFile.Status
            let refused: [(record: Record, code: UInt16, detail: String)]
            do {
                status = try opened.status()
                refused = try opened.rejected(limit: 20)
            } catch {
                throw Failure("cannot read the spool in \(spool.directory): \(error)")
            }
            let now = WallClock.now().milliseconds
            if json {
                struct RefusedJSON: Encodable {
                    let service: String, processor: String, function: String, eventId: String
                    let code: String, codeNumber: UInt16, detail: String
                }
                struct StatusJSON: Encodable {
                    let pending: Int, pendingBytes: Int64, limitBytes: Int64
                    let oldestAgeMs: Int64?, rejected: Int, rejectedShown: [RefusedJSON]
                }
                printJSON(StatusJSON(
                    pending: status.pending, pendingBytes: status.pendingBytes, limitBytes: status.limitBytes,
                    oldestAgeMs: status.oldestAppendedAt.map { max(0, now - $0) }, rejected: status.rejected,
                    rejectedShown: refused.map {
                        RefusedJSON(service: $0.record.service, processor: $0.record.processor,
                                    function: $0.record.function, eventId: $0.record.eventId,
                                    code: Names.code($0.code), codeNumber: $0.code, detail: $0.detail)
                    }))
                return
            }
            let age = status.oldestAppendedAt.map { " (oldest appended \(formatAge(now - $0)) ago)" } ?? ""
            print("pending: \(status.pending) records, \(status.pendingBytes) of \(status.limitBytes) bytes\(age)")
            print("rejected by the broker: \(status.rejected)")
            for entry in refused {
                let record = entry.record
                print("  \(record.service)/\(record.processor)/\(record.function)/\(record.eventId): "
                      + "\(Names.code(entry.code)) (\(entry.code))\(entry.detail.isEmpty ? "" : ": \(entry.detail)")")
            }
            if status.rejected > refused.count { print("  ... and \(status.rejected - refused.count) more") }
        }
    }

    private func formatAge(_ milliseconds: Int64) -> String {
        let seconds = max(0, milliseconds) / 1000
        if seconds >= 86_400 { return "\(seconds / 86_400)d" }
        if seconds >= 3600 { return "\(seconds / 3600)h" }
        if seconds >= 60 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

/// `compctl spool flush DIR`
struct SpoolFlush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush",
        abstract: "Send a spool's pending records to the broker, oldest first, until it is empty.",
        discussion: """
            Exit codes: 0 the spool is empty; 1 the broker refused some records (kept in the rejected list; \
            see `spool status`); 69 the broker stopped answering (the rest stays pending). --timeout bounds \
            each request, not the whole flush.
            """)

    @OptionGroup var spool: SpoolOptions
    @Option(help: "Records per request (1...1000).") var batch = 500
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (1...WireLimits.maxBatchRecords).contains(batch) else { throw ValidationError("--batch must be in 1...1000") }
    }

    func run() throws {
        try guarded {
            let opened = try spool.open()
            let reporter = Reporter(connection: try connection.connect(attempts: 1), attempts: 3, batchSize: batch)
            let report = opened.forward(through: reporter, batchSize: batch)
            try SpoolOutput.print(report, json: connection.json, directory: spool.directory)
        }
    }
}

/// What `spool flush` and `report --spool` print, and their exit codes.
enum SpoolOutput {
    /// Prints `report` and throws the exit code when the spool is not empty.
    static func print(_ report: RecordSpool.ForwardReport, json: Bool, directory: String,
                      spooled: Int? = nil) throws {
        if json {
            struct ForwardJSON: Encodable {
                let spooled: Int?, forwarded: Int, refused: Int, remaining: Int, stoppedBy: String?
            }
            printJSON(ForwardJSON(spooled: spooled, forwarded: report.forwarded, refused: report.refused,
                                  remaining: report.remaining, stoppedBy: report.stoppedBy))
        } else {
            if let spooled { Swift.print("spooled: \(spooled) record\(spooled == 1 ? "" : "s") durable in \(directory)") }
            Swift.print("forwarded: \(report.forwarded), refused: \(report.refused), pending: \(report.remaining)")
            if report.refused > 0 {
                Swift.print("refused records are kept: `compctl spool status \(directory)` lists them")
            }
            if report.remaining > 0, let reason = report.stoppedBy {
                Swift.print("stopped: \(reason); the pending records stay in the spool: "
                            + "`compctl spool flush \(directory)` sends them")
            }
        }
        // A report whose record is durable in the spool has done its job even when the broker is away.
        if spooled != nil { return }
        if report.remaining > 0, report.stoppedBy != nil { throw ExitCode(69) }
        if report.refused > 0 { throw ExitCode(1) }
    }
}

/// `compctl spool fill DIR`: generated records into a spool, for load tests of store-and-forward.
struct SpoolFill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fill",
        abstract: "Append generated new failures to a spool (load tests of store-and-forward); prints the local rate.",
        discussion: """
            Record i (1...count) is a new failure of SERVICE/fill/handle with event id fill-SEED-i. Its id is made \
            from --seed (a time in ms, by default now) and i, so a run with the same --seed makes the same ids: \
            after a crash, run it again and the spool (and later the broker) keeps each record once.
            """)

    @OptionGroup var spool: SpoolOptions
    @Option(help: "Records to append.") var count: Int
    @Option(help: "Records per transaction (1...1000).") var batch = 100
    @Option(help: "The ids' seed and time, ms since the epoch (default: now).") var seed: Int64?
    @Option(help: "The service of the records.") var service = "fleet"
    @Option(name: .customLong("record-bytes"), help: "Payload bytes of each record.") var recordBytes = 200
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard (1...1000).contains(batch) else { throw ValidationError("--batch must be in 1...1000") }
        if let seed, seed <= 0 { throw ValidationError("--seed must be a positive time in ms") }
        guard (0...WireLimits.maxPayloadBytes).contains(recordBytes) else {
            throw ValidationError("--record-bytes must be in 0...\(WireLimits.maxPayloadBytes)")
        }
    }

    func run() throws {
        try guarded {
            let opened = try spool.open()
            let seed = self.seed ?? WallClock.now().milliseconds
            let ids = RecordIDGenerator(seed: UInt64(seed))
            let madeAt = Timestamp(milliseconds: seed)
            let payload = [UInt8](repeating: 0x61, count: recordBytes)
            let started = ContinuousClock.now
            var added = 0
            var index = 1
            while index <= count {
                let last = min(count, index + batch - 1)
                let records = (index...last).map { number in
                    Record(
                        id: ids.next(at: madeAt).value, kind: .failure, service: service, processor: "fill",
                        function: "handle", eventId: "fill-\(seed)-\(number)", occurredAt: seed,
                        error: ErrorDetails(code: "FILL", message: "generated by compctl spool fill"),
                        payload: payload)
                }
                do {
                    added += try opened.append(records)
                } catch {
                    throw Failure("after \(index - 1) of \(count) records: \(error)")
                }
                index = last + 1
            }
            let elapsed = started.duration(to: .now).components
            let seconds = max(1e-9, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
            if json {
                struct FillJSON: Encodable { let appended: Int, new: Int, seconds: Double, recordsPerSecond: Double, seed: Int64 }
                printJSON(FillJSON(appended: count, new: added, seconds: seconds,
                                   recordsPerSecond: Double(count) / seconds, seed: seed))
            } else {
                print("appended \(count) records (\(added) new) in \(String(format: "%.2f", seconds)) s: "
                      + "\(Int(Double(count) / seconds)) records/s durable locally; seed \(seed)")
            }
        }
    }
}

extension Report {
    /// `report --spool DIR`: the record is durable in the spool first, then the spool is forwarded.
    func reportThroughSpool(_ record: Record, directory: String) throws {
        let spool: RecordSpool
        do {
            spool = try RecordSpool(directory: directory)
        } catch {
            throw Failure("cannot open the spool in \(directory): \(error)")
        }
        do {
            try spool.append([record])
        } catch {
            throw Failure("not reported: \(error)")
        }
        let reporter = Reporter(connection: try connection.connect(attempts: 2 + Self.sends), attempts: Self.sends)
        try SpoolOutput.print(spool.forward(through: reporter), json: connection.json, directory: directory, spooled: 1)
    }
}
