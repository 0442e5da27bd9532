import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// The choreography seed (004) end to end: a real compd and three real service processes (`sagademo` order,
/// exchange, point), each with its own SQLite database and saga barrier, handing the order on through files.
/// Order is step 0 (cancel-order), exchange step 1 (refund-exchange), point step 2, last (refund-point).
@Suite(.serialized)
struct ChoreographyTests {
    /// A compd, the three roles' directory, and the roles started so far.
    final class Choreography {
        let directory: TemporaryDirectory
        var broker: BrokerProcess
        var roles: [String: SagaDemoProcess] = [:]

        init() throws {
            directory = try TemporaryDirectory()
            broker = BrokerProcess(dataDirectory: directory.path)
            try broker.start()
        }

        /// Starts role `role` with `arguments` (fault flags, the deadline).
        @discardableResult
        func start(_ role: String, _ arguments: [String] = []) throws -> SagaDemoProcess {
            let process = SagaDemoProcess(role: role, directory: directory.path, broker: broker.listen, extraArguments: arguments)
            try process.start()
            roles[role] = process
            return process
        }

        /// Places an order: a message in the order role's inbox.
        func placeOrder(_ sagaId: String, amount: Int64 = 500) throws {
            let inbox = try ServiceDatabase(path: directory.path + "/orders.handoff")
            try inbox.execute(
                "CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, saga_id TEXT NOT NULL UNIQUE, amount INTEGER NOT NULL)")
            _ = try inbox.run("INSERT INTO messages (saga_id, amount) VALUES (?1, ?2)", .text(sagaId), .integer(amount))
        }

        /// The saga as the broker shows it, or nil when it has no saga of this id (yet).
        func saga(_ id: String) throws -> SagaShowReply? {
            let admin = try broker.admin()
            do throws(ClientError) {
                return try admin.saga(id)
            } catch .broker(let code, _) where code == ErrorCode.invalidField.rawValue {
                return nil
            }
        }

        /// Waits (60 s at most) until saga `id` has status `status`.
        func waitFor(_ id: String, status: UInt8) throws -> Bool {
            try eventually(60) { try saga(id)?.saga.status == status }
        }

        /// The role logs, for failure messages.
        var logs: String { roles.values.map(\.log).joined(separator: "\n") + "\n" + broker.log }

        func stop() -> Int32 {
            for role in roles.values { role.stop() }
            return broker.stop()
        }

        deinit {
            for role in roles.values { role.stop() }
            directory.remove()
        }
    }

    /// A SUB socket on the broker's events, connected (a probe's Event came through).
    func connectedEvents(_ broker: BrokerProcess) throws -> EventSubscriber {
        let events = try EventSubscriber(connectingTo: broker.events)
        let reporter = try broker.reporter()
        let connected = try eventually(30) {
            _ = try reporter.send([failureRecord(service: "probe", eventId: "probe-\(nowMs())")])
            return try events.receive(timeoutMilliseconds: 200) != nil
        }
        if !connected { throw TestFailure("the event socket never got an event") }
        return events
    }

    /// The saga statuses published for `sagaId` until `final` (60 s at most), with each one's cause.
    func sagaStatuses(_ events: EventSubscriber, _ sagaId: String, until final: Set<UInt8>) throws -> [SagaEvent] {
        var seen: [SagaEvent] = []
        _ = try eventually(60) {
            while let bytes = try events.receive(timeoutMilliseconds: 100) {
                if case .sagaEvent(let event) = try FrameCodec.decode(bytes).message, event.sagaId == sagaId {
                    seen.append(event)
                }
            }
            return seen.last.map { final.contains($0.status) } ?? false
        }
        return seen
    }

