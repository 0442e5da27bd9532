import CompClient
import CompWire
import Foundation
import Testing

/// A real compd with notifiers (HTTP off; links to `consoleURL` unless nil), started and past the
/// notifiers' start (a notifier without a cursor starts at the journal's head, so records reported
/// before that are not notified).
func startNotifyingBroker(
    _ directory: TemporaryDirectory, notify: [String], extraArguments: [String] = [],
    consoleURL: String? = "http://console.test"
) async throws -> BrokerProcess {
    let broker = BrokerProcess(
        dataDirectory: directory.path + "/data",
        // Short retry delays (unless a test sets its own), so a receiver that comes back is sent to within
        // about 2 s however long it was refusing (the default grows to 5 min).
        extraArguments: notify.flatMap { ["--notify", $0.contains(" retry=") ? $0 : $0 + " retry=200ms/2s"] }
            + (consoleURL.map { ["--console-url", $0] } ?? [])
            + extraArguments,
        logDirectory: directory.path)
    try await startNotifying(broker)
    return broker
}

/// Starts `broker` (again) and waits until its notifiers have started once more than before.
func startNotifying(_ broker: BrokerProcess) async throws {
    let before = broker.log.components(separatedBy: "notifiers started").count
    try broker.start()
    guard await waitUntil(30, { broker.log.components(separatedBy: "notifiers started").count > before }) else {
        throw TestFailure("compd's notifiers did not start within 30 s: \(broker.log)")
    }
}

/// Reports failures (one batch), checking that each is acknowledged as accepted.
@discardableResult
func reportFailures(
    _ broker: BrokerProcess, count: Int, prefix: String, service: String = "orders", function: String = "charge",
    code: String = "DB_DOWN", spec: RetrySpecPatch? = nil
) throws -> [Int64] {
    let records = (0..<count).map {
        failureRecord(service: service, function: function, eventId: "\(prefix)-\($0)", correlationId: "corr-\(prefix)-\($0)",
                      code: code, spec: spec ?? quickSpec(minBackoffMs: 3_600_000))
    }
    let outcomes = try broker.reporter().send(records)
    guard outcomes.count == count, outcomes.allSatisfy({ $0.status == .accepted }) else {
        throw TestFailure("not every failure was accepted: \(outcomes)")
    }
    return outcomes.map(\.executionId)
}

extension HookReceiver.Received {
    /// The idempotency key in the body (any kind of notifier carries it somewhere in its JSON).
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// The notifiers' states as compd answers a `NotificationsRequest` (what `compctl notifications` shows).
func notifierStatuses(_ broker: BrokerProcess) throws -> [NotifierStatus] {
    let reply = try broker.connect().request(.notificationsRequest(NotificationsRequest()))
    guard case .notificationsReply(let statuses) = reply else { throw TestFailure("not a NotificationsReply: \(reply)") }
    return statuses.notifiers
}
