import CompJournal
import CompModel
import Testing
@testable import CompNotify

struct StormControlTests {
    /// The digest key of the window starting at `t0` for orders/charge and `code`.
    static func digestKey(_ code: String = "DB_DOWN", start: Timestamp = Rows.t0, kind: String = "failure_created") -> String {
        "hook:digest:\(kind):orders/charge:\(code):\(start.milliseconds)"
    }

    @Test("the first N events of a window go singly; the rest go as one digest when the window closes")
    func digestAfterN() throws {
        var rows = Rows()
        var machine = NotifierMachine(config: stormConfig(threshold: 3), cursor: 0)
        let sent = machine.read(.of(rows.storm(count: 10, from: Rows.at(0))), now: Rows.at(1))
        #expect(sent.map(\.idempotencyKey) == ["hook:1", "hook:2", "hook:3"])
        #expect(machine.nextWake == Rows.at(61))
        #expect(machine.read(.of([], after: 10), now: Rows.at(60, ms: 999)).isEmpty)
        #expect(machine.tick(now: Rows.at(60, ms: 999)).isEmpty)

        let digests = machine.tick(now: Rows.at(61))
        #expect(digests.map(\.idempotencyKey) == [Self.digestKey()])
        let digest = try #require(digests.first)
        #expect(digest.kind == .failureCreated)
        #expect((digest.firstSeq, digest.lastSeq) == (1, 10))
        #expect(digest.digest == DigestFacts(
            count: 7, total: 10, windowStart: Rows.t0, windowEnd: Rows.at(60), service: "orders",
            function: "charge", errorCode: "DB_DOWN"))
        #expect(machine.nextWake == nil)
        #expect(machine.tick(now: Rows.at(200)).isEmpty)
    }

    @Test("rows read in several batches count as one window; tick before the reader caught up closes nothing")
    func severalBatches() throws {
        var rows = Rows()
        let storm = rows.storm(count: 10, from: Rows.at(0))
        var machine = NotifierMachine(config: stormConfig(threshold: 3), cursor: 0)
        var keys: [String] = []
        for (index, part) in [storm[0..<2], storm[2..<7], storm[7..<10]].enumerated() {
            keys += machine.read(.of(Array(part)), now: Rows.at(500)).map(\.idempotencyKey)
            // Long after the window's end, but the reader has not said it caught up: unread rows may belong to it.
            if index < 2 { #expect(machine.tick(now: Rows.at(500)).isEmpty) }
        }
        #expect(keys == ["hook:1", "hook:2", "hook:3"])
        let digests = machine.read(.of([], after: 10), now: Rows.at(500))
        #expect(digests.map(\.idempotencyKey) == [Self.digestKey()])
        #expect(digests.first?.digest?.count == 7)
    }

    @Test("a window that never exceeds N sends no digest, and pins the cursor until it closes")
    func neverExceeds() {
        var rows = Rows()
        var machine = NotifierMachine(config: stormConfig(threshold: 3), cursor: 0)
        let sent = machine.read(.of(rows.storm(count: 3, from: Rows.at(0))), now: Rows.at(1))
        #expect(sent.count == 3)
        for message in sent { machine.delivered(message.idempotencyKey) }
        #expect(machine.pendingCount == 0)
        #expect(machine.durableCursor == 0)
        #expect(machine.read(.of([], after: 3), now: Rows.at(61)).isEmpty)
        #expect(machine.durableCursor == 3)
        #expect(machine.nextWake == nil)
    }

    @Test("windows of different keys count separately; digests come out oldest first")
    func twoKeys() throws {
        var rows = Rows()
        var changes: [JournalChange] = []
        for index in 0..<5 {
            changes.append(rows.created(id: ExecutionID(2 * index + 1), code: "DB_DOWN", at: Rows.at(Int64(index))).0)
            changes.append(rows.created(id: ExecutionID(2 * index + 2), code: "TIMEOUT", at: Rows.at(Int64(index))).0)
        }
        var machine = NotifierMachine(config: stormConfig(threshold: 3), cursor: 0)
        let singles = machine.read(.of(changes), now: Rows.at(5))
        #expect(singles.map(\.idempotencyKey) == ["hook:1", "hook:2", "hook:3", "hook:4", "hook:5", "hook:6"])
        let digests = machine.read(.of([], after: 10), now: Rows.at(61))
        #expect(digests.map(\.idempotencyKey) == [Self.digestKey("DB_DOWN"), Self.digestKey("TIMEOUT")])
        #expect(digests.map { $0.digest?.count } == [2, 2])
        #expect(digests.map { [$0.firstSeq, $0.lastSeq] } == [[1, 9], [2, 10]])
    }

    @Test("a later row at or past a window's end plus 1 s closes it, without the clock")
    func journalTimeCloses() {
        var rows = Rows()
        var changes = rows.storm(count: 5, from: Rows.at(0))
        changes.append(rows.created(id: 100, code: "OTHER", at: Rows.at(60, ms: 999)).0)
        changes.append(rows.created(id: 101, code: "OTHER", at: Rows.at(61)).0)
        var machine = NotifierMachine(config: stormConfig(threshold: 3), cursor: 0)
        // `now` is before the window's end: only the rows' own times close it.
        let sent = machine.read(.of(changes), now: Rows.at(0))
        #expect(sent.map(\.idempotencyKey) == ["hook:1", "hook:2", "hook:3", "hook:6", Self.digestKey(), "hook:7"])
    }

    @Test("a late row whose window already closed goes singly")
    func lateRow() throws {
        var rows = Rows()
        var machine = NotifierMachine(config: stormConfig(threshold: 3), cursor: 0)
        _ = machine.read(.of(rows.storm(count: 5, from: Rows.at(0))), now: Rows.at(1))
        let digests = machine.read(.of([], after: 5), now: Rows.at(61))
        #expect(digests.map(\.idempotencyKey) == [Self.digestKey()])
        // Committed late: its time lies in the closed window.
        let late = rows.created(id: 99, at: Rows.at(59)).0
        let sent = machine.read(.of([late]), now: Rows.at(62))
        #expect(sent.map(\.idempotencyKey) == ["hook:6"])
        #expect(sent.first?.single?.execution?.id == 99)
        #expect(machine.nextWake == nil)
    }

    @Test("pruned rows move the cursor on and nothing else")
    func prunedRows() {
        var machine = NotifierMachine(config: stormConfig(), cursor: 10)
        #expect(machine.read(ChangeBatch.of([], after: 10, lastSeq: 200, pruned: 190), now: Rows.at(0)).isEmpty)
        #expect(machine.durableCursor == 200)
        var rows = Rows(seq: 200)
        let sent = machine.read(.of([rows.created(id: 1, at: Rows.at(0)).0], pruned: 0), now: Rows.at(0))
        #expect(sent.map(\.idempotencyKey) == ["hook:201"])
    }

    @Test("rows at or below the seqs already read are ignored")
    func rereadIgnored() {
        var rows = Rows()
        let storm = rows.storm(count: 2, from: Rows.at(0))
        var machine = NotifierMachine(config: stormConfig(), cursor: 0)
        #expect(machine.read(.of(storm), now: Rows.at(0)).count == 2)
        #expect(machine.read(.of(storm), now: Rows.at(0)).isEmpty)
    }

    @Test("filtered events send nothing and pin nothing")
    func filtered() {
        var rows = Rows()
        var config = stormConfig()
        config.events = [.parked]
        config.services = ["billing"]
        var machine = NotifierMachine(config: config, cursor: 0)
        let changes = [
            rows.created(id: 1, service: "billing", at: Rows.at(0)).0,  // failure_created: not in events
            rows.created(id: 2, service: "orders", hint: .unrecoverable, at: Rows.at(0)).0,  // parked, other service
            rows.created(id: 3, service: "billing", hint: .unrecoverable, at: Rows.at(0)).0,  // parked, billing
        ]
        let sent = machine.read(.of(changes), now: Rows.at(0))
        #expect(sent.map(\.idempotencyKey) == ["hook:3"])
        #expect(sent.first?.kind == .parked)
        machine.delivered("hook:3")
        #expect(machine.durableCursor == 2)
    }

    @Test("pause and resume always go singly and leave no window")
    func serviceEventsSingly() {
        var rows = Rows()
        var machine = NotifierMachine(config: stormConfig(threshold: 1), cursor: 0)
        let changes = (0..<3).map { rows.service("orders", paused: $0 % 2 == 0, actor: "compctl:alice", at: Rows.at(Int64($0))) }
        let sent = machine.read(.of(changes), now: Rows.at(3))
        #expect(sent.map(\.idempotencyKey) == ["hook:1", "hook:2", "hook:3"])
        #expect(sent.map(\.kind) == [.servicePaused, .serviceResumed, .servicePaused])
        #expect(machine.nextWake == nil)
        for message in sent { machine.delivered(message.idempotencyKey) }
        #expect(machine.durableCursor == 3)
    }

    @Test("the durable cursor waits for every delivery below it, in any order, and never stops inside a digest's rows")
    func durableCursor() {
        var rows = Rows()
        var machine = NotifierMachine(config: stormConfig(threshold: 1), cursor: 0)
        let changes = [
            rows.created(id: 1, code: "A", at: Rows.at(0)).0,
            rows.created(id: 2, code: "B", at: Rows.at(1)).0,
            rows.created(id: 3, code: "A", at: Rows.at(2)).0,
            rows.created(id: 4, code: "C", at: Rows.at(61)).0,
        ]
        let sent = machine.read(.of(changes), now: Rows.at(61))
        #expect(sent.map(\.idempotencyKey) == ["hook:1", "hook:2", Self.digestKey("A"), "hook:4"])
        #expect(machine.durableCursor == 0)
        machine.delivered("hook:1")
        machine.delivered(Self.digestKey("A"))
        // hook:2 is pending, so at most 1; 1 lies inside window A's rows (1...3), whose digest went out:
        // a restart from 1 would send row 3 singly. So 0.
        #expect(machine.durableCursor == 0)
        machine.delivered("hook:2")
        // Window C (row 4) is open: 3.
        #expect(machine.durableCursor == 3)
        machine.delivered("hook:4")
        #expect(machine.durableCursor == 3)
        _ = machine.read(.of([], after: 4), now: Rows.at(200))
        #expect(machine.durableCursor == 4)
        machine.delivered("unknown-key")
        #expect(machine.durableCursor == 4)
    }

    @Test("nextWake is the earliest open window's end plus 1 s")
    func nextWake() {
        var rows = Rows()
        var machine = NotifierMachine(config: stormConfig(window: .seconds(10)), cursor: 0)
        #expect(machine.nextWake == nil)
        _ = machine.read(.of([rows.created(id: 1, code: "A", at: Rows.at(15)).0]), now: Rows.at(15))
        #expect(machine.nextWake == Rows.at(21))
        _ = machine.read(.of([rows.created(id: 2, code: "B", at: Rows.at(19)).0]), now: Rows.at(19))
        #expect(machine.nextWake == Rows.at(21))
        _ = machine.read(.of([rows.created(id: 3, code: "B", at: Rows.at(21)).0]), now: Rows.at(21))
        // Row 3 at 21 s closed both windows ending at 20 s; its own window ends at 30 s.
        #expect(machine.nextWake == Rows.at(31))
    }

    @Test("windows align on the row's time: floor(at / window)")
    func alignment() {
        let key = WindowKey(kind: .parked, service: "s", function: "f", errorCode: "c", at: Timestamp(milliseconds: 125_999), window: .seconds(60))
        #expect(key.start == 120_000)
        let early = WindowKey(kind: .parked, service: "s", function: "f", errorCode: "c", at: Timestamp(milliseconds: -1), window: .seconds(60))
        #expect(early.start == -60_000)
    }

    @Test("digest keys percent-encode service, function and code so the key is one safe header value")
    func digestKeyEncoding() {
        let key = WindowKey(kind: .retryFailed, service: "a:b", function: "f/g h", errorCode: "E\r\n", start: 60_000)
        #expect(key.digestKey(notifier: "n") == "n:digest:retry_failed:a%3Ab/f%2Fg%20h:E%0D%0A:60000")
    }
}

struct CaughtUpTests {
    @Test("a batch that moved past stale rows without changes is not yet caught up; the next, covering nothing, is")
    func staleOnlyBatch() {
        var rows = Rows()
        var machine = NotifierMachine(config: stormConfig(threshold: 1), cursor: 0)
        _ = machine.read(.of(rows.storm(count: 3, from: Rows.at(0))), now: Rows.at(0))
        // Rows 4...500 were stale results: the reader returns no changes but covered them.
        #expect(machine.read(ChangeBatch(changes: [], lastSeq: 500, prunedRows: 0), now: Rows.at(100)).isEmpty)
        #expect(machine.tick(now: Rows.at(100)).isEmpty)
        let digests = machine.read(ChangeBatch(changes: [], lastSeq: 500, prunedRows: 0), now: Rows.at(100))
        #expect(digests.map { $0.digest?.count } == [2])
    }
}
