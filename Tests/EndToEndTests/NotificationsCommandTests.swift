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
