import CompModel
import CompWire

/// The subscriber side of retries: fetch due commands of one service (held by the broker until
/// some are due), run them, report each result with its lease, and extend leases of long runs.
public final class Subscriber: Sendable {
    /// The service whose commands this subscriber runs.
    public let service: String
    /// This instance's name; the broker leases each command to one instance at a time.
    public let instance: String
    private let connection: BrokerConnection
    private let reporter: Reporter

    /// Creates a subscriber on `connection` (not shared with other threads while in use).
    public init(connection: BrokerConnection, service: String, instance: String) {
        self.connection = connection
        self.service = service
        self.instance = instance
        reporter = Reporter(connection: connection)
    }

    /// Waits up to `waitMilliseconds` for at most `max` due commands; returns none when nothing
    /// came due in time. A lost reply is asked for again once, with the same request id.
    public func fetch(max: Int, waitMilliseconds: Int) throws(ClientError) -> [RetryCommand] {
        let request = Fetch(
            service: service, instance: instance, max: UInt16(clamping: max),
            waitMs: UInt32(clamping: waitMilliseconds))
        // A Fetch whose reply did not come in time is resent once with the same request id on
        // a fresh socket: the broker then knows the commands it sent were lost, not run.
        let reply = try connection.request(
            .fetch(request), timeoutMilliseconds: waitMilliseconds + connection.timeoutMilliseconds, attempts: 2)
        guard case .commands(let commands) = reply else {
            throw .protocolViolation("expected commands in reply to a fetch")
        }
        return commands.commands
    }

    /// Reports that the command's handler succeeded.
    public func succeeded(_ command: RetryCommand) throws(ClientError) -> RecordOutcome {
        try reportOne(RetryResult(command: command, outcome: .success))
    }

    /// Reports that the command's handler failed again.
    public func failed(_ command: RetryCommand, error: ErrorDetails, recoverable: UInt8 = 0) throws(ClientError) -> RecordOutcome {
        try reportOne(RetryResult(command: command, outcome: .failure(error, recoverable: recoverable)))
    }

    /// Reports the results of several commands in one request; outcomes in the same order.
    public func report(_ results: [RetryResult]) throws(ClientError) -> [RecordOutcome] {
        try reporter.send(results.map { result in
            switch result.outcome {
            case .success:
                return self.result(of: result.command, kind: .success, error: nil, recoverable: nil)
            case .failure(let error, let recoverable):
                return self.result(of: result.command, kind: .failure, error: error, recoverable: recoverable)
            }
        })
    }

    /// Asks for the lease to last at least `milliseconds` from now; returns the new deadline, or nil
    /// when the lease is no longer this instance's (stale).
    public func extend(_ command: RetryCommand, byMilliseconds milliseconds: Int) throws(ClientError) -> Int64? {
        let reply = try connection.request(.extendLease(ExtendLease(
            lease: LeaseRef(executionId: command.executionId, token: command.leaseToken),
            extendByMs: UInt32(clamping: milliseconds))), attempts: 3)
        guard case .leaseReply(let lease) = reply else {
            throw .protocolViolation("expected a lease reply")
        }
        return lease.status == .accepted ? lease.leaseDeadline : nil
    }

    private func result(of command: RetryCommand, kind: RecordKind, error: ErrorDetails?, recoverable: UInt8?) -> Record {
        Record(
            id: RecordIdentifier.next(), kind: kind, service: command.service,
            processor: command.processor, function: command.function, eventId: command.eventId,
            occurredAt: WallClock.now().milliseconds,
            correlationId: command.correlationId.isEmpty ? nil : command.correlationId,
            error: error, recoverable: recoverable,
            lease: LeaseRef(executionId: command.executionId, token: command.leaseToken))
    }

    private func reportOne(_ result: RetryResult) throws(ClientError) -> RecordOutcome {
        guard let outcome = try report([result]).first else { throw .protocolViolation("no outcome") }
        return outcome
    }
}

/// The result of running one retry command.
public struct RetryResult: Sendable {
    /// How the handler ended.
    public enum Outcome: Sendable {
        case success
        /// The error, and 0 unknown / 1 recoverable / 2 unrecoverable.
        case failure(ErrorDetails, recoverable: UInt8)
    }

