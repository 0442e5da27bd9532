import CompJournal
import CompModel
import Logging

/// One notifier's sender: takes its messages in order, one at a time, and POSTs each until it is
/// settled. 2xx: sent. Connection errors, timeouts, 408, 429, 5xx: retried with backoff and jitter
/// (the notifier's `retry=`, by default 1 s doubling to a 5 min cap) for as long as the journal keeps the message's rows; once they are
/// pruned, dropped (reason `pruned`). Any other status: refused, dropped at once (logged at error).
/// A later message never overtakes an earlier one.
struct NotifierSender: Sendable {
    /// The retry delays of `config`: its `retryMin` doubling to its `retryMax`, shortened by up to 20 % jitter.
    static func retrySpec(_ config: NotifierConfig) -> RetrySpec {
        RetrySpec(
            maxRetries: RetrySpec.maxRetriesLimit, minBackoff: config.retryMin, maxBackoff: config.retryMax,
            executionTimeout: .seconds(10), jitterPermille: 200)
    }
    /// From this failed attempt on (about 4 minutes of failures with the default delays), each retry first checks that the
    /// message's rows are still in the journal.
    static let pruneCheckAttempt = 8

    let outbox: NotifierOutbox
    let poster: NotificationPoster
    let metrics: NotifierMetrics
    let feed: ReadingThread
    let consoleURL: String
    let logger: Logger
    /// Called when a message is settled (the durable cursor may have moved).
    let settled: @Sendable () -> Void

    /// Sends until the outbox closes or the task is cancelled.
    func run() async {
        var random = SystemRandomNumberGenerator()
        while let item = await outbox.next() {
            await deliver(item.notification, random: &random)
            if Task.isCancelled { return }
        }
    }

    private var config: NotifierConfig { outbox.config }

    /// Tries `notification` until it is settled, the outbox closes or the task is cancelled.
    private func deliver(_ notification: Notification, random: inout SystemRandomNumberGenerator) async {
        let key = notification.idempotencyKey
        let body = NotificationBody.render(notification, for: config.kind, consoleURL: consoleURL)
        var attempt = 0
        while !Task.isCancelled, !outbox.isClosed {
            attempt += 1
            outbox.setInFlight(true)
            let outcome = await poster.post(body, to: config.url, idempotencyKey: key)
            outbox.setInFlight(false)
            if Task.isCancelled { return }  // shutdown: unsettled, sent again after the restart
            let now = WallClock.now()
            switch outcome {
            case .delivered:
                metrics.countSent()
                if let streak = outbox.settle(key, .sent, now: now) {
                    logger.info("notifier recovered: delivering again", metadata: [
                        "notifier": "\(config.name)", "failures": "\(streak.failures)",
                        "failing_since": "\(streak.since.iso8601)",
                    ])
                }
                settled()
                return
            case .refused(let reason):
                metrics.countRefused()
                outbox.noteError(reason, now: now)
                _ = outbox.settle(key, .dropped(reason: "refused"), now: now)
                logger.error("notification refused by the receiver: dropped", metadata: [
                    "notifier": "\(config.name)", "event": "\(notification.kind.rawValue)",
                    "idempotency_key": "\(key)", "answer": "\(reason)",
                ])
                settled()
                return
            case .retry(let reason):
                if attempt > Self.pruneCheckAttempt, await rowsPruned(notification) {
                    metrics.countPruned(1)
                    _ = outbox.settle(key, .dropped(reason: "pruned"), now: now)
                    logger.warning("notification dropped: its journal rows were pruned before it could be delivered", metadata: [
                        "notifier": "\(config.name)", "event": "\(notification.kind.rawValue)",
                        "idempotency_key": "\(key)", "seq": "\(notification.firstSeq)", "last_error": "\(reason)",
                    ])
                    settled()
                    return
                }
                metrics.countRetried()
                let delay = Backoff.delay(retries: attempt - 1, spec: Self.retrySpec(config), random: &random)
                let nextTry = now.adding(delay)
                switch outbox.failed(reason, now: now) {
                case .first:
                    logger.warning("notifier failing: will retry", metadata: [
                        "notifier": "\(config.name)", "error": "\(reason)", "attempt": "\(attempt)",
                        "next_try": "\(nextTry.iso8601)", "idempotency_key": "\(key)",
                    ])
                case .summary(let failures):
                    logger.warning("notifier still failing: will retry", metadata: [
                        "notifier": "\(config.name)", "error": "\(reason)", "attempt": "\(attempt)",
                        "next_try": "\(nextTry.iso8601)", "failures_since_last_line": "\(failures)",
                        "idempotency_key": "\(key)",
                    ])
                case .quiet:
                    break
                }
                do {
                    try await Task.sleep(for: .milliseconds(delay.milliseconds))
                } catch {
                    return
                }
            }
        }
    }

    /// Whether the first journal row `notification` comes from is gone (pruned by retention).
    private func rowsPruned(_ notification: Notification) async -> Bool {
        let seq = notification.firstSeq
        do {
            return try await feed.perform { resources throws(JournalError) in try resources.isPruned(seq) }
        } catch {
            return false  // cannot tell: keep trying
        }
    }
}
