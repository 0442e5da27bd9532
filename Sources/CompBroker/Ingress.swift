import CompJournal
import CompModel
import CompTransport
import CompWire
import Foundation
import Logging

/// The receiving thread: takes requests off the socket, decodes them, answers what needs no state
/// (hello, heartbeat, malformed frames) at once and hands the rest to the core or the admin reader.
///
/// `@unchecked Sendable`: `running` is guarded by `lock`; everything else is immutable or owned by
/// the ingress thread.
final class Ingress: @unchecked Sendable {
    private let server: ReplyServer
    private let core: Core
    private let admin: AdminReader
    private let replies: Replier
    private let config: BrokerConfig
    private let logger: Logger
    private let lock = NSLock()
    private var running = true
    private let finished = DispatchSemaphore(value: 0)

    init(server: ReplyServer, core: Core, admin: AdminReader, replies: Replier, config: BrokerConfig, logger: Logger) {
        self.server = server
        self.core = core
        self.admin = admin
        self.replies = replies
        self.config = config
        self.logger = logger
    }

    /// Starts the receiving thread.
    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "compd-ingress"
        thread.start()
    }

    /// Stops taking requests; returns once the thread has left its loop.
    func stop() {
        lock.withLock { running = false }
        finished.wait()
    }

    private var isRunning: Bool { lock.withLock { running } }

    private func run() {
        while isRunning {
            let request: IncomingRequest?
            do {
                request = try server.receive(timeoutMilliseconds: 100)
            } catch {
                if error.isClosed { return }
                logger.warning("receive failed", metadata: ["error": "\(error)"])
                continue
            }
            guard let request else { continue }
            handle(request)
        }
    }

    private func handle(_ request: IncomingRequest) {
        let frame: Frame
        do {
            frame = try FrameCodec.decode(request.body)
        } catch {
            let requestId = FrameCodec.peekHeader(request.body)?.requestId ?? 0
            logger.notice("bad frame", metadata: ["code": "\(error.code)", "error": "\(error.message)", "bytes": "\(request.body.count)"])
            replies.send(Requester(route: request.route, requestId: requestId), error: error.code, error.message)
            return
        }
        let requester = Requester(route: request.route, requestId: frame.requestId)
        switch frame.message {
        case .hello:
            replies.send(requester, .helloReply(HelloReply(
                brokerName: "compd/1", maxFrameBytes: UInt32(config.maxFrameBytes),
                maxBatchRecords: UInt32(WireLimits.maxBatchRecords),
                heartbeatIntervalMs: UInt32(clamping: config.heartbeatInterval.milliseconds),
                serverTime: WallClock.now().milliseconds)))
        case .heartbeat:
            replies.send(requester, .heartbeatReply(HeartbeatReply(serverTime: WallClock.now().milliseconds)))
        case .recordBatch(let batch):
            let slots = batch.records.map { record -> RecordSlot in
                switch Mapping.incoming(record, defaults: config.defaultSpec) {
                case .success(let incoming): .incoming(incoming)
                case .failure(let code): .rejected(code)
                }
            }
            let rejected = slots.compactMap { slot -> ErrorCode? in
                if case .rejected(let code) = slot { return code }
                return nil
            }
            if let first = rejected.first {
                logger.notice("records rejected", metadata: [
                    "count": "\(rejected.count)", "of": "\(slots.count)", "first": "\(first)",
                ])
            }
            submit(.records(requester, slots), requester)
        case .fetch(let fetch):
            guard !fetch.service.isEmpty, fetch.max >= 1, Int(fetch.max) <= WireLimits.maxCommands else {
                replies.send(requester, error: .invalidField, "a fetch needs a service and max in 1...\(WireLimits.maxCommands)")
                return
            }
            var normalized = fetch
            if normalized.instance.isEmpty { normalized.instance = "anonymous" }
            let wait = min(Int64(fetch.waitMs), config.maxFetchWait.milliseconds)
            let deadline = WallClock.now().adding(.milliseconds(wait)).milliseconds
            submit(.fetch(WaitingFetch(requester: requester, fetch: normalized, deadline: deadline)), requester)
        case .extendLease(let request):
            submit(.extend(requester, request), requester)
        case .actionRequest(let request):
            submit(.action(requester, request), requester)
        case .listRequest, .showRequest, .statsRequest:
            admin.submit(requester, frame.message)
        case .helloReply, .heartbeatReply, .ack, .commands, .leaseReply, .listReply, .showReply,
            .actionReply, .statsReply, .event, .error:
            replies.send(requester, error: .unexpectedMessage, "\(frame.message.type) is not a request")
        }
    }

    private func submit(_ work: Work, _ requester: Requester) {
        switch core.submit(work) {
        case nil: break
        case .shuttingDown?: replies.send(requester, error: .shuttingDown, "the broker is stopping; resend later with the same record ids")
        case let code?: replies.send(requester, error: code, "the broker is busy; resend later with the same record ids")
        }
    }
}
