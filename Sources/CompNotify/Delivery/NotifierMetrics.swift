import Metrics

/// One notifier's metrics through swift-metrics, each with the label `notifier`:
/// `compd_notifications_sent_total`, `compd_notifications_retried_total`,
/// `compd_notifications_dropped_total{reason}` (`refused`: the receiver answered a 4xx; `pruned`: the
/// journal rows were gone before delivery) and `compd_notification_lag_seconds` (the age of the oldest
/// message not yet delivered; 0 when none is pending).
struct NotifierMetrics: Sendable {
    private let sent: Counter
    private let retried: Counter
    private let refused: Counter
    private let pruned: Counter
    private let lag: Gauge

    init(notifier: String) {
        let label = [("notifier", notifier)]
        sent = Counter(label: "compd_notifications_sent_total", dimensions: label)
        retried = Counter(label: "compd_notifications_retried_total", dimensions: label)
        refused = Counter(label: "compd_notifications_dropped_total", dimensions: label + [("reason", "refused")])
        pruned = Counter(label: "compd_notifications_dropped_total", dimensions: label + [("reason", "pruned")])
        lag = Gauge(label: "compd_notification_lag_seconds", dimensions: label)
    }

    /// A message was delivered.
    func countSent() { sent.increment() }

    /// An attempt failed and will be retried.
    func countRetried() { retried.increment() }

    /// The receiver refused a message.
    func countRefused() { refused.increment() }

    /// Messages or journal rows were dropped because the rows were pruned first.
    func countPruned(_ count: Int64) { if count > 0 { pruned.increment(by: count) } }

    /// The age of the oldest pending message, in seconds (0 when none).
    func setLag(seconds: Double) { lag.record(seconds) }
}
