@testable import CompBroker
@testable import CompJournal
import CompModel
import CompWire
import Foundation
import Logging
import Synchronization
import Testing

/// A core on a real journal in a temporary directory, driven through its typed API.
final class CoreFixture {
    let directory: String
    let core = Core()
    let counters = BrokerCounters()
    let commits = CommitSignal()

    /// - Parameter prepare: runs on the journal before the core opens it.
    init(inFlight: Int = 1000, prepare: (Journal) throws -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "core-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let journal = try Journal(options: JournalOptions(path: directory + "/journal.sqlite"))
        try prepare(journal)
        journal.close()
        var config = BrokerConfig(dataDirectory: directory, eventsAddress: nil)
        config.inFlightPerService = inFlight
        let path = config.databasePath
        let counters = counters
        let commits = commits
        try core.start { [config] in
            try CoreLoop(store: try Journal(options: JournalOptions(path: path)), config: config, counters: counters,
                         events: EventSink(publisher: nil), logger: Logger(label: "test"), clock: BrokerClock.moment,
                         commits: commits)
        }
    }

    deinit {
        core.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A failure record due after `backoff` ms.
func incoming(_ eventId: String, service: String = "orders", backoff: Int64 = 0, payload: Int = 10) -> IncomingRecord {
    IncomingRecord(
        id: RecordID(high: UInt64.random(in: 0...UInt64.max), low: UInt64.random(in: 0...UInt64.max)), kind: .failure,
        key: ExecutionKey(service: service, processor: "billing", function: "charge", eventId: eventId),
        failure: FailureReport(error: ErrorInfo(code: "DB_DOWN", message: "refused"), occurredAt: .zero),
        spec: RetrySpec(minBackoff: .milliseconds(backoff), maxBackoff: .milliseconds(max(backoff, 1)), jitterPermille: 0),
        payload: [UInt8](repeating: 1, count: payload))
}

struct CoreTests {
    @Test("records and fetches submitted from Swift get typed results")
    func typedCompletions() async throws {
        let fixture = try CoreFixture()
        let results = try await fixture.core.record([incoming("a"), incoming("b")]).get()
        #expect(results.count == 2)
        let ids = results.compactMap { if case .accepted(let id) = $0 { id } else { nil } }
        #expect(ids.count == 2)
        let leased = try await fixture.core.fetch(FetchArrival(
            service: "orders", instance: "n1", max: 10, requestId: 1, waitMilliseconds: 5000)).get().map(\.execution)
        #expect(Set(leased.map(\.id)) == Set(ids))
        #expect(leased.allSatisfy { $0.status == .prepared && $0.lease?.holder == "n1" })
    }

    @Test("the commit signal knows the journal's head at open, before any work, and moves with each commit")
    func commitSignalFollowsTheJournal() async throws {
        let fixture = try CoreFixture { journal in
            _ = try journal.commit([.record(incoming("before-1")), .record(incoming("before-2"))], now: Timestamp(milliseconds: 1))
        }
        #expect(fixture.commits.openedSeq == 2)
        #expect(fixture.commits.committedSeq == 2)
        _ = try await fixture.core.record([incoming("after")]).get()
        #expect(fixture.commits.committedSeq == 3)
        #expect(fixture.commits.openedSeq == 2)
    }

    @Test("an empty fetch is answered empty when its wait ends")
    func emptyFetch() async throws {
        let fixture = try CoreFixture()
        let leased = try await fixture.core.fetch(FetchArrival(
            service: "nothing", instance: "n1", max: 10, requestId: 1, waitMilliseconds: 50)).get()
        #expect(leased.isEmpty)
    }

    @Test("a newer fetch of the same instance completes the held one with .replaced")
    func replaced() async throws {
        let fixture = try CoreFixture()
        async let first = fixture.core.fetch(FetchArrival(service: "s", instance: "n1", max: 1, requestId: 1, waitMilliseconds: 30_000))
        try await Task.sleep(for: .milliseconds(50))  // let the first be held before the second arrives
        let second = await fixture.core.fetch(FetchArrival(service: "s", instance: "n1", max: 1, requestId: 2, waitMilliseconds: 50))
        #expect(await first == .failure(.replaced))
        #expect((try? second.get())?.isEmpty == true)
    }

    @Test("a lease reply never holds more than the reply budget")
    func budgetedLease() async throws {
        let fixture = try CoreFixture()
        let records = (0..<300).map { incoming("big-\($0)", payload: 9000) }
        _ = try await fixture.core.record(records).get()
        let leased = try await fixture.core.fetch(FetchArrival(
            service: "orders", instance: "n1", max: 1000, requestId: 1, waitMilliseconds: 5000)).get().map(\.execution)
        #expect(!leased.isEmpty)
        #expect(leased.count < 300)
        let frame = FrameCodec.encode(Frame(requestId: 1, message: .commands(Commands(commands: leased.map(Mapping.command)))))
        #expect(frame.count <= BrokerConfig().maxFrameBytes)
        #expect(fixture.counters.snapshot().0.commandsDispatched == UInt64(leased.count))
    }

    @Test("pause and resume say whether they changed anything")
    func pauseChanges() async throws {
        let fixture = try CoreFixture()
        let pause = await fixture.core.perform { .setPaused("orders", true, $0) }
        #expect(try pause.get().changed == 1)
        let again = await fixture.core.perform { .setPaused("orders", true, $0) }
        #expect(try again.get().changed == 0)
        let resumeOther = await fixture.core.perform { .setPaused("other", false, $0) }
        #expect(try resumeOther.get().changed == 0)
    }

    @Test("retention prunes a large backlog of finished executions in consecutive steps, not 500 per 10 s")
    func retentionKeepsUp() throws {
        let count = 3000
        let longAgo = Timestamp(milliseconds: BrokerClock.wall().milliseconds - 8 * 24 * 3600 * 1000)
        let fixture = try CoreFixture { journal in
            for chunk in stride(from: 0, to: count, by: 500) {
                let failures = (chunk..<chunk + 500).map { incoming("old-\($0)") }
                var successes = failures
                for index in successes.indices {
                    successes[index].kind = .success
                    successes[index].failure = nil
                    successes[index].id = RecordID(high: 1, low: UInt64(chunk + index))
                }
                _ = try journal.commit(failures.map { .record($0) } + successes.map { .record($0) }, now: longAgo)
            }
        }
        let reader = try JournalReader(path: fixture.directory + "/journal.sqlite")
        defer { reader.close() }
        let deadline = Date().addingTimeInterval(30)
        var succeeded = count
        while Date() < deadline {
            succeeded = try reader.counts().first { $0.status == .succeeded }?.count ?? 0
            if succeeded == 0 { break }
            usleep(10_000)
        }
        #expect(succeeded == 0)
    }

    @Test("a request whose unit fails fails alone; the others in the same group commit are applied")
    func isolation() throws {
        let fixture = try CoreFixture { journal in
            // Injected fault: inserting an execution for event "poison" aborts its statement.
            try journal.connection.execute("""
                CREATE TRIGGER poison BEFORE INSERT ON executions WHEN NEW.event_id = 'poison'
                BEGIN SELECT RAISE(ABORT, 'injected fault'); END;
                """)
        }
        let results = Locked<[String: Result<[RecordResult], CoreError>]>([:])
        let done = DispatchSemaphore(value: 0)
        let good1 = incoming("good-1")
        let good2 = incoming("good-2")
        let poison = incoming("poison")
        // A large batch first keeps the core busy, so the next three queue up for one group commit.
        _ = fixture.core.submit(.records((0..<5000).map { incoming("filler-\($0)") }) { _ in })
        for (name, record) in [("good-1", good1), ("poison", poison), ("good-2", good2)] {
            _ = fixture.core.submit(.records([record]) { result in
                results.with { $0[name] = result }
                done.signal()
            })
        }
        for _ in 0..<3 { done.wait() }
        #expect(results.with { (try? $0["good-1"]?.get())?.count } == 1)
        #expect(results.with { (try? $0["good-2"]?.get())?.count } == 1)
        #expect(results.with {
            if case .failure(.storageFailure)? = $0["poison"] { true } else { false }
        })
    }

