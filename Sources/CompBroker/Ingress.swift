import CompAuth
import CompJournal
import CompModel
import CompTransport
import CompWire
import Foundation
import Logging
import Synchronization

/// The receiving thread of the request socket: decodes frames, answers what needs no state (hello,
/// heartbeat, malformed frames) at once, maps subscriber requests to typed work for the core and
/// their typed results back to wire replies, and hands operator requests to the `BrokerGateway`.
final class Ingress: Sendable {
    private let server: ReplyServer
    private let core: Core
    private let gateway: BrokerGateway
    private let replies: Replier
    private let counters: BrokerCounters
    private let config: BrokerConfig
    private let logger: Logger
    private let notices: NoticeLog
    private let metrics: BrokerMetrics
    private let auth: AuthGate
    private let keys: KeyService
    private let worker = WorkerThread(name: "compd-ingress")
    /// Records made before this window are refused (`record_too_old`).
    private var dedupeWindow: DedupeWindow { DedupeWindow(retention: config.retention) }

    init(server: ReplyServer, core: Core, gateway: BrokerGateway, replies: Replier, counters: BrokerCounters,
         config: BrokerConfig, logger: Logger, notices: NoticeLog, metrics: BrokerMetrics, auth: AuthGate, keys: KeyService) {
        self.auth = auth
        self.keys = keys
        self.server = server
        self.core = core
        self.gateway = gateway
        self.replies = replies
        self.counters = counters
        self.config = config
        self.logger = logger
        self.notices = notices
        self.metrics = metrics
    }

    /// Starts the receiving thread.
    func start() {
        worker.start { [self] isRunning in run(isRunning) }
    }

    /// Stops taking requests; returns once the thread has left its loop (at once if never started).
    func stop() { worker.stop() }

    private func run(_ isRunning: @Sendable () -> Bool) {
        var backoff = ReceiveBackoff()
        while isRunning() {
            let request: IncomingRequest?
            do {
                request = try server.receive(timeoutMilliseconds: 100)
            } catch {
                if error.isClosed { return }
                // EMFILE and other receive errors: back off instead of spinning; log the change once.
                if backoff.failed() { logger.error("receive failing; backing off", metadata: ["error": "\(error)"]) }
                usleep(UInt32(backoff.delayMilliseconds * 1000))
                continue
            }
            if let failures = backoff.succeeded() { logger.notice("receive recovered after \(failures) failures") }
            notices.flush()
            guard let request else { continue }
            handle(request)
        }
    }

