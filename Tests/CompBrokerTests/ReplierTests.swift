@testable import CompBroker
import CompWire
import Testing

struct ReplierTests {
    @Test("an error whose text passes the protocol's limit is cut by the spec's rule, so the reply still decodes")
    func longErrorText() throws {
        let text = "disk I/O error: " + String(repeating: "é", count: 5000)
        let frame = FrameCodec.encode(Frame(requestId: 7, message: Replier.bounded(.error(ErrorReply(
            code: ErrorCode.storageFailure.rawValue, message: text)))))
        let decoded = try FrameCodec.decode(frame)
        guard case .error(let reply) = decoded.message else {
            Issue.record("not an error reply: \(decoded.message)")
            return
        }
        #expect(reply.message.utf8.count <= WireLimits.maxMessageBytes)
        #expect(reply.message.hasSuffix("…"))
        #expect(reply.message.hasPrefix("disk I/O error: é"))
    }

    @Test("other replies pass unchanged")
    func otherReplies() {
        let message = Message.heartbeatReply(HeartbeatReply(serverTime: 3))
        #expect(Replier.bounded(message) == message)
        let short = Message.error(ErrorReply(code: 1, message: "short"))
        #expect(Replier.bounded(short) == short)
    }
}
