import CompClient
import CompWire
import Foundation
import Testing

/// Notifications delivered by a real compd to a real HTTP receiver on loopback: the request and body of
/// each kind of notifier, the event and service filters, storm control's digest, pause and resume with
/// the actor.
@Suite(.serialized)
struct NotifyDeliveryTests {
    @Test("a webhook notifier POSTs a new failure as JSON with its idempotency key in the header and the body")
    func webhook() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let broker = try await startNotifyingBroker(
            directory, notify: ["webhook=\(receiver.url("hooks/compd?token=s3cret")) name=ops"],
            consoleURL: "https://console.example.com/")
        defer { broker.stop() }
        let ids = try reportFailures(broker, count: 1, prefix: "w")

        #expect(await waitUntil(60) { receiver.delivered.count == 1 }, "\(broker.log)")
        let request = try #require(receiver.delivered.first)
        #expect(request.method == "POST")
        #expect(request.path == "/hooks/compd")
        #expect(request.headers["content-type"]?.hasPrefix("application/json") == true)
        let key = try #require(request.idempotencyKey)
        #expect(key.hasPrefix("ops:"))
        let json = try #require(request.json, "\(request.bodyText)")
        #expect(json["idempotencyKey"] as? String == key)
        #expect(json["event"] as? String == "failure_created")
        #expect(request.bodyText.contains("https://console.example.com/executions/\(ids[0])"))
        for fact in ["orders", "billing", "charge", "w-0", "corr-w-0", "DB_DOWN", "connection refused"] {
            #expect(request.bodyText.contains(fact), "\(fact) missing from \(request.bodyText)")
        }
        // The URL can hold a secret: compd's log names the notifier and its kind, never the URL.
        #expect(broker.log.contains("ops (webhook)"))
        #expect(!broker.log.contains("s3cret"))
    }

    @Test("slack and wecom notifiers POST their own body shapes")
    func slackAndWecom() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let broker = try await startNotifyingBroker(
            directory, notify: ["slack=\(receiver.url("slack"))", "wecom=\(receiver.url("wecom"))"])
        defer { broker.stop() }
        try reportFailures(broker, count: 1, prefix: "k")

        #expect(await waitUntil(60) { receiver.delivered.count == 2 }, "\(broker.log)")
        let slack = try #require(receiver.accepted.first { $0.path == "/slack" })
        let slackJSON = try #require(slack.json, "\(slack.bodyText)")
        #expect((slackJSON["text"] as? String)?.contains("orders") == true, "\(slack.bodyText)")
        #expect(slack.bodyText.contains(try #require(slack.idempotencyKey)))
        let wecom = try #require(receiver.accepted.first { $0.path == "/wecom" })
        let wecomJSON = try #require(wecom.json, "\(wecom.bodyText)")
        #expect(wecomJSON["msgtype"] as? String == "markdown")
        let markdown = try #require(wecomJSON["markdown"] as? [String: Any])
        #expect((markdown["content"] as? String)?.contains("DB_DOWN") == true, "\(wecom.bodyText)")
        #expect(wecom.bodyText.contains(try #require(wecom.idempotencyKey)))
        // Both keys name their notifier: one key space per notifier.
        #expect(slack.idempotencyKey != wecom.idempotencyKey)
    }

    @Test("the event and service filters let through only what a notifier asked for")
    func filters() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let broker = try await startNotifyingBroker(directory, notify: [
            "webhook=\(receiver.url("parked")) events=parked name=parked-only",
            "webhook=\(receiver.url("billing")) services=billing name=billing-only",
        ])
        defer { broker.stop() }
        // orders: a failure (created, not parked), then one parked at once (no retries allowed);
        // billing: a failure (created). The last row of each notifier's interest comes last.
        try reportFailures(broker, count: 1, prefix: "f-orders")
        try reportFailures(broker, count: 1, prefix: "f-parked", spec: quickSpec(maxRetries: 0))
        try reportFailures(broker, count: 1, prefix: "f-billing", service: "billing")
        try reportFailures(broker, count: 1, prefix: "f-last", service: "billing", spec: quickSpec(maxRetries: 0))

        // Each notifier sends in order, so once its last message is in, every earlier one is too.
        #expect(await waitUntil(60) {
            receiver.accepted.contains { $0.path == "/parked" && $0.bodyText.contains("f-last-0") }
                && receiver.accepted.contains { $0.path == "/billing" && $0.bodyText.contains("f-last-0") }
        }, "\(broker.log)")
        let parked = receiver.delivered.filter { $0.path == "/parked" }
        #expect(parked.map { $0.json?["event"] as? String } == ["parked", "parked"])
        #expect(parked[0].bodyText.contains("f-parked-0"))
        let billing = receiver.delivered.filter { $0.path == "/billing" }
        #expect(billing.map { $0.json?["event"] as? String } == ["failure_created", "parked"])
        #expect(billing[0].bodyText.contains("f-billing-0"))
        #expect(!receiver.accepted.contains { $0.bodyText.contains("f-orders-0") })
    }

    @Test("a burst of 200 failures of one function and code: at most N singles per window and digests that add up")
    func digest() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let broker = try await startNotifyingBroker(directory, notify: ["webhook=\(receiver.url()) digest=5/2s name=storm"])
        defer { broker.stop() }
        try reportFailures(broker, count: 200, prefix: "storm")

        // Every failure is counted once: singly, or in its window's digest.
        func counted() -> Int {
            receiver.delivered.reduce(0) { sum, request in
                let digest = request.json?["digest"] as? [String: Any]
                return sum + ((digest?["count"] as? Int) ?? 1)
            }
        }
        #expect(await waitUntil(60) { counted() >= 200 }, "\(broker.log)")
        let singles = receiver.delivered.filter { $0.json?["digest"] == nil }
        let digests = receiver.delivered.compactMap { $0.json?["digest"] as? [String: Any] }
        #expect(counted() == 200)
        #expect(!digests.isEmpty)
        // A burst may straddle a window boundary: at most N singles and one digest per window.
        let windows = Set(digests.compactMap { $0["windowStart"] as? String })
        #expect(windows.count == digests.count)
        #expect(singles.count <= 5 * max(1, windows.count))
        for digest in digests {
            let count = try #require(digest["count"] as? Int)
            let total = try #require(digest["total"] as? Int)
            #expect(count > 0 && total == count + 5, "\(digest)")
        }
        let text = try #require(receiver.accepted.first { $0.json?["digest"] != nil }).bodyText
        #expect(text.contains("service=orders") && text.contains("function=charge") && text.contains("errorCode=DB_DOWN"), "\(text)")
        // A repeat (after a timeout) carries its message's key: by key, nothing is counted twice.
        #expect(Set(receiver.accepted.map(\.bodyText)).count == receiver.delivered.count)
    }

    @Test("pausing and resuming a service is notified with who did it")
    func pauseResume() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let broker = try await startNotifyingBroker(
            directory, notify: ["webhook=\(receiver.url()) events=service_paused,service_resumed"])
        defer { broker.stop() }
        let admin = try broker.admin()
        #expect(try admin.act(.pause, on: .service("orders"), actor: "compctl:alice").changed == 1)
        #expect(try admin.act(.resume, on: .service("orders"), actor: "http:bob").changed == 1)

        #expect(await waitUntil(60) { receiver.delivered.count == 2 }, "\(broker.log)")
        let events = receiver.delivered.compactMap(\.json)
        #expect(events.map { $0["event"] as? String } == ["service_paused", "service_resumed"])
        #expect(receiver.delivered[0].bodyText.contains("compctl:alice"))
        #expect(receiver.delivered[1].bodyText.contains("http:bob"))
        #expect(receiver.accepted.allSatisfy { $0.bodyText.contains("orders") })
    }
}
