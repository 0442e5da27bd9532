import Synchronization

/// The stats JSON the feed sends, shared by every connection: a connection asks for stats read after the
/// last change it saw, and gets the copy another connection read since then, or reads it afresh. So many
/// browsers watching the same changes cost about one stats read per second between them.
final class StatsPulse: Sendable {
    private let read: @Sendable () async -> String?
    private let last = Mutex<(at: ContinuousClock.Instant, json: String)?>(nil)
    private let clock = ContinuousClock()

    /// A pulse reading the stats JSON with `read` (nil: not available now, e.g. during shutdown).
    init(read: @escaping @Sendable () async -> String?) {
        self.read = read
    }

    /// The stats JSON read at or after `changedAt`, or nil when it cannot be read.
    func current(readAfter changedAt: ContinuousClock.Instant) async -> String? {
        if let cached = last.withLock({ $0 }), cached.at >= changedAt { return cached.json }
        let at = clock.now
        guard let json = await read() else { return nil }
        last.withLock { last in
            if last.map({ $0.at < at }) ?? true { last = (at, json) }
        }
        return json
    }
}