    public var command: RetryCommand
    public var outcome: Outcome

    public init(command: RetryCommand, outcome: Outcome) {
        self.command = command
        self.outcome = outcome
    }
}

/// Operator requests: list, show, act, stats.
public final class AdminClient: Sendable {
    let connection: BrokerConnection

    /// Creates an admin client on `connection`.
    public init(connection: BrokerConnection) { self.connection = connection }

    /// One page of executions, newest first (or by next retry: pass the previous reply's `nextCursor` and
    /// `nextCursorKey` as `cursor` and `cursorKey`).
    public func list(_ filter: Filter, cursor: Int64 = 0, limit: Int = 100, sort: ListSort = .newest,
                     cursorKey: Int64? = nil) throws(ClientError) -> ListReply {
        let reply = try connection.request(.listRequest(ListRequest(
            filter: filter, cursor: cursor, limit: UInt16(clamping: limit), sort: sort, cursorKey: cursorKey)))
        guard case .listReply(let page) = reply else { throw .protocolViolation("expected a list reply") }
        return page
    }

    /// One execution and its whole history, read page by page (the broker sizes each page to
    /// its frame limit and says where the next one starts).
    ///
    /// - Throws: `ClientError`; `protocolViolation` when a page does not move past the one before.
    public func show(_ id: Int64, withPayload: Bool = false) throws(ClientError) -> ShowReply {
        var whole = try showPage(id, historyAfter: nil, withPayload: withPayload)
        var after = whole.nextHistoryAfter
        while let cursor = after {
            let page = try showPage(id, historyAfter: cursor)
            guard page.history.allSatisfy({ $0.seq > cursor }) else {
                throw .protocolViolation("history page after \(cursor) holds an earlier row")
            }
            if let next = page.nextHistoryAfter, next <= cursor {
                throw .protocolViolation("history cursor went from \(cursor) to \(next)")
            }
            whole.history += page.history
            whole.execution = page.execution
            after = page.nextHistoryAfter
        }
        whole.nextHistoryAfter = nil
        return whole
    }

    /// One execution and one page of its history, after the row `historyAfter` (from the first
    /// row when nil).
    public func showPage(_ id: Int64, historyAfter: Int64?, withPayload: Bool = false) throws(ClientError) -> ShowReply {
        let reply = try connection.request(.showRequest(ShowRequest(
            executionId: id, historyAfter: historyAfter, withPayload: withPayload)))
        guard case .showReply(let shown) = reply else { throw .protocolViolation("expected a show reply") }
        return shown
    }

    /// Carries out an operator action; `actor` (who asks, at most 128 bytes) goes into the history.
    public func act(_ action: AdminAction, on target: ActionTarget, force: Bool = false,
                    actor: String? = nil) throws(ClientError) -> ActionReply {
        let reply = try connection.request(.actionRequest(ActionRequest(action: action, target: target, force: force, actor: actor)))
        guard case .actionReply(let result) = reply else { throw .protocolViolation("expected an action reply") }
        return result
    }

    /// Every execution and journal row of one correlation id, across services.
    ///
    /// - Throws: `ClientError`; `.broker` with `unknown_message_type` from a broker too old to know it.
    public func timeline(_ correlationId: String) throws(ClientError) -> TimelineReply {
        let reply = try connection.request(.timelineRequest(TimelineRequest(correlationId: correlationId)))
        guard case .timelineReply(let timeline) = reply else { throw .protocolViolation("expected a timeline reply") }
        return timeline
    }

    /// Counters and per-service dispatch state.
    public func stats() throws(ClientError) -> StatsReply {
        let reply = try connection.request(.statsRequest(StatsRequest()))
        guard case .statsReply(let stats) = reply else { throw .protocolViolation("expected a stats reply") }
        return stats
    }

    /// Says hello; returns the broker's limits.
    public func hello(clientName: String) throws(ClientError) -> HelloReply {
        let reply = try connection.request(.hello(Hello(clientName: clientName)))
        guard case .helloReply(let hello) = reply else { throw .protocolViolation("expected a hello reply") }
        return hello
    }
}
