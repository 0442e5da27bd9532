import CompClient
import CompWire
import Foundation
import Testing

/// Notifications when things go wrong: a receiver that answers 503 or is down, compd killed before it
/// delivered, a receiver that refuses, a slow receiver.
@Suite(.serialized)
struct NotifyFaultTests {
    @Test("a receiver answering 503 then 200: every key delivered once, in order")
    func downThenUp() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        receiver.answer(.status(503))
        let broker = try await startNotifyingBroker(directory, notify: ["webhook=\(receiver.url()) name=flaky"])
        defer { broker.stop() }
        let ids = try reportFailures(broker, count: 5, prefix: "down")

        #expect(await waitUntil { receiver.received.count >= 2 }, "\(broker.log)")  // refused, retried
        #expect(receiver.accepted.isEmpty)
        receiver.answer(.ok)
        #expect(await waitUntil(60) { receiver.delivered.count >= 5 }, "\(broker.log)")
        // Every key once (by key: a repeat after a timeout has the same key), in order.
        let events = receiver.delivered.map { request in ids.firstIndex { request.bodyText.contains("/executions/\($0)") } }
        #expect(events == [0, 1, 2, 3, 4])
        #expect(Set(receiver.accepted.map(\.bodyText)).count == 5)
        // The failures were logged with the notifier's name and the status, then the recovery.
        #expect(broker.log.contains("notifier failing: will retry") && broker.log.contains("flaky"))
        #expect(receiver.received.count > receiver.accepted.count)  // the 503s
        #expect(await waitUntil { broker.log.contains("notifier recovered") })
        #expect(await waitUntil { (try? notifierStatuses(broker).first?.sent) == 5 })
        // compctl notifications shows the notifier: its target without the path, its counts, the last error.
        let shown = try compctl(["notifications", "--broker", broker.listen, "--json"])
        #expect(shown.status == 0, "\(shown.err)")
        let notifier = try #require(
            ((try JSONSerialization.jsonObject(with: Data(shown.out.utf8)) as? [String: Any])?["notifiers"] as? [[String: Any]])?.first,
            "\(shown.out)")
        #expect(notifier["name"] as? String == "flaky")
        #expect(notifier["kind"] as? String == "webhook")
        #expect(notifier["target"] as? String == "http://127.0.0.1:\(receiver.port)")
        #expect(notifier["sent"] as? Int == 5)
        #expect((notifier["retried"] as? Int ?? 0) >= 1)
        #expect(notifier["pending"] as? Int == 0)
        #expect(notifier["lastError"] as? String != nil, "\(shown.out)")
        #expect(notifier["events"] as? [String] == ["failure_created", "retry_failed", "parked", "succeeded_after_retry"])
    }

    @Test("kill -9 after the acks and before delivery: the restarted compd delivers from its cursor")
    func killBeforeDelivery() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        let url = receiver.url()
        await receiver.stop()  // down: connections refused
        let broker = try await startNotifyingBroker(directory, notify: ["webhook=\(url)"])
        defer { broker.stop() }
        let ids = try reportFailures(broker, count: 3, prefix: "kill")
        #expect(await waitUntil { broker.log.contains("notifier failing: will retry") }, "\(broker.log)")
        broker.stop(signal: SIGKILL)

        try await receiver.start()  // the same port
        #expect(receiver.url() == url)
        try await startNotifying(broker)
        #expect(await waitUntil(60) { receiver.delivered.count >= 3 }, "\(broker.log)")
        let delivered = receiver.delivered.map { request in ids.firstIndex { request.bodyText.contains("/executions/\($0)") } }
        #expect(delivered == [0, 1, 2])
        await receiver.stop()
    }

    @Test("once a window has closed and everything is delivered, the cursor is written: a restart sends nothing twice")
    func cursorSurvivesRestart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let broker = try await startNotifyingBroker(directory, notify: ["webhook=\(receiver.url()) digest=10/1s name=steady"])
        defer { broker.stop() }
        try reportFailures(broker, count: 2, prefix: "before")
        #expect(await waitUntil(60) { receiver.delivered.count == 2 }, "\(broker.log)")
        // The storm-control window closes 1 s after its end; then the durable cursor reaches the head.
        #expect(await waitUntil {
            guard let status = try? notifierStatuses(broker).first else { return false }
            return status.pending == 0 && status.cursorSeq == status.headSeq && status.headSeq > 0
        }, "\(broker.log)")
        #expect(broker.stop() == 0)  // graceful: the cursor is written
        let beforeRestart = receiver.received.count
        try await startNotifying(broker)
        try reportFailures(broker, count: 1, prefix: "after")
        #expect(await waitUntil(60) { receiver.accepted.contains { $0.bodyText.contains("after-0") } }, "\(broker.log)")
        // Nothing from before the restart came again.
        #expect(!receiver.received.dropFirst(beforeRestart).contains { $0.bodyText.contains("before-") })
        #expect(receiver.delivered.count == 3)
    }

    @Test("a restart inside an open storm-control window sends that window's singles again, with the same keys")
    func restartInsideWindow() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let broker = try await startNotifyingBroker(directory, notify: ["webhook=\(receiver.url()) digest=10/1h"])
        defer { broker.stop() }
        try reportFailures(broker, count: 2, prefix: "open")
        #expect(await waitUntil(60) { receiver.delivered.count == 2 }, "\(broker.log)")
        let first = receiver.delivered.compactMap(\.idempotencyKey)
        #expect(broker.stop() == 0)
        let beforeRestart = receiver.accepted.count
        try await startNotifying(broker)
        // The window is re-derived from the rows after the cursor: the same messages, the same keys, so a
        // receiver that drops repeats by key sees each once.
        #expect(await waitUntil(60) { Set(receiver.accepted.dropFirst(beforeRestart).compactMap(\.idempotencyKey)) == Set(first) },
                "\(broker.log)")
        #expect(receiver.delivered.compactMap(\.idempotencyKey) == first)
    }

    @Test("a receiver that refuses a message (400): dropped and logged at error, the next one delivered")
    func refused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        receiver.answer(.status(400))
        let broker = try await startNotifyingBroker(directory, notify: ["webhook=\(receiver.url()) name=strict"])
        defer { broker.stop() }
        try reportFailures(broker, count: 1, prefix: "bad")
        #expect(await waitUntil(60) { broker.log.contains("notification refused by the receiver: dropped") }, "\(broker.log)")
        #expect(broker.log.contains("strict") && broker.log.contains("HTTP 400"))
        receiver.answer(.ok)
        try reportFailures(broker, count: 1, prefix: "good")
        #expect(await waitUntil(60) { receiver.delivered.count == 1 }, "\(broker.log)")
        #expect(receiver.delivered[0].bodyText.contains("good-0"))
        #expect(!receiver.received.dropFirst(1).contains { $0.bodyText.contains("bad-0") })  // not sent again
    }

    @Test("a receiver that does not answer, then answers after 2 s, never holds back acknowledgements")
    func slowReceiver() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        receiver.answer(.hold)
        let broker = try await startNotifyingBroker(directory, notify: ["webhook=\(receiver.url())"])
        defer { broker.stop() }
        try reportFailures(broker, count: 1, prefix: "slow-first")
        #expect(await waitUntil { !receiver.received.isEmpty }, "\(broker.log)")  // in flight, unanswered
        // While that request waits for its answer, more reports come and each is acknowledged.
        for index in 0..<5 { try reportFailures(broker, count: 1, prefix: "slow-\(index)") }
        #expect(receiver.accepted.isEmpty)  // nothing was answered: the acks did not wait for delivery
        receiver.answer(.slow(.seconds(2)))
        // Every key arrives (a request the client gave up on after 10 s may arrive twice: same key).
        #expect(await waitUntil(90) { Set(receiver.accepted.compactMap(\.idempotencyKey)).count == 6 }, "\(broker.log)")
    }
}
