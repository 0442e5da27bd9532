import CompJournal
import CompModel
import Testing
@testable import CompNotify

/// A notifier's owner, simulated: every `step` of the clock it reads the rows committed so far in batches of
/// `batchSize` until a batch comes back empty, sends what the machine returns, then calls `tick`.
struct OwnerSimulation {
    let journal: [JournalChange]
    let batchSize: Int
    let step = TimeSpan.milliseconds(500)

    struct Outcome {
        var emitted: [Notification] = []
        var delivered: [String] = []
        /// The machine's durable cursor after each step of the clock.
        var cursors: [Int64] = []
        var after: Int64
    }

    /// Runs `machine` from `start` until `end`; `deliver(message, time)` says whether a message is delivered.
    func run(
        _ machine: inout NotifierMachine, after cursor: Int64, from start: Timestamp, until end: Timestamp,
        deliver: (Notification, Timestamp) -> Bool = { _, _ in true }
    ) -> Outcome {
        var outcome = Outcome(after: cursor)
        var now = start
        func handle(_ messages: [Notification]) {
            for message in messages {
                outcome.emitted.append(message)
                if deliver(message, now) {
                    machine.delivered(message.idempotencyKey)
                    outcome.delivered.append(message.idempotencyKey)
                }
            }
        }
        while now <= end {
            while true {
                // Seqs are 1...n, so the rows after `after` start at index `after`.
                let visible = journal[Int(outcome.after)...].prefix { $0.at <= now }.prefix(batchSize)
                let batch = ChangeBatch(changes: Array(visible), lastSeq: visible.last?.seq ?? outcome.after, prunedRows: 0)
                handle(machine.read(batch, now: now))
                outcome.after = batch.lastSeq
                if visible.isEmpty { break }
            }
            handle(machine.tick(now: now))
            outcome.cursors.append(machine.durableCursor)
            now = now.adding(step)
        }
        return outcome
    }

    /// A journal of about `count` first failures over three handlers and two codes, in bursts and calm
    /// stretches, with retries that fail or succeed, parks, and a pause and resume.
    static func journal(count: Int = 600, seed: UInt64 = 2026) -> [JournalChange] {
        var rows = Rows()
        var random = SplitMix64(seed: seed)
        var time = Rows.at(0)
        var changes: [JournalChange] = []
        var waiting: [Execution] = []
        for index in 0..<count {
            let burst = (index / 120) % 2 == 0
            time = time.adding(.milliseconds(Int64(random.next() % (burst ? 40 : 1500))))
            let function = ["charge", "refund", "ship"][Int(random.next() % 3)]
            let code = ["DB_DOWN", "TIMEOUT"][Int(random.next() % 2)]
            let hint: Recoverability = random.next() % 20 == 0 ? .unrecoverable : .unknown
            let (created, execution) = rows.created(id: ExecutionID(index + 1), function: function, code: code, hint: hint, at: time)
            changes.append(created)
            if execution.status == .failed { waiting.append(execution) }
            if random.next() % 3 == 0, let due = waiting.firstIndex(where: { ($0.nextRetryAt ?? .distantFuture) <= time }) {
                let execution = waiting.remove(at: due)
                let token = UInt64(rows.seq + 1)
                guard let (leasedRow, leased) = try? rows.applied(.lease(token: token, holder: "n1"), to: execution, kind: "leased", at: time)
                else { continue }
                changes.append(leasedRow)
                if random.next() % 2 == 0 {
                    let failure = FailureReport(error: ErrorInfo(code: code, message: "still down"), occurredAt: time)
                    if let (row, failed) = try? rows.applied(.failure(failure, leaseToken: token), to: leased, kind: "failure-result", at: time) {
                        changes.append(row)
                        if failed.status == .failed { waiting.append(failed) }
                    }
                } else if let (row, _) = try? rows.applied(.success(leaseToken: token), to: leased, kind: "success-result", at: time) {
                    changes.append(row)
                }
            }
            if index == count / 2 {
                changes.append(rows.service("orders", paused: true, actor: "compctl:alice", at: time))
                changes.append(rows.service("orders", paused: false, actor: "compctl:alice", at: time))
            }
        }
        return changes
    }
}

struct RestartTests {
    static let consoleURL = "http://console.test"