    private func handle(_ request: IncomingRequest) {
        let frame: Frame
        let signedEnd: Int
        do {
            (frame, signedEnd) = try FrameCodec.decodeSigned(request.body, maxFrameBytes: config.maxFrameBytes)
        } catch {
            let requestId = FrameCodec.peekHeader(request.body)?.requestId ?? 0
            logger.notice("bad frame", metadata: ["code": "\(error.code)", "error": "\(error.message)", "bytes": "\(request.body.count)"])
            replies.send(Requester(route: request.route, requestId: requestId), error: error.code, error.message)
            return
        }
        var signedBy: AuthKey?
        // Keys (PROTOCOL.md 2.1, 8.3): verified here, on the ingress thread, before anything is submitted.
        var scope: Set<String>?
        switch auth.check(request.body, frame, signedEnd: signedEnd, now: BrokerClock.wall().milliseconds) {
        case .unsigned:
            break
        case .signed(let entry):
            signedBy = entry.key
            if entry.grant.role == .subscriber { scope = entry.grant.services }
        case .forbidden(let entry, let message):
            logger.notice("forbidden request", metadata: ["key": "\(entry.key.id)", "error": "\(message)"])
            replies.send(Requester(route: request.route, requestId: frame.requestId, key: entry.key), error: .forbidden, message)
            return
        case .refused(let code, let message):
            logger.notice("refused frame", metadata: ["code": "\(code)", "error": "\(message)"])
            replies.send(Requester(route: request.route, requestId: frame.requestId), error: code, message)
            return
        }
        let requester = Requester(route: request.route, requestId: frame.requestId, key: signedBy)
        switch frame.message {
        case .hello:
            replies.send(requester, .helloReply(HelloReply(
                brokerName: "compd/1", maxFrameBytes: UInt32(config.maxFrameBytes),
                maxBatchRecords: UInt32(WireLimits.maxBatchRecords),
                heartbeatIntervalMs: UInt32(clamping: config.heartbeatInterval.milliseconds),
                serverTime: BrokerClock.wall().milliseconds)))
        case .heartbeat:
            replies.send(requester, .heartbeatReply(HeartbeatReply(serverTime: BrokerClock.wall().milliseconds)))
        case .recordBatch(let batch):
            records(batch, requester)
        case .fetch(let fetch):
            guard !fetch.service.isEmpty, fetch.max >= 1, Int(fetch.max) <= WireLimits.maxCommands else {
                replies.send(requester, error: .invalidField, fetch.service.isEmpty
                    ? "Fetch.service: must not be empty" : "Fetch.max: must be in 1...\(WireLimits.maxCommands)")
                return
            }
            let arrival = FetchArrival(
                service: fetch.service, instance: fetch.instance.isEmpty ? "anonymous" : fetch.instance,
                max: Int(fetch.max), requestId: frame.requestId,
                waitMilliseconds: min(Int64(fetch.waitMs), config.maxFetchWait.milliseconds))
            submit(.fetch(arrival) { [replies] result in
                switch result {
                case .success(let executions):
                    replies.send(requester, .commands(Commands(commands: executions.map { Mapping.command($0) })))
                case .failure(.replaced):
                    break  // the newer fetch of the same instance is answered instead (see PROTOCOL.md)
                case .failure(let error):
                    replies.send(requester, Mapping.reply(error))
                }
            }, requester)
        case .extendLease(let request):
            submit(.extend(
                request.lease.executionId, token: request.lease.token, by: .milliseconds(Int64(request.extendByMs)),
                services: scope
            ) { [replies] result in
                switch result {
                case .success(let until):
                    replies.send(requester, .leaseReply(LeaseReply(status: .accepted, leaseDeadline: until.milliseconds)))
                case .failure(.rejected(.unknownExecution)):
                    replies.send(requester, .error(ErrorReply(code: ErrorCode.unknownExecution.rawValue, message: "no execution has that id")))
                case .failure(.rejected):
                    replies.send(requester, .leaseReply(LeaseReply(status: .stale, leaseDeadline: 0)))
                case .failure(let error):
                    replies.send(requester, Mapping.reply(error))
                }
            }, requester)
        case .listRequest, .showRequest, .statsRequest, .timelineRequest, .notificationsRequest, .actionRequest,
            .sagaListRequest, .sagaShowRequest, .sagaAbortRequest:
            gateway.submit(frame.message) { [replies] reply in replies.send(requester, reply) }
        case .declareSaga(let request):
            declareSaga(request, requester)
        case .keyCreateRequest, .keyListRequest, .keyRevokeRequest:
            keys.submit(frame.message) { [replies] reply in replies.send(requester, reply) }
        case .helloReply, .heartbeatReply, .ack, .commands, .leaseReply, .listReply, .showReply,
            .actionReply, .statsReply, .timelineReply, .notificationsReply, .sagaListReply, .sagaShowReply,
            .sagaAbortReply, .event, .serviceEvent, .error, .sagaDeclared, .sagaEvent, .keyCreateReply, .keyListReply,
            .keyRevokeReply:
            replies.send(requester, error: .unexpectedMessage, "\(frame.message.type) is not a request")
        }
    }

    /// An explicit saga declaration: SagaDeclared, or an ErrorReply (`invalid_field`, `key_conflict`).
    private func declareSaga(_ request: DeclareSaga, _ requester: Requester) {
        switch Mapping.declaredSteps(request, defaults: config.defaultSpec) {
        case .failure(let refusal):
            replies.send(requester, error: refusal.code, refusal.detail)
        case .success(let steps):
            submit(.declareSaga(
                id: request.sagaId, steps: steps, deadline: request.deadline.map { Timestamp(milliseconds: $0) }
            ) { [replies] result in
                switch result {
                case .success(let created):
                    replies.send(requester, .sagaDeclared(SagaDeclared(created: created ? 1 : 0)))
                case .failure(.rejected(let rejection)):
                    replies.send(requester, error: Mapping.code(rejection), Mapping.detail(rejection))
                case .failure(let error):
                    replies.send(requester, Mapping.reply(error))
                }
            }, requester)
        }
    }

