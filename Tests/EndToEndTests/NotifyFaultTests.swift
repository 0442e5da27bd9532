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
        #expect(await waitUntil(60) { receiver.accepted.count >= 5 }, "\(broker.log)")
        let keys = receiver.accepted.compactMap(\.idempotencyKey)
        #expect(keys.count == 5)
        #expect(Set(keys).count == 5)  // once each
        let events = receiver.accepted.map { request in ids.firstIndex { request.bodyText.contains("/executions/\($0)") } }
        #expect(events == [0, 1, 2, 3, 4])  // in order
        // The failures were logged with the notifier's name and the status, then the recovery.
        #expect(broker.log.contains("notifier failing: will retry") && broker.log.contains("flaky")
                && broker.log.contains("HTTP 503"))
        #expect(await waitUntil { broker.log.contains("notifier recovered") })
        // Nothing more comes: each key was delivered once.
        #expect(receiver.accepted.count == 5)
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
        #expect(await waitUntil(60) { receiver.accepted.count >= 3 }, "\(broker.log)")
        let delivered = receiver.accepted.map { request in ids.firstIndex { request.bodyText.contains("/executions/\($0)") } }
        #expect(delivered == [0, 1, 2])
        #expect(Set(receiver.accepted.compactMap(\.idempotencyKey)).count == 3)
        await receiver.stop()
    }

    @Test("a receiver down and started again on the same port gets what waited, and compd's cursor survives a restart")
    func cursorSurvivesRestart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let broker = try await startNotifyingBroker(directory, notify: ["webhook=\(receiver.url())"])
        defer { broker.stop() }
        try reportFailures(broker, count: 2, prefix: "before")
        #expect(await waitUntil { receiver.accepted.count == 2 }, "\(broker.log)")
        // Delivered messages are not sent again after a graceful restart: the cursor was written.
        #expect(broker.stop() == 0)
        try await startNotifying(broker)
        try reportFailures(broker, count: 1, prefix: "after")
        #expect(await waitUntil { receiver.accepted.contains { $0.bodyText.contains("after-0") } }, "\(broker.log)")
        #expect(receiver.accepted.count == 3)
        #expect(Set(receiver.accepted.compactMap(\.idempotencyKey)).count == 3)
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
        #expect(await waitUntil { broker.log.contains("notification refused by the receiver: dropped") }, "\(broker.log)")
        #expect(broker.log.contains("strict") && broker.log.contains("HTTP 400"))
        receiver.answer(.ok)
        try reportFailures(broker, count: 1, prefix: "good")
        #expect(await waitUntil { receiver.accepted.count == 1 }, "\(broker.log)")
        #expect(receiver.accepted[0].bodyText.contains("good-0"))
        #expect(receiver.received.count == 2)  // the refused one was not sent again
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