    @Test("stop before start returns at once, and start after stop refuses")
    func stopBeforeStart() {
        let core = Core()
        core.stop()
        #expect(throws: CoreError.self) { try core.start { throw CoreError.shuttingDown } }
        #expect(core.submit(.records([], { _ in })) == .shuttingDown)
        let worker = WorkerThread(name: "test")
        worker.stop()
        let ran = Locked(false)
        worker.start { _ in ran.with { $0 = true } }
        worker.stop()
        #expect(ran.with { $0 } == false)
    }

    @Test("work queued when the core stops is still committed and completed")
    func stopCommits() async throws {
        let fixture = try CoreFixture()
        let results = Locked<[Result<[RecordResult], CoreError>]>([])
        for index in 0..<50 {
            _ = fixture.core.submit(.records([incoming("s-\(index)")]) { result in results.with { $0.append(result) } })
        }
        fixture.core.stop()
        #expect(results.with { $0.count } == 50)
        #expect(results.with { $0.allSatisfy { (try? $0.get()) != nil } })
    }
}

struct InboxTests {
    @Test("the inbox refuses records past its bound with overloaded and takes them again once drained")
    func overload() {
        let inbox = Inbox(maxQueuedRecords: 10)
        #expect(inbox.push(.records((0..<8).map { incoming("a\($0)") }, { _ in })) == nil)
        #expect(inbox.push(.records((0..<5).map { incoming("b\($0)") }, { _ in })) == .overloaded)
        #expect(inbox.push(.fetch(FetchArrival(service: "s", instance: "i", max: 1, requestId: 1, waitMilliseconds: 1), { _ in })) == nil)
        let (batch, finished) = inbox.take(maxRecords: 5_000)
        #expect(batch.count == 2)
        #expect(!finished)
        #expect(inbox.push(.records((0..<5).map { incoming("c\($0)") }, { _ in })) == nil)
        inbox.close()
        #expect(inbox.push(.records([incoming("d")], { _ in })) == .shuttingDown)
        #expect(inbox.take(maxRecords: 5_000).finished)
    }

