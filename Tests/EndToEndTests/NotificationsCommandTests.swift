import CompClient
import CompWire
import Foundation
import Testing

/// `compctl notifications` against a real compd, and the NotificationsRequest on its request socket.
@Suite(.serialized)
struct NotificationsCommandTests {
    @Test("compctl notifications against a compd without notifiers says so and exits 0, as text and as JSON")
    func noNotifiers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = try SettingsBroker(directory: directory, arguments: [], environment: [:])
        defer { broker.stop() }
        let text = try compctl(["notifications", "--broker", broker.listen])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out == "no notifiers configured (see compd --notify)\n")
        #expect(text.err.isEmpty)
        let json = try compctl(["notifications", "--broker", broker.listen, "--json"])
        #expect(json.status == 0, "\(json.err)")
        #expect(json.out == "{\"notifiers\":[]}\n")
    }

    @Test("compd answers a NotificationsRequest on its request socket with a NotificationsReply echoing the request id")
    func onTheWire() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = try SettingsBroker(directory: directory, arguments: [], environment: [:])
        defer { broker.stop() }
        let connection = try BrokerConnection(address: broker.listen)
        let request = FrameCodec.encode(Frame(requestId: 4242, message: .notificationsRequest(NotificationsRequest())))
        let reply = try FrameCodec.decode(try connection.requestRaw(request))
        #expect(reply.requestId == 4242)
        #expect(reply.message == .notificationsReply(NotificationsReply(notifiers: [])))
        // A NotificationsReply is not a request: unexpected_message, and compd keeps serving.
        let wrong = FrameCodec.encode(Frame(requestId: 4243, message: .notificationsReply(NotificationsReply(notifiers: []))))
        let refused = try FrameCodec.decode(try connection.requestRaw(wrong))
        guard case .error(let error) = refused.message else {
            Issue.record("expected an ErrorReply, got \(refused.message)")
            return
        }
        #expect(error.code == ErrorCode.unexpectedMessage.rawValue)
        // A request whose body is cut short is refused as malformed_frame.
        var cut = FrameCodec.encode(Frame(requestId: 4244, message: .notificationsRequest(NotificationsRequest())))
        cut.removeLast()
        cut[3] -= 1
        let malformed = try FrameCodec.decode(try connection.requestRaw(cut))
        guard case .error(let cutError) = malformed.message else {
            Issue.record("expected an ErrorReply, got \(malformed.message)")
            return
        }
        #expect(cutError.code == ErrorCode.malformedFrame.rawValue)
        #expect(try compctl(["notifications", "--broker", broker.listen]).status == 0)
    }

    @Test("compctl notifications refuses bad arguments with exit 64 and reports an unreachable broker with exit 69")
    func badArguments() throws {
        let extra = try compctl(["notifications", "extra"])
        #expect(extra.status == 64)
        let address = try compctl(["notifications", "--broker", "nonsense://x"])
        #expect(address.status == 64)
        #expect(address.err.contains("--broker"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let nobody = try compctl(["notifications", "--broker", "ipc://\(directory.path)/nobody.ipc", "--timeout", "300ms"])
        #expect(nobody.status == 69, "\(nobody.err)")
    }
}

/// `compctl notifications` against a compd with a real webhook notifier (deliver12's service) and a real
/// HTTP receiver on loopback.
@Suite(.serialized)
struct NotificationsCommandWithNotifierTests {
    @Test("compctl notifications shows a webhook's target without its path, its counts and lag after a delivery, and its last error while the receiver fails")
    func withNotifier() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let broker = try await startNotifyingBroker(directory, notify: ["webhook=\(receiver.url("hooks/compd?token=s3cret")) name=ops"])
        defer { broker.stop() }
        try reportFailures(broker, count: 1, prefix: "n")
        #expect(await waitUntil { receiver.delivered.count == 1 }, "\(broker.log)")

        // Delivered: counted as sent. The cursor may stay behind the head while the failure's storm-control
        // window is open (a restart must derive the same digest), so only its relation to the head is checked.
        var status: [String: Any] = [:]
        let caughtUp = try await waitUntil {
            let run = try compctl(["notifications", "--broker", broker.listen, "--json"])
            guard run.status == 0, let data = run.out.data(using: .utf8),
                  let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let notifiers = document["notifiers"] as? [[String: Any]], notifiers.count == 1 else { return false }
            status = notifiers[0]
            return (status["sent"] as? Int ?? 0) >= 1
        }
        #expect(caughtUp, "\(status)")
        #expect(status["name"] as? String == "ops")
        #expect(status["kind"] as? String == "webhook")
        #expect(status["target"] as? String == "http://127.0.0.1:\(receiver.port)")
        #expect(status["services"] as? [String] == [])
        #expect(Set(status["events"] as? [String] ?? []) == ["failure_created", "retry_failed", "succeeded_after_retry", "parked"])
        let cursor = try #require(status["cursorSeq"] as? Int)
        let head = try #require(status["headSeq"] as? Int)
        #expect(head >= 1 && cursor <= head)
        #expect(status["lagRows"] as? Int == head - cursor)
        let table = try compctl(["notifications", "--broker", broker.listen])
        #expect(table.status == 0)
        #expect(table.out.hasPrefix("NAME"), "\(table.out)")
        #expect(table.out.contains("ops  "))
        #expect(!table.out.contains("s3cret") && !table.out.contains("hooks/compd"), "the URL's path and query must never be shown")

        // The receiver answers 503: the delivery is retried and the last error shows.
        receiver.answer(.status(503))
        try reportFailures(broker, count: 1, prefix: "m")
        let failing = try await waitUntil {
            let run = try compctl(["notifications", "--broker", broker.listen, "--json"])
            guard let data = run.out.data(using: .utf8),
                  let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let notifier = (document["notifiers"] as? [[String: Any]])?.first else { return false }
            status = notifier
            return (notifier["retried"] as? Int ?? 0) >= 1 && notifier["lastError"] is String
        }
        #expect(failing, "\(status)")
        #expect((status["pending"] as? Int ?? 0) >= 1)
        #expect(status["lastErrorAt"] is String)
        let failingTable = try compctl(["notifications", "--broker", broker.listen])
        #expect(failingTable.out.contains("503"), "\(failingTable.out)")
        receiver.answer(.ok)
        #expect(await waitUntil(60) { receiver.delivered.count == 2 }, "\(broker.log)")
    }
}
