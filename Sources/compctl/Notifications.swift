import ArgumentParser
import CompClient
import CompModel
import CompWire
import Foundation

/// `compctl notifications`: each notifier's delivery state (cursor, lag, counts, last error).
struct Notifications: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Each notifier's delivery state: journal cursor and lag, pending, sent, retried, dropped, last error.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try guarded {
            let broker = try connection.connect()
            let reply: Message
            do {
                reply = try broker.request(.notificationsRequest(NotificationsRequest()))
            } catch {
                if (error as? ClientError)?.brokerCode == .unknownMessageType {
                    throw Failure("this broker does not answer notifications requests; upgrade compd", exitCode: ExitStatus.refused)
                }
                throw error
            }
            guard case .notificationsReply(let notifications) = reply else {
                throw ClientError.protocolViolation("expected a notifications reply")
            }
            if connection.json {
                printJSON(NotificationsText.json(notifications))
            } else {
                print(NotificationsText.table(notifications.notifiers, now: WallClock.now()), terminator: "")
            }
        }
    }
}

/// The output of `compctl notifications`.
enum NotificationsText {
    /// What `--json` prints: every field of every notifier, times as ISO 8601.
    struct ReplyJSON: Encodable {
        let notifiers: [NotifierJSON]
    }

    /// One notifier in `--json`.
    struct NotifierJSON: Encodable {
        let name, kind, target: String
        let events, services: [String]
        let cursorSeq, headSeq, lagRows: Int64
        let pending, sent, retried, dropped: UInt64
        let lastError: String?
        let lastErrorAt: String?
        let oldestPendingAgeMs: UInt64?
    }

    static func json(_ reply: NotificationsReply) -> ReplyJSON {
        ReplyJSON(notifiers: reply.notifiers.map { status in
            NotifierJSON(
                name: status.name, kind: status.kind, target: status.target, events: status.events,
                services: status.services, cursorSeq: status.cursorSeq, headSeq: status.headSeq,
                lagRows: status.lagRows, pending: status.pending, sent: status.sent, retried: status.retried,
                dropped: status.dropped, lastError: status.lastError, lastErrorAt: status.lastErrorAt.map(Names.time),
                oldestPendingAgeMs: status.oldestPendingAgeMs)
        })
    }

    /// The table for people: a header, one row per notifier, then each notifier's filters; or one line
    /// saying there are none. Ends with a newline.
    static func table(_ notifiers: [NotifierStatus], now: Timestamp) -> String {
        guard !notifiers.isEmpty else { return "no notifiers configured (see compd --notify)\n" }
        let header = ["NAME", "KIND", "TARGET", "CURSOR", "HEAD", "LAG", "PENDING", "SENT", "RETRIED", "DROPPED", "LAST ERROR"]
        let rows = notifiers.map { status in
            [status.name, status.kind, status.target, "\(status.cursorSeq)", "\(status.headSeq)", "\(status.lagRows)",
             "\(status.pending)" + (status.oldestPendingAgeMs.map { " (oldest \(age($0)))" } ?? ""),
             "\(status.sent)", "\(status.retried)", "\(status.dropped)", lastError(status)]
        }
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }
        var lines = [render(header)] + rows.map(render)
        lines.append("LAG: journal rows after the cursor; PENDING: messages derived and not yet delivered")
        for status in notifiers {
            let services = status.services.isEmpty ? "every service" : status.services.joined(separator: ",")
            lines.append("\(status.name): events \(status.events.joined(separator: ",")); services \(services)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `-`, or the time and text of the latest error.
    private static func lastError(_ status: NotifierStatus) -> String {
        guard let text = status.lastError else { return "-" }
        return (status.lastErrorAt.map { Names.time($0) + " " } ?? "") + text
    }

    /// An age in ms as a short duration (`250ms`, `3s`, `2m5s`).
    private static func age(_ milliseconds: UInt64) -> String {
        DurationText.format(milliseconds: milliseconds >= 1000 ? milliseconds / 1000 * 1000 : milliseconds)
    }
}
