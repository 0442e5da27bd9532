import CompClient
import CompModel
import CompWire
import Foundation
import Histogram
import Synchronization

/// Counters and in-flight failures shared by the load threads, behind one `Mutex`.
final class LoadState: Sendable {
    struct Counts {
        var sent = 0
        var acknowledged = 0
        var accepted = 0
        var duplicates = 0
        var stale = 0
        var rejected = 0
        var errors = 0
        var compensations = 0
        var subscriberErrors = 0
        var lastError = ""
        var lastSubscriberError = ""
    }

    private struct Inner {
        var counts = Counts()
        var ackLatency = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var dispatchLag = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var afterGrant = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        /// Failures waiting for their retry: execution id → when it is due (ms).
        var due: [Int64: Int64] = [:]
    }

    private let inner = Mutex(Inner())

    func update(_ body: (inout Counts) -> Void) { inner.withLock { body(&$0.counts) } }
    var snapshot: Counts { inner.withLock { $0.counts } }
    var pending: Int { inner.withLock { $0.due.count } }

    /// Records one acknowledged batch: its latency and the failures that will come back.
    func acknowledged(latencyMicros: UInt64, records: Int, outcomes: [RecordOutcome], dueAt: Int64?, failures: [Bool]) {
        inner.withLock { inner in
            _ = inner.ackLatency.record(min(latencyMicros, 600_000_000))
            inner.counts.acknowledged += records
            for (outcome, isFailure) in zip(outcomes, failures) {
                switch outcome.status {
                case .accepted:
                    inner.counts.accepted += 1
                    if isFailure, let dueAt, outcome.executionId != 0 { inner.due[outcome.executionId] = dueAt }
                case .duplicate: inner.counts.duplicates += 1
                case .stale: inner.counts.stale += 1
                case .rejected: inner.counts.rejected += 1
                }
            }
        }
    }

    /// Records one delivered command, granted at `grantedAt` (ms); returns false for a command this run did not cause.
    func delivered(executionId: Int64, at now: Int64, grantedAt: Int64) -> Bool {
        inner.withLock { inner in
            guard let dueAt = inner.due.removeValue(forKey: executionId) else { return false }
            _ = inner.dispatchLag.record(UInt64(Swift.max(0, now - dueAt)) * 1000)
            _ = inner.afterGrant.record(UInt64(Swift.max(0, now - grantedAt)) * 1000)
            return true
        }
    }

    /// Acknowledgement latency, dispatch lag, and delivery after the lease's grant.
    func histograms() -> (ack: Histogram<UInt64>, lag: Histogram<UInt64>, afterGrant: Histogram<UInt64>) {
        inner.withLock { ($0.ackLatency, $0.dispatchLag, $0.afterGrant) }
    }
}

/// One load run: reporter threads, subscriber threads, a progress line, and the summary.
struct LoadRun {
    /// The lease length of every execution the run creates (its records' retry spec), so a delivered command's
    /// grant is its lease deadline less this.
    static let executionTimeoutMs: UInt64 = 30_000

    let plan: LoadPlan
    let options: ConnectionOptions

    func execute() throws -> LoadSummary {
        let state = LoadState()
        let stopSending = StopFlag()
        let stopSubscribers = StopFlag()
        let senders = DispatchGroup()
        let subscriberGroup = DispatchGroup()
        let timeoutMs = Int(DurationText.milliseconds(options.timeout) ?? 5000)

        // Fail fast when nobody answers.
        let probe = try options.connect()
        _ = try probe.request(.heartbeat(Heartbeat(sentAt: WallClock.now().milliseconds)))
        FileHandle.standardError.write(Data(plan.banner(broker: options.broker).utf8))

        for index in 0..<plan.subscribers {
            let connection = try BrokerConnection(address: options.broker, timeoutMilliseconds: timeoutMs, key: try? options.signingKey())
            let subscriber = Subscriber(connection: connection, service: plan.service, instance: "load-\(getpid())-\(index)")
            subscriberGroup.enter()
            Thread {
                defer { subscriberGroup.leave() }
                runSubscriber(subscriber, state: state, stop: stopSubscribers)
            }.start()
        }

        let started = WallClock.now().milliseconds
        for index in 0..<plan.connections {
            let connection = try BrokerConnection(address: options.broker, timeoutMilliseconds: timeoutMs, key: try? options.signingKey())
            var share: Int?
            if let count = plan.count {
                share = count / plan.connections + (index < count % plan.connections ? 1 : 0)
            }
            senders.enter()
            let quota = share
            Thread {
                defer { senders.leave() }
                runSender(
                    connection, quota: quota, started: started, phase: Double(index) / Double(plan.connections),
                    state: state, stop: stopSending)
            }.start()
        }

        let progress = isatty(STDERR_FILENO) == 1 && !options.json
        var lastPrint = started
        while senders.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
            if let durationMs = plan.durationMs, WallClock.now().milliseconds - started >= durationMs {
                stopSending.set()
            }
            if progress, WallClock.now().milliseconds - lastPrint >= 1000 {
                lastPrint = WallClock.now().milliseconds
                printProgress(state, since: started)
            }
        }
        let sendingEnded = WallClock.now().milliseconds

