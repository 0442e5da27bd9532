import CompBroker
import CompWire
import Hummingbird

/// `GET /api/v1/feed`: the broker's events as server-sent events, for the console.
///
/// ```
/// retry: 3000                      sent first: the browser reconnects after 3 s
/// event: execution                 an execution changed: data is the wire Event as JSON (FeedJSON.execution)
/// id: 1234                         the journal seq of the change
/// data: {"seq":1234,...}
///
/// event: service                   a service was paused or resumed: {"at","kind","service"}
/// event: stats                     the JSON of GET /api/v1/stats; at once, then at most once a second and
///                                  only when an execution or service event came since the last one
/// event: resync                    this client fell behind and events were dropped: read everything afresh
/// : ping                           a comment every 15 s of silence (finds closed connections)
/// ```
///
/// Every connection listens on the broker's `EventTap` with its own bounded queue: a slow browser never
/// slows the core; it loses its queue and gets `resync`. The stream ends when the broker shuts down.
struct Feed: Sendable {
    let tap: EventTap
    let health: BrokerHealth
    /// The stats JSON shared by every connection (nil: the feed sends no `stats` events).
    let stats: StatsPulse?

    /// How often at most a connection gets `stats`.
    static let statsInterval = Duration.seconds(1)
    /// The silence after which a connection gets a `: ping` comment.
    static let pingInterval = Duration.seconds(15)
    /// How many ready events go into one write.
    static let batch = 256

    /// The streaming response.
    func response() -> Response {
        let feed = self
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                      .xAccelBuffering: "no"],
            body: ResponseBody { writer in
                try await feed.run(&writer)
                try await writer.finish(nil)
            })
    }

    /// What woke the loop.
    private enum Wake: Sendable {
        case item(TapItem?)
        case tick
    }

    /// Writes the stream until the client goes away (a write throws), the tap closes or shutdown begins.
    private func run(_ writer: inout any ResponseBodyWriter) async throws {
        let listener = tap.listen()
        let clock = ContinuousClock()
        try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
        var changed = true
        var changedAt = clock.now
        var lastStats: ContinuousClock.Instant?
        var lastWrite = clock.now
        while !Task.isCancelled, health.readiness != .notReady(BrokerHealth.shuttingDownReason) {
            if changed, let stats, lastStats.map({ clock.now - $0 >= Self.statsInterval }) ?? true {
                if let json = await stats.current(readAfter: changedAt) {
                    try await writer.write(ByteBuffer(string: Self.frame(event: "stats", id: nil, data: json)))
                    lastWrite = clock.now
                }
                lastStats = clock.now
                changed = false
            }
            // Wake for the next item, for the stats owed, for a ping, and at least once a second (shutdown).
            var deadline = min(lastWrite + Self.pingInterval, clock.now + .seconds(1))
            if changed, let lastStats { deadline = min(deadline, lastStats + Self.statsInterval) }
            var items: [TapItem] = []
            for wake in await Self.next(listener, until: deadline) {
                switch wake {
                case .item(.some(let item)): items.append(item)
                case .item(.none): return  // the tap closed
                case .tick: break
                }
            }
            if !items.isEmpty { items += listener.ready(max: Self.batch) }
            var text = ""
            for item in items { text += Self.frame(item) }
            if !items.isEmpty {
                changed = true
                changedAt = clock.now
            }
            if text.isEmpty, clock.now - lastWrite >= Self.pingInterval { text = ": ping\n\n" }
            if !text.isEmpty {
                try await writer.write(ByteBuffer(string: text))
                lastWrite = clock.now
            }
        }
    }

    /// Waits for the listener's next item or `deadline`, whichever comes first; an item that arrives as the
    /// deadline passes is returned too, never lost. `.item(nil)` first means the tap closed.
    private static func next(_ listener: TapListener, until deadline: ContinuousClock.Instant) async -> [Wake] {
        await withTaskGroup(of: Wake.self) { group in
            group.addTask { .item(await listener.next()) }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return .tick
            }
            var wakes: [Wake] = []
            if let first = await group.next() { wakes.append(first) }
            group.cancelAll()
            for await other in group {
                // A cancelled wait ends with nil: that is not the tap closing.
                if case .item(.none) = other { continue }
                wakes.append(other)
            }
            return wakes
        }
    }

    /// One item as its SSE frame.
    static func frame(_ item: TapItem) -> String {
        switch item {
        case .event(.execution(let event)): frame(event: "execution", id: String(event.seq), data: FeedJSON.execution(event))
        case .event(.service(let event)): frame(event: "service", id: nil, data: FeedJSON.service(event))
        case .resync: frame(event: "resync", id: nil, data: "{}")
        }
    }

    /// An SSE frame; `data` is one line of JSON (JSON text has no raw newlines).
    static func frame(event: String, id: String?, data: String) -> String {
        "event: \(event)\n" + (id.map { "id: \($0)\n" } ?? "") + "data: \(data)\n\n"
    }
}