    private func records(_ batch: RecordBatch, _ requester: Requester) {
        let received = DispatchTime.now().uptimeNanoseconds
        var outcomes = [RecordOutcome?](repeating: nil, count: batch.records.count)
        var incoming: [JournalCommand] = []  // each a `.record`, made here rather than on the core thread
        var positions: [Int] = []
        incoming.reserveCapacity(batch.records.count)
        positions.reserveCapacity(batch.records.count)
        let now = BrokerClock.wall()
        for index in batch.records.indices {  // by index: `enumerated()` copied every record out of the array
            if let tooOld = dedupeWindow.rejection(of: batch.records[index].id, now: now) {
                outcomes[index] = tooOld.outcome
                continue
            }
            switch Mapping.incoming(batch.records[index], defaults: config.defaultSpec) {
            case .success(var value):
                value.encodeCreationBody()  // here rather than on the core thread (see the method)
                incoming.append(.record(consume value))  // moved, not copied (its strings retained and released)
                positions.append(index)
            case .failure(let rejection):
                outcomes[index] = rejection.outcome
            }
        }
        let rejected = batch.records.count - incoming.count
        var early = BrokerMetrics.RecordTally()
        if rejected > 0 {
            counters.update { $0.recordsRejected += UInt64(rejected) }
            notices.rejected(batch.records, outcomes, at: outcomes.indices)
            for (record, outcome) in zip(batch.records, outcomes) where outcome != nil { early.add(record.kind, outcome: 4) }
            metrics.count(early)
        }
        guard !incoming.isEmpty else {
            replies.send(requester, .ack(Ack(outcomes: outcomes.compactMap { $0 })))
            metrics.acknowledged(nanoseconds: DispatchTime.now().uptimeNanoseconds &- received)
            return
        }
        // What waits for the commit with the request: the records' kinds (a byte each), and the wire records
        // themselves (416 bytes each) only when a rejection would be logged by name. 64 connections' batches
        // of 100 wait at once in a storm.
        let kinds = batch.records.map(\.kind)
        let named = notices.isEnabled ? batch.records : []
        submit(.recordCommands(incoming) { [replies, counters, notices, metrics, outcomes, positions, kinds, named] result in
            switch result {
            case .success(let results):
                var all = outcomes
                for (position, result) in zip(positions, results) { all[position] = Mapping.outcome(result, kind: kinds[position]) }
                var rejected = false
                var tally = BrokerMetrics.RecordTally()
                counters.update { values in
                    for (position, result) in zip(positions, results) {
                        tally.add(kinds[position], outcome: Self.count(result, into: &values))
                        if case .rejected = result { rejected = true }
                    }
                }
                metrics.count(tally)
                if rejected, !named.isEmpty { notices.rejected(named, all, at: positions) }
                replies.send(requester, .ack(Ack(outcomes: all.compactMap { $0 })))
                metrics.acknowledged(nanoseconds: DispatchTime.now().uptimeNanoseconds &- received)
            case .failure(let error):
                replies.send(requester, Mapping.reply(error))
            }
        }, requester)
    }

    /// Counts `result`; returns its outcome's index for `BrokerMetrics.RecordTally`.
    private static func count(_ result: RecordResult, into values: inout BrokerCounters.Values) -> Int {
        switch result {
        case .accepted: values.recordsAccepted += 1; return 0
        case .notHeld: values.successesNotHeld += 1; return 1
        case .duplicate: values.recordsDuplicate += 1; return 2
        case .stale: values.recordsStale += 1; return 3
        case .rejected: values.recordsRejected += 1; return 4
        }
    }

    private func submit(_ work: CoreWork, _ requester: Requester) {
        if let refusal = core.submit(work) { replies.send(requester, Mapping.reply(refusal)) }
    }
}

/// Backoff for a failing receive (EMFILE at the open-file limit): 10 ms doubling to 1 s; reports
/// only the change of state.
struct ReceiveBackoff {
    private(set) var failures = 0

    /// The sleep after the current failure.
    var delayMilliseconds: Int { min(1000, 10 << min(failures, 7)) }

    /// A failure; true when it starts a failing period (log it).
    mutating func failed() -> Bool {
        failures += 1
        return failures == 1
    }

    /// A success; the failures of the period it ends, if any.
    mutating func succeeded() -> Int? {
        defer { failures = 0 }
        return failures > 0 ? failures : nil
    }
}
