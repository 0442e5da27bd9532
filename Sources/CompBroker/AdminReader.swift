import CompJournal
import CompModel
import CompWire
import Foundation
import Logging

/// Answers list, show and stats on its own thread and its own read-only connection, so admin
/// queries never stall ingest (WAL lets readers run beside the writer).
///
/// `@unchecked Sendable`: the queue and `stopping` are guarded by `condition`; `reader` is used
/// only by the admin thread.
final class AdminReader: @unchecked Sendable {
    private let reader: JournalReader
    private let replies: Replier
    private let counters: BrokerCounters
    private let startedAt: Timestamp
    private let logger: Logger
    private let condition = NSCondition()
    private var queue: [(Requester, Message)] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    init(reader: JournalReader, replies: Replier, counters: BrokerCounters, startedAt: Timestamp, logger: Logger) {
        self.reader = reader
        self.replies = replies
        self.counters = counters
        self.startedAt = startedAt
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "compd-admin"
        thread.start()
    }

    /// Queues a read request.
    func submit(_ requester: Requester, _ message: Message) {
        condition.withLock {
            queue.append((requester, message))
            condition.signal()
        }
    }

    /// Answers what is queued, then stops.
    func stop() {
        condition.withLock {
            stopping = true
            condition.signal()
        }
        finished.wait()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty, !stopping { condition.wait() }
            let batch = queue
            queue = []
            let stop = stopping
            condition.unlock()
            for (requester, message) in batch {
                replies.send(requester, answer(message))
            }
            if stop {
                reader.close()
                return
            }
        }
    }

    private func answer(_ message: Message) -> Message {
        do {
            switch message {
            case .listRequest(let request):
                guard (1...WireLimits.maxListItems).contains(Int(request.limit)) else {
                    return error(.invalidField, "limit must be in 1...\(WireLimits.maxListItems)")
                }
                let filter: ExecutionFilter
                switch Mapping.filter(request.filter) {
                case .success(let value): filter = value
                case .failure(let code): return error(code, "invalid filter")
                }
                let page = try reader.list(
                    filter: filter, before: request.cursor > 0 ? request.cursor : nil, limit: Int(request.limit))
                return .listReply(ListReply(
                    executions: page.executions.map(Mapping.view), nextCursor: page.nextCursor ?? 0))
            case .showRequest(let request):
                guard let execution = try reader.execution(request.executionId) else {
                    return error(.unknownExecution, "no execution has id \(request.executionId)")
                }
                let history = try reader.history(of: request.executionId)
                return .showReply(ShowReply(
                    execution: Mapping.view(execution),
                    history: history.suffix(WireLimits.maxHistoryEntries).map(Mapping.history)))
            case .statsRequest:
                let counts = try reader.counts()
                let (values, services) = counters.snapshot()
                return .statsReply(StatsReply(
                    counts: counts.map {
                        CompWire.StatusCount(status: $0.status.rawValue, parkReason: $0.parkReason?.rawValue ?? 0, count: UInt64($0.count))
                    },
                    services: services.sorted { $0.key < $1.key }.prefix(WireLimits.maxSmallList).map {
                        ServiceStats(service: $0.key, paused: $0.value.paused, inFlight: UInt32(clamping: $0.value.inFlight), waitingFetches: UInt32(clamping: $0.value.waitingFetches))
                    },
                    recordsAccepted: values.recordsAccepted, recordsDuplicate: values.recordsDuplicate,
                    recordsStale: values.recordsStale, recordsRejected: values.recordsRejected,
                    successesNotHeld: values.successesNotHeld, commandsDispatched: values.commandsDispatched,
                    leasesExpired: values.leasesExpired,
                    uptimeMs: UInt64(clamping: WallClock.now().since(startedAt).milliseconds)))
            default:
                return error(.unexpectedMessage, "not an admin read")
            }
        } catch {
            logger.error("admin query failed", metadata: ["error": "\(error)"])
            return self.error(.storageFailure, "\(error)")
        }
    }

    private func error(_ code: ErrorCode, _ text: String) -> Message {
        .error(ErrorReply(code: code.rawValue, message: text))
    }
}
