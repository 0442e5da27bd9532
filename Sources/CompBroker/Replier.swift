import CompAuth
import CompTransport
import CompWire
import Logging

/// Where and how to answer a request on the wire.
struct Requester: Sendable {
    var route: ReplyRoute
    var requestId: UInt32
    /// The key a signed request was verified with: the reply is signed with it (except HelloReply and
    /// HeartbeatReply, always unsigned). Nil for unsigned requests.
    var key: AuthKey? = nil
}

/// Encodes replies and sends them on the request socket; callable from any thread.
struct Replier: Sendable {
    let server: ReplyServer
    let logger: Logger
    /// Counts error replies by code.
    let metrics: BrokerMetrics

    /// Sends `message` as the reply to `requester`. A reply to a peer that went away is dropped
    /// by nanomsg; a send error is logged, never thrown: the requester resends on its timeout.
    func send(_ requester: Requester, _ message: Message) {
        if case .error(let reply) = message { metrics.errorSent(reply.code) }
        let frame = Frame(requestId: requester.requestId, message: Self.bounded(message))
        let bytes: [UInt8]
        switch (requester.key, message) {
        case (let key?, let message) where !Self.alwaysUnsigned(message):
            bytes = FrameSigner(key: key).encode(frame, now: BrokerClock.wall().milliseconds)
        default:
            bytes = FrameCodec.encode(frame)
        }
        do {
            try server.reply(to: requester.route, body: bytes)
        } catch {
            logger.debug("reply not sent", metadata: ["error": "\(error)"])
        }
    }

    /// `message` with an error's text cut to the protocol's text limit by the spec's rule (an error may quote
    /// SQLite or a path at any length; a longer text would make the whole reply undecodable for the client).
    static func bounded(_ message: Message) -> Message {
        guard case .error(var reply) = message, reply.message.utf8.count > WireLimits.maxMessageBytes else { return message }
        reply.message = WireText.truncated(reply.message, toUTF8Bytes: WireLimits.maxMessageBytes)
        return .error(reply)
    }

    /// HelloReply and HeartbeatReply go out unsigned in every mode (limits and the broker's time; nothing secret).
    static func alwaysUnsigned(_ message: Message) -> Bool {
        switch message {
        case .helloReply, .heartbeatReply: true
        default: false
        }
    }

    /// Sends an error reply.
    func send(_ requester: Requester, error code: ErrorCode, _ text: String) {
        send(requester, .error(ErrorReply(code: code.rawValue, message: text)))
    }
}

/// Publishes events on the PUB socket, best effort, and to the in-process tap (the HTTP feed); a no-op
/// when events are off and nobody listens on the tap.
struct EventSink: Sendable {
    let publisher: EventPublisher?
    /// The in-process listeners (the HTTP feed), if any.
    var tap: EventTap? = nil

    /// Whether events go anywhere.
    var isEnabled: Bool { publisher != nil || tap?.hasListeners == true }

    /// Publishes one event; never blocks.
    func publish(_ event: Event) {
        tap?.publish(.execution(event))
        guard let publisher else { return }
        try? publisher.publish(FrameCodec.encode(Frame(requestId: 0, message: .event(event))))
    }

    /// Publishes a service's pause (`paused`) or resume as a ServiceEvent; never blocks.
    func publishPaused(_ service: String, _ paused: Bool) {
        guard isEnabled else { return }
        let event = ServiceEvent(at: BrokerClock.wall().milliseconds, kind: paused ? "pause" : "resume", service: service)
        tap?.publish(.service(event))
        guard let publisher else { return }
        try? publisher.publish(FrameCodec.encode(Frame(requestId: 0, message: .serviceEvent(event))))
    }
}
