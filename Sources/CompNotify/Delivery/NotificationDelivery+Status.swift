import CompBroker
import CompModel
import CompWire
import Foundation

extension NotificationDelivery: NotifierStatusSource {
    /// Each notifier's delivery state, in configuration order, from what the service keeps in memory
    /// (no SQLite): cursor, head, pending, counts since start, last error, age of the oldest pending.
    public func notifierStatuses() async -> [NotifierStatus] {
        let now = WallClock.now()
        let head = self.head.load(ordering: .relaxed)
        return outboxes.map { outbox in
            let config = outbox.config
            let snapshot = outbox.snapshot
            return NotifierStatus(
                name: config.name, kind: config.kind.rawValue, target: Self.target(of: config.url),
                events: NotificationKind.allCases.filter(config.events.contains).map(\.rawValue),
                services: config.services.sorted(),
                cursorSeq: snapshot.cursor, headSeq: max(head, snapshot.cursor), pending: UInt64(snapshot.pending),
                sent: snapshot.counts.sent, retried: snapshot.counts.retried, dropped: snapshot.counts.dropped,
                lastError: snapshot.counts.lastError, lastErrorAt: snapshot.counts.lastErrorAt?.milliseconds,
                oldestPendingAgeMs: snapshot.oldestPending.map { UInt64(max(0, now.since($0).milliseconds)) })
        }
    }

    /// `scheme://host[:port]` of a URL: never its path, query or user info, which can hold a secret.
    static func target(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
              let host = components.host, !host.isEmpty
        else { return "(unparsable URL)" }
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme.lowercased())://\(shownHost)" + (components.port.map { ":\($0)" } ?? "")
    }
}