    /// FNV-1a of the key: a fixed pick of messages, the same in every run.
    static func stableHash(_ key: String) -> UInt64 {
        key.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }

    static func body(_ message: Notification) -> String {
        String(decoding: NotificationBody.render(message, for: .webhook, consoleURL: consoleURL), as: UTF8.self)
    }

    @Test("the simulated journal has storms, every kind of row, and contiguous seqs")
    func journalShape() {
        let journal = OwnerSimulation.journal()
        #expect(journal.map(\.seq) == Array(1...Int64(journal.count)))
        let kinds = Set(journal.compactMap { DerivedEvent.derive(from: $0)?.kind })
        #expect(kinds.isSuperset(of: [.failureCreated, .retryFailed, .succeeded, .parked, .servicePaused, .serviceResumed]))
        #expect(zip(journal, journal.dropFirst()).allSatisfy { $0.at <= $1.at })
    }

    @Test("straight through: every key once, digests in the storms, and the cursor ends at the last row")
    func straightThrough() {
        let journal = OwnerSimulation.journal()
        let simulation = OwnerSimulation(journal: journal, batchSize: 7)
        var machine = NotifierMachine(config: stormConfig(threshold: 5, window: .seconds(10)), cursor: 0)
        let end = journal[journal.count - 1].at.adding(.seconds(30))
        let outcome = simulation.run(&machine, after: 0, from: Rows.at(0), until: end)
        let keys = outcome.emitted.map(\.idempotencyKey)
        #expect(Set(keys).count == keys.count)
        #expect(outcome.emitted.contains { $0.digest != nil })
        #expect(machine.pendingCount == 0)
        #expect(machine.durableCursor == journal[journal.count - 1].seq)
        #expect(zip(outcome.cursors, outcome.cursors.dropFirst()).allSatisfy { $0 <= $1 }, "the cursor never moves back")
        // Each event is told exactly once: singly or counted in one digest.
        let events = journal.compactMap(DerivedEvent.derive).count
        let told = outcome.emitted.reduce(0) { sum, message in sum + (message.digest?.count ?? 1) }
        #expect(told == events)
    }

    @Test("a restart from the durable cursor re-derives only keys of the straight run, with the same bodies, and loses none",
          arguments: [1, 4, 50])
    func restart(batchSize: Int) throws {
        let journal = OwnerSimulation.journal()
        let config = stormConfig(threshold: 5, window: .seconds(10))
        let end = journal[journal.count - 1].at.adding(.seconds(30))

        var straight = NotifierMachine(config: config, cursor: 0)
        let reference = OwnerSimulation(journal: journal, batchSize: 7).run(&straight, after: 0, from: Rows.at(0), until: end)
        var bodies: [String: String] = [:]
        for message in reference.emitted { bodies[message.idempotencyKey] = Self.body(message) }

        let simulation = OwnerSimulation(journal: journal, batchSize: batchSize)
        var stops = 0
        var stop = Rows.at(3)
        while stop < end {
            // Run B: crashes at `stop`. What it emitted in its last half second was still in flight, and about
            // a third of what it emitted in the 20 s before (picked by key) was never delivered: a receiver
            // that refused some and answered others, so deliveries end out of order.
            var first = NotifierMachine(config: config, cursor: 0)
            let before = simulation.run(&first, after: 0, from: Rows.at(0), until: stop) { message, time in
                if time.adding(.milliseconds(500)) > stop { return false }
                return time.adding(.seconds(20)) <= stop || Self.stableHash(message.idempotencyKey) % 3 != 0
            }
            let cursor = first.durableCursor
            var second = NotifierMachine(config: config, cursor: cursor)
            let after = simulation.run(&second, after: cursor, from: stop.adding(.seconds(3)), until: end)

            for message in before.emitted + after.emitted {
                #expect(bodies[message.idempotencyKey] == Self.body(message), "stop \(stop) key \(message.idempotencyKey)")
            }
            let told = Set(before.delivered).union(after.emitted.map(\.idempotencyKey))
            #expect(Set(bodies.keys).subtracting(told).isEmpty, "stop \(stop): lost keys")
            stops += 1
            stop = stop.adding(.milliseconds(7_300))
        }
        #expect(stops > 20)
    }
}