    @Test("the happy path: order, exchange and point each run once, the saga COMPLETES and nothing is refunded")
    func happyPath() throws {
        let demo = try Choreography()
        let events = try connectedEvents(demo.broker)
        defer { events.close() }
        try demo.start("order", ["--deadline-ms", "30000"])
        try demo.start("exchange")
        try demo.start("point")
        try demo.placeOrder("order-1")

        let statuses = try sagaStatuses(events, "order-1", until: [2, 4, 5])
        #expect(statuses.map(\.status) == [2], "\(demo.logs)")  // COMPLETED, never aborted
        let shown = try #require(try demo.saga("order-1"))
        #expect(shown.steps.map(\.service) == ["order", "exchange", "point"])
        #expect(shown.steps.allSatisfy { $0.forwardState == 2 && $0.compensationExecutionId == nil })
        let order = try #require(demo.roles["order"]), exchange = try #require(demo.roles["exchange"])
        let point = try #require(demo.roles["point"])
        #expect(try order.count("create", saga: "order-1") == 1)
        #expect(try exchange.count("deduct", saga: "order-1") == 1)
        #expect(try point.count("deduct", saga: "order-1") == 1)
        #expect(try order.count("cancel", saga: "order-1") == 0)
        #expect(try exchange.count("refund", saga: "order-1") == 0)
        #expect(try point.count("refund", saga: "order-1") == 0)
        #expect(demo.stop() == 0)
    }

    @Test("point fails unrecoverably: exchange is refunded once, the order cancelled after it, the saga COMPENSATED")
    func pointFails() throws {
        let demo = try Choreography()
        let events = try connectedEvents(demo.broker)
        defer { events.close() }
        try demo.start("order", ["--deadline-ms", "30000"])
        try demo.start("exchange")
        try demo.start("point", ["--fail-unrecoverably"])
        try demo.placeOrder("order-2")

        let statuses = try sagaStatuses(events, "order-2", until: [2, 4, 5])
        #expect(statuses.map(\.status) == [3, 4], "\(demo.logs)")  // ABORTING, COMPENSATED
        #expect(statuses.first?.cause == 1)  // a step failed
        #expect(statuses.first?.step == 2)
        let order = try #require(demo.roles["order"]), exchange = try #require(demo.roles["exchange"])
        let point = try #require(demo.roles["point"])
        #expect(try exchange.count("deduct", saga: "order-2") == 1)
        #expect(try exchange.count("refund", saga: "order-2") == 1)
        #expect(try order.count("cancel", saga: "order-2") == 1)
        #expect(try point.count("deduct", saga: "order-2") == 0)
        #expect(try point.count("refund", saga: "order-2") == 0)  // the failed step needs no compensation
        // exchange before order: the order's cancel ran after the exchange's refund was reported.
        let shown = try #require(try demo.saga("order-2"))
        let undoExchange = try #require(shown.steps.first { $0.index == 1 }?.compensationExecutionId)
        let undoOrder = try #require(shown.steps.first { $0.index == 0 }?.compensationExecutionId)
        #expect(undoExchange < undoOrder)  // step 0's compensation was created only after step 1's succeeded
        #expect(shown.steps.first { $0.index == 2 }?.compensationExecutionId == nil)
        // Every event of the order in one place (the seed's monitoring tool): `saga show` lists the rows of the
        // three services' forwards and of both compensations, in journal order.
        let seqs = shown.history.map(\.entry.seq)
        #expect(!seqs.isEmpty && seqs == seqs.sorted())
        let inHistory = Set(shown.history.map(\.executionId))
        let executions = shown.steps.flatMap { [$0.forwardExecutionId, $0.compensationExecutionId].compactMap { $0 } }
        #expect(executions.count == 5)  // 3 forwards, 2 compensations
        #expect(executions.allSatisfy(inHistory.contains), "\(shown.history)")
        #expect(demo.stop() == 0)
    }

    @Test("exchange slow past the 1 s deadline: the order is rejected, the late exchange success refunded once, point never runs")
    func exchangeLate() throws {
        let demo = try Choreography()
        let events = try connectedEvents(demo.broker)
        defer { events.close() }
        try demo.start("order")  // the seed's 1 s deadline
        try demo.start("exchange", ["--delay", "2500ms"])
        let point = try demo.start("point")
        try demo.placeOrder("order-3")

        let statuses = try sagaStatuses(events, "order-3", until: [2, 4, 5])
        #expect(statuses.map(\.status) == [3, 4], "\(demo.logs)")  // ABORTING, COMPENSATED
        #expect(statuses.first?.cause == 2)  // the deadline
        let order = try #require(demo.roles["order"]), exchange = try #require(demo.roles["exchange"])
        #expect(try order.count("cancel", saga: "order-3") == 1)  // rejected
        #expect(try exchange.count("deduct", saga: "order-3") == 1)  // the late forward committed...
        #expect(try exchange.count("refund", saga: "order-3") == 1)  // ...and was compensated once
        // The exchange handed the order on after its late success; point's intent was refused (saga_aborted):
        // its forward never ran.
        #expect(try eventually(60) { try point.inboxCursor() == 1 }, "\(demo.logs)")
        #expect(try point.rows(saga: "order-3") == 0)
        #expect(point.log.contains("saga_aborted"))
        #expect(demo.stop() == 0)
    }

