import CompClient
import CompModel
import CompWire
import Foundation

/// One role of the choreography as a real service: its own database and barrier, an inbox it reads orders
/// from, an outbox it hands them on through, and a subscriber for its service's commands.
///
/// One thread runs everything in turn (read the inbox, then fetch commands), so the forward of a message
/// always commits before a command fetched after it runs: a late forward is followed by its compensation,
/// never overtaken by it inside this process.
final class RoleService {
    static let processor = "choreography"
    /// The forwards' retry spec: a forward whose intent timed out (30 s) is retried soon, a few times.
    static let forwardSpec = RetrySpecPatch(
        maxRetries: 3, minBackoffMs: 200, maxBackoffMs: 2000, executionTimeoutMs: 30_000, jitterPermille: 0)
    /// The compensations' retry spec (SagaRef tag 3): short leases and backoff, so a compensation whose
    /// command or result was lost (a broker restart, a stopped service) is sent again within seconds.
    static let compensationSpec = RetrySpecPatch(
        maxRetries: 20, minBackoffMs: 200, maxBackoffMs: 2000, executionTimeoutMs: 5000, jitterPermille: 0)

    let role: Role
    let ledger: Ledger
    let barrier: SagaBarrier
    let inbox: Handoff
    let outbox: Handoff?
    let reporter: Reporter
    let subscriber: Subscriber
    let faults: Faults
    let deadlineMilliseconds: Int64

    init(role: Role, ledger: Ledger, inbox: Handoff, outbox: Handoff?, connection: BrokerConnection, faults: Faults,
         deadlineMilliseconds: Int64) throws {
        self.role = role
        self.ledger = ledger
        barrier = try SagaBarrier(database: ledger.database)
        self.inbox = inbox
        self.outbox = outbox
        reporter = Reporter(connection: connection)
        subscriber = Subscriber(connection: connection, service: role.rawValue, instance: "\(role.rawValue)-\(getpid())")
        self.faults = faults
        self.deadlineMilliseconds = deadlineMilliseconds
    }

    /// Serves until the process is stopped; errors (the broker restarting, a busy database) are logged and
    /// the loop goes on, so nothing it has not finished is marked done.
    func run() -> Never {
        log("ready")
        while true {
            do {
                try handleInbox()
                try serveCommands()
            } catch {
                log("will retry after: \(error)")
                usleep(100_000)
            }
        }
    }

    /// Handles the inbox messages after the cursor, each before the cursor moves past it.
    func handleInbox() throws {
        for message in try inbox.messages(after: try ledger.cursor()) {
            try handle(message)
            try ledger.advance(to: message.seq)
        }
    }

    /// Runs this role's step for one order as an intent: `started` (with the saga ref), the effect under the
    /// barrier, the result with the intent's lease; then hands the order on.
    func handle(_ message: Handoff.Message) throws {
        let ref = SagaRef(
            sagaId: message.sagaId, step: role.step, compensation: role.compensationFunction,
            last: role.isLast ? true : nil,
            deadline: role == .order ? WallClock.now().milliseconds + deadlineMilliseconds : nil,
            retrySpec: Self.compensationSpec)
        let intent = Intent(
            service: role.rawValue, processor: Self.processor, function: role.forwardFunction, eventId: message.sagaId,
            correlationId: message.sagaId, retrySpec: Self.forwardSpec, payload: Array(String(message.amount).utf8),
            saga: ref)
        do {
            let (decision, report) = try reporter.intent(intent) { () throws -> BarrierDecision in
                if faults.delayMilliseconds > 0 { Thread.sleep(forTimeInterval: Double(faults.delayMilliseconds) / 1000) }
                if faults.failUnrecoverably { throw UnrecoverableRefusal(role: role, sagaId: message.sagaId) }
                return try forward(sagaId: message.sagaId, amount: message.amount)
            }
            log("forward \(message.sagaId): \(decision), result \(report.result.status)")
            try outbox?.post(sagaId: message.sagaId, amount: message.amount)
        } catch let refused as IntentError {
            log("forward \(message.sagaId) not run: \(refused)")
        } catch let error as UnrecoverableRefusal {
            log("forward \(message.sagaId) failed, reported: \(error.errorDetails.message)")
        }
    }

    /// The forward's effect, once, under the barrier.
    func forward(sagaId: String, amount: Int64) throws -> BarrierDecision {
        try barrier.forward(sagaId: sagaId, step: Int(role.step)) { db in
            try Ledger.record(db, sagaId: sagaId, op: role.forwardOperation, amount: amount)
        }
    }

    /// Fetches this service's commands (waiting a little) and runs each: compensations under the barrier,
    /// forward retries (an intent whose result was lost) as the forward, then the hand-on.
    func serveCommands() throws {
        for command in try subscriber.fetch(max: 10, waitMilliseconds: 100) {
            let result: Record
            if let marker = command.saga {
                result = try compensate(command, marker: marker)
            } else {
                result = retryForward(command)
            }
            for copy in 1...(faults.reportTwice && command.saga != nil ? 2 : 1) {
                let outcome = try reporter.send([result]).first
                log("result of \(command.function) \(command.eventId) (copy \(copy)): \(outcome.map { "\($0.status)" } ?? "none")")
            }
        }
    }

    /// Runs the compensation of `command` under the barrier (twice with `--report-twice`: the second is a
    /// duplicate); its effect refunds (or cancels) the amount the forward recorded.
    func compensate(_ command: RetryCommand, marker: SagaCommandRef) throws -> Record {
        let sagaId = marker.sagaId
        do {
            for _ in 1...(faults.reportTwice ? 2 : 1) {
                let decision = try barrier.compensate(sagaId: sagaId, step: Int(marker.step)) { db in
                    let amount = try Ledger.forwardAmount(db, sagaId: sagaId, op: role.forwardOperation)
                    try Ledger.record(db, sagaId: sagaId, op: role.compensationOperation, amount: amount)
                }
                log("compensation \(command.function) \(sagaId) (forwardUnknown \(marker.forwardUnknown)): \(decision)")
            }
            return result(of: command, error: nil)
        } catch {
            return result(of: command, error: ErrorDetails(code: "COMPENSATION_FAILED", message: "\(error)"))
        }
    }

    /// Runs a forward retry: the forward under the barrier (a duplicate when it ran before), then the hand-on.
    func retryForward(_ command: RetryCommand) -> Record {
        do {
            let amount = Int64(String(decoding: command.payload, as: UTF8.self)) ?? 0
            let decision = try forward(sagaId: command.eventId, amount: amount)
            log("forward retry \(command.eventId): \(decision)")
            if decision != .compensated { try outbox?.post(sagaId: command.eventId, amount: amount) }
            return result(of: command, error: nil)
        } catch {
            return result(of: command, error: ErrorDetails(code: "FORWARD_FAILED", message: "\(error)"))
        }
    }

    /// The result record of `command`, with its lease (kept whole so `--report-twice` resends the same record).
    func result(of command: RetryCommand, error: ErrorDetails?) -> Record {
        Record(
            id: RecordIdentifier.next(), kind: error == nil ? .success : .failure, service: command.service,
            processor: command.processor, function: command.function, eventId: command.eventId,
            occurredAt: WallClock.now().milliseconds,
            correlationId: command.correlationId.isEmpty ? nil : command.correlationId,
            error: error, recoverable: error == nil ? nil : 1,
            lease: LeaseRef(executionId: command.executionId, token: command.leaseToken))
    }

    func log(_ line: String) {
        FileHandle.standardError.write(Data("sagademo[\(role.rawValue)] \(line)\n".utf8))
    }
}
