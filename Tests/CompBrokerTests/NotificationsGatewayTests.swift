@testable import CompBroker
import CompWire
import Foundation
import Logging
import Testing

/// The gateway answers `NotificationsRequest` from the broker's `NotifierStatusSource`, or with an
/// empty list when the broker has none.
struct NotificationsGatewayTests {
    /// A source with fixed statuses (what compd's notifier service reports).
    private struct FixedStatuses: NotifierStatusSource {
        let statuses: [NotifierStatus]
        func notifierStatuses() async -> [NotifierStatus] { statuses }
    }

    private func config() -> BrokerConfig {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "notify-gateway-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        return BrokerConfig(dataDirectory: directory, listenAddresses: ["ipc://\(directory)-req.ipc"], eventsAddress: nil)
    }

    /// A broker (not running: the gateway answers notifications without the core) and its gateway.
    private func gateway(_ config: BrokerConfig, notifiers: (any NotifierStatusSource)?) throws -> (Broker, BrokerGateway) {
        var gateway: BrokerGateway?
        let broker = try Broker(config: config, logger: Logger(label: "test"), handleSignals: false, notifiers: notifiers) { probes in
            gateway = probes.gateway
            return []
        }
        return (broker, try #require(gateway))
    }

    @Test("a NotificationsRequest is answered with the source's statuses, in its order")
    func statusesFromTheSource() async throws {
        let config = config()
        defer { try? FileManager.default.removeItem(atPath: config.dataDirectory) }
        let statuses = [
            NotifierStatus(name: "b-hook", kind: "webhook", target: "http://127.0.0.1:9000", events: ["parked"],
                           services: [], cursorSeq: 4, headSeq: 9, pending: 1, sent: 2, retried: 3, dropped: 0,
                           lastError: "connection refused", lastErrorAt: 1_700_000_000_000, oldestPendingAgeMs: 1500),
            NotifierStatus(name: "a-slack", kind: "slack", target: "https://hooks.slack.com", events: ["failure_created"],
                           services: ["orders"], cursorSeq: 9, headSeq: 9, pending: 0, sent: 5, retried: 0, dropped: 1),
        ]
        let (broker, gateway) = try gateway(config, notifiers: FixedStatuses(statuses: statuses))
        #expect(BrokerGateway.serves(.notificationsRequest(NotificationsRequest())))
        let reply = await gateway.request(.notificationsRequest(NotificationsRequest()))
        #expect(reply == .notificationsReply(NotificationsReply(notifiers: statuses)))
        await broker.shutdown()
    }

    @Test("without notifiers the reply is an empty list")
    func noNotifiers() async throws {
        let config = config()
        defer { try? FileManager.default.removeItem(atPath: config.dataDirectory) }
        let (broker, gateway) = try gateway(config, notifiers: nil)
        let reply = await gateway.request(.notificationsRequest(NotificationsRequest()))
        #expect(reply == .notificationsReply(NotificationsReply(notifiers: [])))
        await broker.shutdown()
    }

    @Test("a NotificationsReply sent to the gateway is refused as unexpected_message")
    func replyIsNotARequest() async throws {
        let config = config()
        defer { try? FileManager.default.removeItem(atPath: config.dataDirectory) }
        let (broker, gateway) = try gateway(config, notifiers: nil)
        #expect(!BrokerGateway.serves(.notificationsReply(NotificationsReply(notifiers: []))))
        let reply = await gateway.request(.notificationsReply(NotificationsReply(notifiers: [])))
        guard case .error(let error) = reply else {
            Issue.record("expected an error, got \(reply)")
            return
        }
        #expect(error.code == ErrorCode.unexpectedMessage.rawValue)
        await broker.shutdown()
    }
}