    @Test("every compensation runs twice and its result is sent twice: one refund and one cancel, the copies duplicates")
    func reportedTwice() throws {
        let demo = try Choreography()
        try demo.start("order", ["--deadline-ms", "30000", "--report-twice"])
        try demo.start("exchange", ["--report-twice"])
        try demo.start("point", ["--fail-unrecoverably", "--report-twice"])
        try demo.placeOrder("order-4")

        #expect(try demo.waitFor("order-4", status: 4), "\(demo.logs)")
        let order = try #require(demo.roles["order"]), exchange = try #require(demo.roles["exchange"])
        #expect(try exchange.count("refund", saga: "order-4") == 1)
        #expect(try order.count("cancel", saga: "order-4") == 1)
        // The saga's status is read from the journal, which can show COMPENSATED a moment before the broker's
        // answer to the second copy (sent once its commit is flushed) reaches the role and its log: wait for the lines.
        for role in [order, exchange] {
            #expect(eventually(60) { role.log.contains("order-4 (forwardUnknown 0): duplicate") }, "\(role.log)")  // the barrier's
            #expect(eventually(60) { role.log.contains("order-4 (copy 2): duplicate") }, "\(role.log)")  // the broker's
        }
        #expect(demo.stop() == 0)
    }

    @Test("kill -9 of compd in the middle of an abort: after the restart the abort completes, each refund applied once")
    func killNineDuringAbort() throws {
        let demo = try Choreography()
        let order = try demo.start("order", ["--deadline-ms", "60000"])
        let exchange = try demo.start("exchange")
        try demo.placeOrder("order-5")
        #expect(try eventually(60) { try exchange.count("deduct", saga: "order-5") == 1 }, "\(demo.logs)")
        // The order service stops answering: the abort will wait for its cancel, after the exchange's refund.
        order.signal(SIGSTOP)
        try demo.start("point", ["--fail-unrecoverably"])
        #expect(try eventually(60) { try exchange.count("refund", saga: "order-5") == 1 }, "\(demo.logs)")
        #expect(try demo.saga("order-5")?.saga.status == 3)  // ABORTING: step 0 still to compensate

        #expect(demo.broker.stop(signal: SIGKILL) == SIGKILL)
        demo.broker = BrokerProcess(dataDirectory: demo.directory.path, listen: demo.broker.listen, events: demo.broker.events)
        try demo.broker.start()
        order.signal(SIGCONT)

        #expect(try demo.waitFor("order-5", status: 4), "\(demo.logs)")
        #expect(try order.count("cancel", saga: "order-5") == 1)
        #expect(try exchange.count("refund", saga: "order-5") == 1)
        #expect(try exchange.count("deduct", saga: "order-5") == 1)
        #expect(demo.stop() == 0)
    }
}

/// sagademo's own bad input: a clear message naming the option, a non-zero exit, nothing started.
struct SagaDemoArgumentTests {
    func run(_ arguments: [String]) throws -> (status: Int32, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("sagademo"))
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("an unknown role, a bad delay or a missing option: sagademo says which and exits non-zero")
    func badArguments() throws {
        let common = ["--broker", "ipc:///nonexistent", "--db", "/nonexistent/x.db", "--inbox", "/nonexistent/in"]
        let role = try run(["--role", "bank"] + common)
        #expect(role.status != 0)
        #expect(role.err.contains("--role must be order, exchange or point, not 'bank'"), "\(role.err)")
        let delay = try run(["--role", "exchange", "--delay", "soon"] + common)
        #expect(delay.status != 0)
        #expect(delay.err.contains("--delay must be like 1500ms"), "\(delay.err)")
        let missing = try run(["--role", "order"])
        #expect(missing.status != 0)
        #expect(missing.err.contains("--broker"), "\(missing.err)")
    }
}
