import Foundation
import Testing

/// The notifiers' metrics on `/metrics`, from a real compd with HTTP on and a real receiver.
struct NotifyMetricsTests {
    /// The value of the sample `name{labels}` in a Prometheus text page, or nil when it is absent.
    private func sample(_ page: String, _ name: String, _ labels: String) -> Double? {
        for line in page.split(separator: "\n") where line.hasPrefix("\(name){") {
            guard line.contains(labels), let value = line.split(separator: " ").last else { continue }
            return Double(value)
        }
        return nil
    }

    @Test("/metrics counts a notifier's sent and retried messages and shows no lag once it has caught up")
    func metricsCountDeliveries() async throws {
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        receiver.answer(.status(503))
        let directory = try TemporaryDirectory()
        let (broker, base, _) = try await startHTTPBroker(
            dataDirectory: directory.path + "/data", logDirectory: directory.path,
            extra: ["--notify", "webhook=\(receiver.url()) name=metered retry=200ms/1s"])
        defer { broker.stop() }
        #expect(await waitUntil { broker.log.contains("notifiers started") }, "\(broker.log)")
        try reportFailures(broker, count: 1, prefix: "m")
        #expect(await waitUntil { receiver.received.count >= 2 }, "\(broker.log)")  // refused twice at least
        receiver.answer(.ok)
        #expect(await waitUntil(60) { receiver.delivered.count == 1 }, "\(broker.log)")

        var page = ""
        let counted = await waitUntil {
            page = (try? await httpGet(base + "/metrics"))?.body ?? ""
            return sample(page, "compd_notifications_sent_total", "notifier=\"metered\"") == 1
                && sample(page, "compd_notification_lag_seconds", "notifier=\"metered\"") == 0
        }
        #expect(counted, "\(page)")
        #expect((sample(page, "compd_notifications_retried_total", "notifier=\"metered\"") ?? 0) >= 2, "\(page)")
    }
}