        var compensationEnd = sendingEnded
        if plan.subscribers > 0 {
            let deadline = sendingEnded + plan.drainTimeoutMs
            while state.pending > 0, WallClock.now().milliseconds < deadline {
                usleep(20_000)
                if progress, WallClock.now().milliseconds - lastPrint >= 1000 {
                    lastPrint = WallClock.now().milliseconds
                    printProgress(state, since: started)
                }
            }
            compensationEnd = WallClock.now().milliseconds
            stopSubscribers.set()
            subscriberGroup.wait()
        }
        if progress { FileHandle.standardError.write(Data("\n".utf8)) }

        let counts = state.snapshot
        let (ack, lag, afterGrant) = state.histograms()
        let seconds = Double(sendingEnded - started) / 1000
        var summary = LoadSummary(
            seconds: seconds, sent: counts.sent, acknowledged: counts.acknowledged, accepted: counts.accepted,
            duplicates: counts.duplicates, stale: counts.stale, rejected: counts.rejected, errors: counts.errors,
            recordsPerSecond: seconds > 0 ? Double(counts.acknowledged) / seconds : 0,
            ackLatency: Percentiles(ack))
        if plan.subscribers > 0 {
            let loopSeconds = Double(compensationEnd - started) / 1000
            summary.compensations = counts.compensations
            summary.compensationsPerSecond = loopSeconds > 0 ? Double(counts.compensations) / loopSeconds : 0
            summary.dispatchLag = Percentiles(lag)
            summary.deliveryAfterGrant = Percentiles(afterGrant)
            summary.pendingAtEnd = state.pending
            summary.subscriberErrors = counts.subscriberErrors
        }
        if counts.errors > 0, !counts.lastError.isEmpty {
            FileHandle.standardError.write(Data("compctl: \(counts.errors) errors; last: \(counts.lastError)\n".utf8))
        }
        if counts.subscriberErrors > 0 {
            FileHandle.standardError.write(Data(
                "compctl: \(counts.subscriberErrors) subscriber request errors; last: \(counts.lastSubscriberError)\n".utf8))
        }
        return summary
    }

    private func printProgress(_ state: LoadState, since started: Int64) {
        let counts = state.snapshot
        let seconds = Double(WallClock.now().milliseconds - started) / 1000
        var line = String(
            format: "\r%6.1fs  sent %d  acked %d  %.0f rec/s  errors %d", seconds, counts.sent,
            counts.acknowledged, seconds > 0 ? Double(counts.acknowledged) / seconds : 0, counts.errors)
        if plan.subscribers > 0 { line += "  compensated \(counts.compensations)  pending \(state.pending)" }
        FileHandle.standardError.write(Data((line + "   ").utf8))
    }

    /// One connection's send loop. `phase` (0..<1) offsets its paced schedule by that share of its interval
    /// between batches, so paced connections send at evenly spread instants, as independent clients do;
    /// phase-locked connections sent every batch at the same instant, and the broker's answer to those bursts
    /// (not the rate) set the latency.
    private func runSender(
        _ connection: BrokerConnection, quota: Int?, started: Int64, phase: Double, state: LoadState, stop: StopFlag
    ) {
        var generator = SplitMix64.seededFromSystem()
        let padding = [UInt8](repeating: 0x5A, count: Swift.max(0, plan.recordBytes - 120))
        let spec = RetrySpecPatch(
            maxRetries: 5, minBackoffMs: plan.backoffMs, maxBackoffMs: 1000, executionTimeoutMs: Self.executionTimeoutMs,
            jitterPermille: 0)
        let perConnectionRate = plan.rate.map { $0 / Double(plan.connections) }
        let reporter = Reporter(connection: connection, attempts: 1, batchSize: plan.batch)
        var intended = Double(started) * 1000  // µs
        if let perConnectionRate { intended += phase * Double(plan.batch) / perConnectionRate * 1_000_000 }
        var sent = 0
        while !stop.isSet {
            var size = plan.batch
            if let quota {
                if sent >= quota { break }
                size = Swift.min(size, quota - sent)
            }
            // Build the batch first, so its cost is not counted as latency when the load is paced.
            var records: [Record] = []
            var failures: [Bool] = []
            records.reserveCapacity(size)
            let now = WallClock.now().milliseconds
            // One lock on the shared id generator per batch: per record, 8 senders contended on it (a quarter of
            // the generator's CPU against a fast server).
            let ids = RecordIdentifier.next(count: size)
            for index in 0..<size {
                let isFailure = Double.random(in: 0..<1, using: &generator) < plan.failureRatio
                let eventId = LoadText.text(
                    isFailure ? "f-" : "s-", UInt64(Swift.max(0, now)), generator.next() % 1_000_000_000_000)
                records.append(Record(
                    id: ids[index], kind: isFailure ? .failure : .success, service: plan.service,
                    processor: "load", function: "handle", eventId: eventId,
                    occurredAt: now, correlationId: LoadText.text("order-", generator.next() % 10_000_000),
                    error: isFailure ? ErrorDetails(code: "LOAD_FAILURE", message: "generated by compctl load") : nil,
                    retrySpec: isFailure ? spec : nil, payload: padding))
                failures.append(isFailure)
            }
            if perConnectionRate != nil {
                let now = Double(WallClock.nowMicroseconds())
                if intended > now { usleep(useconds_t(Swift.min(intended - now, 1_000_000))) }
                if stop.isSet { break }
            }
            let sendAt = WallClock.nowMicroseconds()
            let measuredFrom = perConnectionRate == nil ? sendAt : Int64(Swift.max(0, intended))
            state.update { $0.sent += size }
            do {
                // The reporter cuts the batch further when its frame would pass the broker's limit.
                let outcomes = try reporter.send(records)
                let ackAt = WallClock.nowMicroseconds()
                state.acknowledged(
                    latencyMicros: UInt64(ackAt - Swift.min(measuredFrom, ackAt)), records: size, outcomes: outcomes,
                    dueAt: plan.subscribers > 0 ? ackAt / 1000 + Int64(plan.backoffMs) : nil,
                    failures: failures)
            } catch {
                state.update {
                    $0.errors += size
                    $0.lastError = "\(error)"
                }
            }
            sent += size
            if let perConnectionRate { intended += Double(size) / perConnectionRate * 1_000_000 }
        }
    }

    private func runSubscriber(_ subscriber: Subscriber, state: LoadState, stop: StopFlag) {
        while !stop.isSet {
            do {
                let commands = try subscriber.fetch(max: 500, waitMilliseconds: 200)
                if commands.isEmpty { continue }
                let now = WallClock.now().milliseconds
                // The lease's grant: its deadline less the lease length every record of this run asked for.
                let counted = commands.map {
                    state.delivered(executionId: $0.executionId, at: now,
                                    grantedAt: $0.leaseDeadline - Int64(Self.executionTimeoutMs))
                }
                let outcomes = try subscriber.report(commands.map { RetryResult(command: $0, outcome: .success) })
                let done = zip(outcomes, counted).count { $0.status == .accepted && $1 }
                state.update { $0.compensations += done }
            } catch {
                // Counted and shown in the summary (a reply that cannot be decoded included).
                state.update {
                    $0.subscriberErrors += 1
                    $0.lastSubscriberError = "\(error)"
                }
                usleep(50_000)
            }
        }
    }
}

/// The texts of generated records (`f-1764604800000-123`, `order-42`), written digit by digit: string
/// interpolation was a fifth of the load generator's instructions per record.
enum LoadText {
    /// `prefix`, then the decimal digits of `first`, then `-` and those of `second` when given.
    static func text(_ prefix: StaticString, _ first: UInt64, _ second: UInt64? = nil) -> String {
        String(unsafeUninitializedCapacity: prefix.utf8CodeUnitCount + 41) { buffer in
            var end = 0
            prefix.withUTF8Buffer { bytes in
                for byte in bytes {
                    buffer[end] = byte
                    end += 1
                }
            }
            func append(_ value: UInt64) {
                var count = 1
                var rest = value / 10
                while rest > 0 {
                    count += 1
                    rest /= 10
                }
                rest = value
                for index in stride(from: end + count - 1, through: end, by: -1) {
                    buffer[index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                    rest /= 10
                }
                end += count
            }
            append(first)
            if let second {
                buffer[end] = UInt8(ascii: "-")
                end += 1
                append(second)
            }
            return end
        }
    }
}

/// A stop flag shared between threads.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
