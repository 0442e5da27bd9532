import CompWire
import DequeModule
import Synchronization

/// One thing the broker told its in-process listeners.
public enum TapEvent: Sendable, Equatable {
    /// An execution changed (the same event the PUB socket carries).
    case execution(Event)
    /// A service was paused or resumed.
    case service(ServiceEvent)
}

/// What a listener reads next from the tap.
public enum TapItem: Sendable, Equatable {
    /// The next event, in the order the broker published them.
    case event(TapEvent)
    /// The listener fell more than the tap's capacity behind; what it had not read was dropped. It should
    /// read the state afresh (the stats, the open list) and go on listening.
    case resync
}

/// An in-process broadcaster of the broker's events, for the HTTP feed: every listener has its own
/// queue of at most `capacity` events. Publishing never waits for a listener: it takes one short lock,
/// and a listener whose queue is full loses its queue and is told to resync instead. So a slow browser
/// costs the core nothing but that lock.
public final class EventTap: Sendable {
    /// The most events one listener may have unread before it is told to resync.
    public let capacity: Int
    private let state = Mutex(State())
    private let listenerCount = Atomic<Int>(0)

    private struct Queue {
        var events: Deque<TapEvent> = []
        var overflowed = false
        var waiter: CheckedContinuation<TapItem?, Never>?
    }

    private struct State {
        var queues: [Int: Queue] = [:]
        var nextId = 0
        var closed = false
    }

    /// A tap whose listeners may each fall `capacity` events behind (at least 1).
    public init(capacity: Int = 1024) {
        self.capacity = max(1, capacity)
    }

    /// Whether anyone listens (the core skips building events when nobody does and events are off).
    public var hasListeners: Bool { listenerCount.load(ordering: .relaxed) > 0 }

    /// A new listener; it receives every event published from now on until it is dropped or the tap closes.
    public func listen() -> TapListener {
        let id = state.withLock { state -> Int in
            let id = state.nextId
            state.nextId += 1
            if !state.closed { state.queues[id] = Queue() }
            return id
        }
        listenerCount.add(1, ordering: .relaxed)
        return TapListener(tap: self, id: id)
    }

    /// Hands `event` to every listener; never waits. A listener with `capacity` unread events loses them
    /// and gets `.resync` next.
    public func publish(_ event: TapEvent) {
        guard hasListeners else { return }
        var wake: [(CheckedContinuation<TapItem?, Never>, TapItem)] = []
        state.withLock { state in
            for id in state.queues.keys {
                guard var queue = state.queues[id], !queue.overflowed else { continue }
                if let waiter = queue.waiter {
                    queue.waiter = nil
                    wake.append((waiter, .event(event)))
                } else if queue.events.count >= capacity {
                    queue.events.removeAll()
                    queue.overflowed = true
                } else {
                    queue.events.append(event)
                }
                state.queues[id] = queue
            }
        }
        for (continuation, item) in wake { continuation.resume(returning: item) }
    }

    /// Ends every listener (each reads what it has, then nil); later listeners end at once.
    public func close() {
        let waiters = state.withLock { state -> [CheckedContinuation<TapItem?, Never>] in
            state.closed = true
            var waiters: [CheckedContinuation<TapItem?, Never>] = []
            for id in state.queues.keys {
                if let waiter = state.queues[id]?.waiter { waiters.append(waiter) }
                state.queues[id]?.waiter = nil
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// The next item of listener `id`; nil once the tap is closed and the queue is read, or the task is cancelled.
    fileprivate func next(_ id: Int) async -> TapItem? {
        if case .ready(let item) = state.withLock({ Self.take(id, from: &$0) }) { return item }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TapItem?, Never>) in
                let taken = state.withLock { state -> Take in
                    let taken = Self.take(id, from: &state)
                    if case .wait = taken {
                        // Checked under the lock: a cancellation handler that ran before found no waiter.
                        if Task.isCancelled { return .ready(nil) }
                        state.queues[id]?.waiter = continuation
                    }
                    return taken
                }
                if case .ready(let item) = taken { continuation.resume(returning: item) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<TapItem?, Never>? in
                let waiter = state.queues[id]?.waiter
                state.queues[id]?.waiter = nil
                return waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// What a listener reads now, or that it must wait.
    private enum Take {
        /// This item (nil: the end).
        case ready(TapItem?)
        case wait
    }

    /// What listener `id` reads now: the resync it is owed, its oldest event, or the end when the tap is
    /// closed or the listener is gone; `.wait` when there is nothing yet.
    private static func take(_ id: Int, from state: inout State) -> Take {
        guard var queue = state.queues[id] else { return .ready(nil) }
        defer { state.queues[id] = queue }
        if queue.overflowed {
            queue.overflowed = false
            return .ready(.resync)
        }
        if let event = queue.events.popFirst() { return .ready(.event(event)) }
        return state.closed ? .ready(nil) : .wait
    }

    /// What listener `id` can read now without waiting, at most `max` items.
    fileprivate func ready(_ id: Int, max: Int) -> [TapItem] {
        state.withLock { state in
            var items: [TapItem] = []
            while items.count < max, case .ready(.some(let item)) = Self.take(id, from: &state) { items.append(item) }
            return items
        }
    }

    /// Forgets listener `id` and its queue.
    fileprivate func drop(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<TapItem?, Never>? in
            state.queues.removeValue(forKey: id)?.waiter
        }
        listenerCount.subtract(1, ordering: .relaxed)
        waiter?.resume(returning: nil)
    }
}

/// One listener of an `EventTap`: read it with `next()` (or as an async sequence) from one task; it stops
/// receiving when dropped.
public final class TapListener: Sendable, AsyncSequence, AsyncIteratorProtocol {
    private let tap: EventTap
    private let id: Int

    fileprivate init(tap: EventTap, id: Int) {
        self.tap = tap
        self.id = id
    }

    /// The next item; nil when the tap has closed or the task was cancelled.
    public func next() async -> TapItem? { await tap.next(id) }

    /// The items that can be read now without waiting, at most `max` (none when there are none).
    public func ready(max: Int) -> [TapItem] { tap.ready(id, max: max) }

    public func makeAsyncIterator() -> TapListener { self }

    deinit { tap.drop(id) }
}
