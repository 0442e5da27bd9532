import CompJournal
import CompModel
import Foundation
import Testing
@testable import CompNotify

struct BodyTests {
    static let console = "http://console.test/"

    /// The first failure of execution 42 at 10:00:00Z, as a single notification.
    static func createdNotification() throws -> Notification {
        var rows = Rows()
        var machine = NotifierMachine(config: stormConfig(), cursor: 0)
        return try #require(machine.read(.of([rows.created(id: 42, at: Rows.at(0)).0]), now: Rows.at(0)).first)
    }

    static func digestNotification(count: Int = 7, total: Int = 10) -> Notification {
        Notification(
            idempotencyKey: "hook:digest:failure_created:orders/charge:DB_DOWN:1767261600000", kind: .failureCreated,
            content: .digest(DigestFacts(
                count: count, total: total, windowStart: Rows.t0, windowEnd: Rows.at(60), service: "orders",
                function: "charge", errorCode: "DB_DOWN")),
            firstSeq: 1, lastSeq: 10)
    }

    static func pauseNotification() -> Notification {
        Notification(
            idempotencyKey: "hook:7", kind: .servicePaused,
            content: .single(SingleFacts(occurredAt: Rows.at(5), service: "orders", actor: "compctl:alice", execution: nil)),
            firstSeq: 7, lastSeq: 7)
    }

    static func text(_ notification: Notification, _ kind: NotifierKind, console: String = console) -> String {
        String(decoding: NotificationBody.render(notification, for: kind, consoleURL: console), as: UTF8.self)
    }

