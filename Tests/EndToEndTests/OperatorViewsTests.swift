import CompClient
import CompWire
import Foundation
import Testing

/// What the console needs from the wire, seen through compctl against a real compd: who did an action,
/// the new filters and the list by next retry, the due count and the failure overview.
@Suite(.serialized)
struct OperatorViewsTests {
    @Test("compctl's actions are recorded with compctl and the OS user; show and timeline print the author; an old client's as unknown")
    func actor() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        let at = ["--broker", broker.listen]
        let outcomes = try broker.reporter().send([
            failureRecord(eventId: "a-1", correlationId: "order-7"), failureRecord(eventId: "a-2", correlationId: "order-7"),
        ])
        let first = outcomes[0].executionId
        let second = outcomes[1].executionId
        let park = try compctl(["park", "\(first)"] + at)
        #expect(park.status == 0, "\(park.err)")
        // A client that sends no actor (older than the tag).
        _ = try broker.admin().act(.discard, on: .execution(second))

        let show = try compctl(["show", "\(first)"] + at)
        #expect(show.status == 0, "\(show.err)")
        let parkLine = try #require(show.out.split(separator: "\n").first { $0.contains(" park ") })
        #expect(parkLine.contains("  by compctl:"), "\(parkLine)")
        let shown = try json(try compctl(["show", "\(first)", "--json"] + at).out)
        let history = try #require(shown["history"] as? [[String: Any]])
        #expect(history.map { $0["kind"] as? String } == ["failure", "park"])
        let actor = try #require(history.last?["actor"] as? String)
        #expect(actor.hasPrefix("compctl:") && actor.count > "compctl:".count, "\(actor)")
        #expect(history.first?["actor"] == nil)

        let timeline = try compctl(["timeline", "order-7"] + at)
        #expect(timeline.out.contains("park  park (operator)  by \(actor)"), "\(timeline.out)")
        #expect(timeline.out.contains("discard  discard (operator)  by unknown"), "\(timeline.out)")
    }

    @Test("list filters by recoverable, creation time and due now, sorts by next retry in keyset pages; bulk actions take the same filters")
    func filtersAndSort() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        let at = ["--broker", broker.listen]
        _ = try broker.reporter().send([
            failureRecord(eventId: "f-1", recoverable: 1, spec: quickSpec(minBackoffMs: 300)),
            failureRecord(service: "billing", eventId: "f-2", spec: quickSpec(minBackoffMs: 200)),
            failureRecord(eventId: "f-3", recoverable: 2),
            failureRecord(service: "billing", eventId: "f-4", spec: RetrySpecPatch(minBackoffMs: 3_600_000, maxBackoffMs: 3_600_000)),
        ])
        func events(_ arguments: [String]) throws -> [String] {
            let run = try compctl(["list", "--json"] + arguments + at)
            #expect(run.status == 0, "\(arguments): \(run.err)")
            let page = try json(run.out)
            return (page["executions"] as? [[String: Any]] ?? []).compactMap { $0["eventId"] as? String }
        }
        #expect(try events(["--recoverable", "recoverable"]) == ["f-1"])
        #expect(try events(["--recoverable", "unrecoverable"]) == ["f-3"])
        #expect(try events(["--since", "1h"]) == ["f-4", "f-3", "f-2", "f-1"])
        #expect(try events(["--until", "1h"]).isEmpty)
        #expect(try events(["--since", "2020-01-01T00:00:00Z", "--until", "2999-01-01T00:00:00.000+01:00"]).count == 4)
        // f-1 and f-2 come due within a second; f-4 in an hour; f-3 is parked.
        #expect(try eventually(30) { try events(["--due"]).sorted() == ["f-1", "f-2"] })
        #expect(try events(["--sort", "next-retry"]) == ["f-2", "f-1", "f-4"])

        let first = try compctl(["list", "--sort", "next-retry", "--limit", "2"] + at)
        #expect(first.status == 0, "\(first.err)")
        let more = try #require(first.out.split(separator: "\n").first { $0.hasPrefix("more: --cursor ") })
        let parts = more.split(separator: " ").map(String.init)  // more: --cursor ID --cursor-key MS
        #expect(parts.count == 5 && parts[3] == "--cursor-key", "\(more)")
        #expect(try events(["--sort", "next-retry", "--limit", "2", "--cursor", parts[2], "--cursor-key", parts[4]]) == ["f-4"])

        let bad = try compctl(["list", "--since", "yesterday"] + at)
        #expect(bad.status == 64)
        #expect(bad.err.contains("--since must be an RFC 3339 time"), "\(bad.err)")
        let badHint = try compctl(["list", "--recoverable", "maybe"] + at)
        #expect(badHint.status == 64)
        #expect(badHint.err.contains("--recoverable must be unknown, recoverable or unrecoverable"), "\(badHint.err)")
        do {
            _ = try broker.admin().list(Filter(), cursor: 5, limit: 10, sort: .nextRetry)
            Issue.record("a next-retry page after a cursor without its key was answered")
        } catch {
            #expect((error as? ClientError)?.brokerCode == .invalidField)
            #expect("\(error)".contains("ListRequest.cursorKey"), "\(error)")
        }
        let badSort = try compctl(["list", "--sort", "oldest"] + at)
        #expect(badSort.status == 64)
        #expect(badSort.err.contains("--sort must be newest or next-retry"), "\(badSort.err)")

        let discard = try compctl(["discard", "--recoverable", "unrecoverable", "--since", "1h"] + at)
        #expect(discard.status == 0, "\(discard.err)")
        #expect(discard.out.contains("discarded: 1 of 1 changed"), "\(discard.out)")
        let park = try compctl(["park", "--due", "--service", "billing"] + at)
        #expect(park.out.contains("parked: 1 of 1 changed"), "\(park.out)")
        let marked = try compctl(["mark", "--recoverability", "recoverable", "--unrecoverable"] + at)
        #expect(marked.out.contains("marked unrecoverable: 1 of 1 changed"), "\(marked.out)")
    }

    @Test("stats prints the due count and the overview of failures per service and the top error codes")
    func stats() throws {
        let (directory, broker) = try startedBroker()
        defer { directory.remove() }
        let at = ["--broker", broker.listen]
        _ = try broker.reporter().send([
            failureRecord(eventId: "s-1", code: "HTTP_503", spec: quickSpec(minBackoffMs: 100)),
            failureRecord(eventId: "s-2", code: "HTTP_503", spec: quickSpec(minBackoffMs: 100)),
            failureRecord(service: "billing", eventId: "s-3", code: "DB_DOWN"),
        ])
        #expect(try eventually(30) { (try broker.admin().stats().dueNow ?? 0) >= 2 })
        let text = try compctl(["stats"] + at)
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out.contains("due now: 2"), "\(text.out)")
        #expect(text.out.contains("  billing: 1 in all: "), "\(text.out)")
        #expect(text.out.contains("  orders: 2 in all: "), "\(text.out)")
        #expect(text.out.contains("top error codes, last hour: HTTP_503 2, DB_DOWN 1"), "\(text.out)")
        let stats = try json(try compctl(["stats", "--json"] + at).out)
        #expect(stats["dueNow"] as? Int == 2)
        let overview = try #require(stats["overview"] as? [String: Any])
        #expect(overview["bucketMs"] as? Int == 3_600_000)
        let series = try #require(overview["series"] as? [[String: Any]])
        #expect(series.map { $0["service"] as? String } == ["billing", "orders"])
        #expect(series.allSatisfy { ($0["counts"] as? [Int])?.count == 24 })
        #expect((series.last?["counts"] as? [Int])?.last == 2)
    }
}