    @Test("a take stops at the record bound but always takes one")
    func takeBound() {
        let inbox = Inbox()
        _ = inbox.push(.records((0..<30).map { incoming("a\($0)") }, { _ in }))
        _ = inbox.push(.records((0..<30).map { incoming("b\($0)") }, { _ in }))
        #expect(inbox.take(maxRecords: 10).batch.count == 1)
        #expect(inbox.take(maxRecords: 10).batch.count == 1)
        #expect(inbox.take(maxRecords: 10).batch.isEmpty)
    }
}

struct ReplySizingTests {
    @Test("the measured size of a command is what it adds to the encoded reply")
    func commandSize() {
        let executions = (1...5).map { execution(ExecutionID($0), token: UInt64($0), payload: 1000 * $0) }
        let measured = ReplySizing.emptyCommandsBytes + executions.map(ReplySizing.commandBytes).reduce(0, +)
        let actual = FrameCodec.encode(Frame(requestId: 9, message: .commands(Commands(commands: executions.map(Mapping.command))))).count
        #expect(measured == actual)
    }

    @Test("a list page too big for one frame is cut, with a cursor at its last item")
    func listFits() {
        let executions = (1...200).reversed().map { execution(ExecutionID($0), status: .failed) }
        var page = ExecutionPage(executions: executions, nextCursor: nil)
        let limit = 20_000
        let reply = AdminReader.fit(page, maxFrameBytes: limit)
        #expect(reply.executions.count < 200)
        #expect(FrameCodec.encode(Frame(requestId: 1, message: .listReply(reply))).count <= limit)
        #expect(reply.nextCursor == reply.executions.last?.id)
        page.executions = Array(executions.prefix(3))
        #expect(AdminReader.fit(page, maxFrameBytes: limit).nextCursor == 0)
    }
}

/// A value shared between threads in tests.
final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func with<R>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
}