    static func json(_ notification: Notification, _ kind: NotifierKind) throws -> [String: Any] {
        let bytes = NotificationBody.render(notification, for: kind, consoleURL: console)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test("webhook: a single event's body, byte for byte, keys sorted")
    func webhookSingle() throws {
        #expect(Self.text(try Self.createdNotification(), .webhook) == """
            {"actor":null,"event":"failure_created","execution":{"correlationId":"order-42","error":{"code":"DB_DOWN",\
            "message":"connection refused"},"eventId":"evt-42","function":"charge","id":42,"maxRetries":5,\
            "nextRetryAt":"2026-01-01T10:00:03.000Z","parkReason":null,"processor":"billing","retries":0,\
            "service":"orders","status":"FAILED"},"idempotencyKey":"hook:1","link":"http://console.test/executions/42",\
            "occurredAt":"2026-01-01T10:00:00.000Z","summary":"orders/charge failed: DB_DOWN (connection refused) \
            — retry 1 of 5 at 10:00:03Z"}
            """)
    }

    @Test("webhook: without a console URL the link is null")
    func webhookNoConsole() throws {
        let body = try #require(try JSONSerialization.jsonObject(with: Data(
            NotificationBody.render(try Self.createdNotification(), for: .webhook, consoleURL: ""))) as? [String: Any])
        #expect(body["link"] is NSNull)
    }

    @Test("webhook: a digest's body, byte for byte")
    func webhookDigest() {
        #expect(Self.text(Self.digestNotification(), .webhook) == """
            {"digest":{"count":7,"errorCode":"DB_DOWN","function":"charge","service":"orders","total":10,\
            "windowEnd":"2026-01-01T10:01:00.000Z","windowStart":"2026-01-01T10:00:00.000Z"},\
            "event":"failure_created","idempotencyKey":"hook:digest:failure_created:orders/charge:DB_DOWN:1767261600000",\
            "link":"http://console.test/executions?service=orders&function=charge&errorCode=DB_DOWN",\
            "summary":"7 failures of orders/charge with DB_DOWN in the 60 s from 10:00:00Z (3 sent singly)"}
            """)
    }

    @Test("webhook: a pause's body, byte for byte")
    func webhookPause() {
        #expect(Self.text(Self.pauseNotification(), .webhook) == """
            {"actor":"compctl:alice","event":"service_paused","idempotencyKey":"hook:7",\
            "occurredAt":"2026-01-01T10:00:05.000Z","service":"orders","summary":"service orders paused by compctl:alice"}
            """)
    }

    @Test("summary lines for each kind")
    func summaries() throws {
        var rows = Rows()
        let (_, created) = rows.created(id: 1, at: Rows.at(0))
        let (_, leased) = try rows.applied(.lease(token: 2, holder: "n1"), to: created, kind: "leased", at: Rows.at(3))
        let failure = FailureReport(error: ErrorInfo(code: "DB_DOWN", message: "still down"), occurredAt: Rows.at(4))
        let (retry, _) = try rows.applied(.failure(failure, leaseToken: 2), to: leased, kind: "failure-result", at: Rows.at(4))
        let (success, _) = try rows.applied(.success(leaseToken: 2), to: leased, kind: "success-result", at: Rows.at(4))
        let (timeout, _) = try rows.applied(.expireLease, to: leased, kind: "timeout", at: Rows.at(33))
        let (park, _) = try rows.applied(.park, to: created, kind: "park", actor: "compctl:bob", at: Rows.at(5))
        let (mark, _) = try rows.applied(.mark(.recoverable), to: created, kind: "mark", actor: "http:ops", at: Rows.at(5))
        let (discard, _) = try rows.applied(.discard, to: created, kind: "discard", actor: "http:ops", at: Rows.at(5))
        func line(_ change: JournalChange) throws -> String {
            let event = try #require(DerivedEvent.derive(from: change))
            return Summary.single(event.kind, event.facts)
        }
        #expect(try line(retry) == "orders/charge retry 1 of 5 failed: DB_DOWN (still down) — retry 2 of 5 at 10:00:10Z")
        #expect(try line(success) == "orders/charge succeeded after 1 retry")
        #expect(try line(timeout).hasPrefix("orders/charge lease expired: TIMEOUT (no result from n1 within the lease"))
        #expect(try line(timeout).hasSuffix("— retry 2 of 5 at 10:00:39Z"))
        #expect(try line(park) == "orders/charge parked (manual) by compctl:bob after 0 of 5 retries: DB_DOWN (connection refused)")
        #expect(try line(mark) == "orders/charge marked recoverable by http:ops")
        #expect(try line(discard) == "orders/charge discarded by http:ops")
        #expect(Summary.line(Self.digestNotification(count: 1342, total: 1352))
            == "1,342 failures of orders/charge with DB_DOWN in the 60 s from 10:00:00Z (10 sent singly)")
        #expect(Summary.line(Self.digestNotification(count: 1, total: 11))
            == "1 failure of orders/charge with DB_DOWN in the 60 s from 10:00:00Z (10 sent singly)")
        #expect(Summary.grouped(1_234_567) == "1,234,567")
        #expect(Summary.grouped(999) == "999")
        #expect(Summary.seconds(.milliseconds(1500)) == "1.5")
    }

    @Test("slack: text links the summary, fields under it, the key in a context block")
    func slack() throws {
        let body = try Self.json(try Self.createdNotification(), .slack)
        #expect(body["text"] as? String
            == "<http://console.test/executions/42|orders/charge failed: DB_DOWN (connection refused) — retry 1 of 5 at 10:00:03Z>")
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["type"] as? String } == ["section", "section", "context"])
        let fields = try #require(blocks[1]["fields"] as? [[String: Any]])
        #expect(fields.count <= 10)
        #expect(fields.compactMap { $0["text"] as? String }.prefix(3) == ["*Service*\norders", "*Processor*\nbilling", "*Function*\ncharge"])
        #expect(fields.contains { $0["text"] as? String == "*Retries*\n0 of 5" })
        let context = try #require((blocks[2]["elements"] as? [[String: Any]])?.first?["text"] as? String)
        #expect(context == "failure_created · idempotency key: hook:1")
    }

    @Test("slack: &, < and > are escaped so a name cannot break the markup")
    func slackEscapes() throws {
        var rows = Rows()
        var machine = NotifierMachine(config: stormConfig(), cursor: 0)
        let (change, _) = rows.created(id: 1, code: "E<1>", message: "a & b", at: Rows.at(0))
        let notification = try #require(machine.read(.of([change]), now: Rows.at(0)).first)
        let body = try Self.json(notification, .slack)
        #expect((body["text"] as? String)?.contains("E&lt;1&gt; (a &amp; b)") == true)
    }

    @Test("wecom: markdown with the facts, the console link, and the key as the last line")
    func wecom() throws {
        let body = try Self.json(try Self.createdNotification(), .wecom)
        #expect(body["msgtype"] as? String == "markdown")
        let content = try #require((body["markdown"] as? [String: Any])?["content"] as? String)
        #expect(content == """
            <font color="warning">**orders/charge failed: DB_DOWN (connection refused) — retry 1 of 5 at 10:00:03Z**</font>
            > event: failure_created
            > service: orders
            > processor: billing
            > function: charge
            > event id: evt-42
            > correlation id: order-42
            > status: FAILED
            > retries: 0 of 5
            > next retry: 2026-01-01T10:00:03.000Z
            > error: DB_DOWN (connection refused)
            [Open in the console](http://console.test/executions/42)
            key: hook:1
            """)
        let digest = try #require((try Self.json(Self.digestNotification(), .wecom)["markdown"] as? [String: Any])?["content"] as? String)
        #expect(digest.hasSuffix("\n[Open in the console](http://console.test/executions?service=orders&function=charge&errorCode=DB_DOWN)"
            + "\nkey: hook:digest:failure_created:orders/charge:DB_DOWN:1767261600000"))
    }

    @Test("the same notification renders to the same bytes every time")
    func deterministic() throws {
        let notification = try Self.createdNotification()
        for kind in NotifierKind.allCases {
            let first = NotificationBody.render(notification, for: kind, consoleURL: Self.console)
            for _ in 0..<5 { #expect(NotificationBody.render(notification, for: kind, consoleURL: Self.console) == first) }
        }
    }

    @Test("the largest texts still give a body under 16 KB, and WeCom content under 4096 bytes, key kept")
    func sizeLimits() throws {
        let name = String(repeating: "\u{1}\"", count: 128)  // 256 bytes, each character escaped in JSON
        var rows = Rows()
        var random = SplitMix64(seed: 1)
        let key = ExecutionKey(service: name, processor: name, function: name, eventId: name)
        let execution = Execution.create(
            id: 1, key: key, correlationId: name,
            failure: FailureReport(error: ErrorInfo(code: name, message: String(repeating: "\u{2}", count: 4096)), occurredAt: Rows.at(0)),
            spec: Rows.spec, payload: [], now: Rows.at(0), random: &random)
        rows.seq = 1
        let change = Rows.change(seq: 1, at: Rows.at(0), kind: "failure", actor: String(repeating: "\u{3}", count: 128),
                                 subject: .execution(previous: nil, current: execution))
        var machine = NotifierMachine(config: stormConfig(), cursor: 0)
        let single = try #require(machine.read(.of([change]), now: Rows.at(0)).first)
        let digest = Notification(
            idempotencyKey: WindowKey(kind: .failureCreated, service: name, function: name, errorCode: name, start: 0).digestKey(notifier: "hook"),
            kind: .failureCreated,
            content: .digest(DigestFacts(count: 5, total: 15, windowStart: .zero, windowEnd: Rows.at(60), service: name, function: name, errorCode: name)),
            firstSeq: 1, lastSeq: 15)
        for notification in [single, digest] {
            for kind in NotifierKind.allCases {
                let bytes = NotificationBody.render(notification, for: kind, consoleURL: "https://console.example.com")
                #expect(bytes.count <= NotificationBody.maxBytes, "\(kind)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
                if kind == .wecom {
                    let content = try #require((object["markdown"] as? [String: Any])?["content"] as? String)
                    #expect(content.utf8.count <= WeComBody.maxContentBytes)
                    #expect(content.hasSuffix("\nkey: \(notification.idempotencyKey)"))
                }
            }
        }
    }
}
