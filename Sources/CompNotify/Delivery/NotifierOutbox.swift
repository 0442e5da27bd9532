import CompJournal
import CompModel
import DequeModule
import Synchronization

/// One notifier's state between the reading thread and its sender: its `NotifierMachine`, the messages
/// derived and not yet settled (in order), where its reading stands, and its counts. Every access goes
/// through one lock; the sender waits here for its next message.
final class NotifierOutbox: Sendable {
    /// Messages pending at which reading stops for this notifier until its sender catches up.
    static let pendingLimit = 10_000

    /// A message waiting to be sent.
    struct Queued: Sendable {
        var notification: Notification
        /// When it was derived (for the lag: the age of the oldest pending message).
        var derivedAt: Timestamp
    }

    /// How a message was settled.
    enum Settlement: Sendable {
        case sent
        case dropped(reason: String)
    }

    /// The counts and last error, for `compctl notifications`.
    struct Counts: Sendable {
        var sent: UInt64 = 0
        var retried: UInt64 = 0
        var dropped: UInt64 = 0
        var lastError: String?
        var lastErrorAt: Timestamp?
    }

    private struct State {
        var machine: NotifierMachine?
        /// The seq the next read starts after.
        var readSeq: Int64 = 0
        var queue = Deque<Queued>()
        var waiter: CheckedContinuation<Queued?, Never>?
        var closed = false
        var inFlight = false
        var counts = Counts()
        var failures = FailureLogGate()
    }

    /// The notifier's settings.
    let config: NotifierConfig
    private let state = Mutex(State())

    init(config: NotifierConfig) { self.config = config }

    // MARK: The reading side

    /// Starts the machine at `cursor` (the durable cursor, or the journal head for a new notifier).
    func start(cursor: Int64) {
        state.withLock { state in
            state.machine = NotifierMachine(config: config, cursor: cursor)
            state.readSeq = cursor
        }
    }

    /// Where the next read starts, or nil when this notifier must not read now (not started, closed, or
    /// `pendingLimit` messages waiting).
    var readPosition: Int64? {
        state.withLock { state in
            guard state.machine != nil, !state.closed, state.queue.count < Self.pendingLimit else { return nil }
            return state.readSeq
        }
    }

    /// Whether reading is held back by the pending limit.
    var isFull: Bool { state.withLock { $0.queue.count >= Self.pendingLimit } }

    /// Feeds a batch read after `readPosition` to the machine and queues what it returns.
    ///
    /// - Returns: the messages queued.
    @discardableResult
    func read(_ batch: ChangeBatch, now: Timestamp) -> Int {
        let (count, waiter, first) = state.withLock { state -> (Int, CheckedContinuation<Queued?, Never>?, Queued?) in
            guard var machine = state.machine, !state.closed else { return (0, nil, nil) }
            let messages = machine.read(batch, now: now)
            state.machine = machine
            state.readSeq = max(state.readSeq, batch.lastSeq)
            return Self.enqueue(messages, now: now, into: &state)
        }
        waiter?.resume(returning: first)
        return count
    }

    /// Closes the storm-control windows that are over and queues their digests.
    ///
    /// - Returns: the messages queued.
    @discardableResult
    func tick(now: Timestamp) -> Int {
        let (count, waiter, first) = state.withLock { state -> (Int, CheckedContinuation<Queued?, Never>?, Queued?) in
            guard var machine = state.machine, !state.closed, let wake = machine.nextWake, wake <= now else {
                return (0, nil, nil)
            }
            let messages = machine.tick(now: now)
            state.machine = machine
            return Self.enqueue(messages, now: now, into: &state)
        }
        waiter?.resume(returning: first)
        return count
    }

    private static func enqueue(
        _ messages: [Notification], now: Timestamp, into state: inout State
    ) -> (Int, CheckedContinuation<Queued?, Never>?, Queued?) {
        guard !messages.isEmpty else { return (0, nil, nil) }
        let wasEmpty = state.queue.isEmpty
        state.queue.append(contentsOf: messages.map { Queued(notification: $0, derivedAt: now) })
        guard wasEmpty, let waiter = state.waiter else { return (messages.count, nil, nil) }
        state.waiter = nil
        return (messages.count, waiter, state.queue.first)
    }

    /// When `tick` must run next (the earliest window close), nil when no window is open.
    var nextWake: Timestamp? { state.withLock { $0.machine?.nextWake } }

    /// The highest seq whose notifications are all settled (what the cursor file gets).
    var durableCursor: Int64? { state.withLock { $0.machine?.durableCursor } }

    // MARK: The sending side

    /// The oldest unsettled message, waiting for one when there is none; nil once closed or cancelled.
    /// It stays queued until `settle` is called for it.
    func next() async -> Queued? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Queued?, Never>) in
                let ready = state.withLock { state -> Queued?? in
                    if state.closed || Task.isCancelled { return .some(nil) }
                    if let first = state.queue.first { return .some(first) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Marks a request as in flight or not (shutdown waits a little for requests in flight).
    func setInFlight(_ inFlight: Bool) { state.withLock { $0.inFlight = inFlight } }

    /// Whether a request is in flight.
    var isInFlight: Bool { state.withLock { $0.inFlight } }

    /// Whether the outbox is closed (shutdown began).
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Settles the oldest message: sent or dropped; the machine learns it is no longer pending.
    ///
    /// - Returns: the streak of failures that this ends, for the "recovered" line; nil when there was none.
    func settle(_ key: String, _ settlement: Settlement, now: Timestamp) -> (failures: Int, since: Timestamp)? {
        state.withLock { state in
            if state.queue.first?.notification.idempotencyKey == key { state.queue.removeFirst() }
            state.machine?.delivered(key)
            switch settlement {
            case .sent:
                state.counts.sent += 1
                return state.failures.recovered(now: now)
            case .dropped:
                state.counts.dropped += 1
                return nil
            }
        }
    }

    /// Counts rows that were pruned before this notifier read them.
    func countPruned(_ rows: Int64) {
        guard rows > 0 else { return }
        state.withLock { $0.counts.dropped += UInt64(rows) }
    }

    /// Counts a failed attempt that will be retried.
    ///
    /// - Returns: whether (and how) to log it.
    func failed(_ reason: String, now: Timestamp) -> FailureLogGate.Decision {
        state.withLock { state in
            state.counts.retried += 1
            state.counts.lastError = reason
            state.counts.lastErrorAt = now
            return state.failures.failed(now: now)
        }
    }

    /// Records an error that is not a retry (a refused message) as the last error.
    func noteError(_ reason: String, now: Timestamp) {
        state.withLock { state in
            state.counts.lastError = reason
            state.counts.lastErrorAt = now
        }
    }

    /// Stops reading and sending: a waiting sender gets nil.
    func close() {
        let waiter = state.withLock { state in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    // MARK: Status

    /// What `compctl notifications` shows of this notifier.
    struct Snapshot: Sendable {
        var cursor: Int64
        var pending: Int
        var counts: Counts
        /// When the oldest pending message was derived.
        var oldestPending: Timestamp?
    }

    /// The state now.
    var snapshot: Snapshot {
        state.withLock { state in
            Snapshot(cursor: state.machine?.durableCursor ?? state.readSeq, pending: state.queue.count,
                     counts: state.counts, oldestPending: state.queue.first?.derivedAt)
        }
    }
}
