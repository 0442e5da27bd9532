import CompAuth
import CompModel
import CompTransport
import CompWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Why a client call failed.
public enum ClientError: Error, Equatable, CustomStringConvertible {
    /// No reply within the timeout (after every resend).
    case timedOut(address: String, milliseconds: Int)
    /// The socket failed (bad address, closed).
    case transport(String)
    /// The broker answered with an error frame.
    case broker(code: UInt16, message: String)
    /// The reply could not be decoded or did not fit the request.
    case protocolViolation(String)
    /// A record is too large to travel in any frame the broker accepts; nothing was sent.
    case recordTooLarge(index: Int, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .timedOut(let address, let ms): "no reply from \(address) within \(ms) ms (is compd running?)"
        case .transport(let text): "transport: \(text)"
        case .broker(let code, let message):
            "broker error \(ErrorCode(rawValue: code).map { "\($0)" } ?? "code") (\(code)): \(message)"
        case .protocolViolation(let text): "protocol: \(text)"
        case .recordTooLarge(let index, let bytes, let limit):
            "record \(index) needs a frame of \(bytes) bytes, above the broker's limit of \(limit) bytes; make its payload or texts smaller"
        }
    }

    /// The broker's error code, when the broker refused.
    public var brokerCode: ErrorCode? {
        if case .broker(let code, _) = self { return ErrorCode(rawValue: code) }
        return nil
    }

    /// Whether the request may have been lost on the way (no reply in time).
    public var isTimeout: Bool {
        if case .timedOut = self { return true }
        return false
    }
}

/// What the broker accepts, from its `HelloReply`.
public struct BrokerLimits: Sendable, Equatable {
    /// The largest frame the broker accepts, length prefix included; a frame of exactly this many
    /// bytes passes.
    public var maxFrameBytes: Int
    /// The most records the broker accepts in one batch.
    public var maxBatchRecords: Int
    /// The broker's name and version.
    public var brokerName: String

    /// Creates limits from their parts.
    public init(maxFrameBytes: Int, maxBatchRecords: Int, brokerName: String) {
        self.maxFrameBytes = maxFrameBytes
        self.maxBatchRecords = maxBatchRecords
        self.brokerName = brokerName
    }
}

/// One request socket to the broker: sends a request, waits for its reply. One request at a time;
/// use one connection per thread for concurrency.
///
/// A request that times out is resent, as the same frame with the same request id, on a fresh
/// socket (the transport opens one after every timeout), as often as the caller's `attempts`
/// allow: the broker takes a resent request id as the sign that its reply was lost.
public final class BrokerConnection: Sendable {
    /// The broker's address.
    public let address: String
    /// How long to wait for one reply.
    public let timeoutMilliseconds: Int
    /// The key every frame is signed with (PROTOCOL.md 2.1), nil to send unsigned frames.
    public let key: AuthKey?
    private let client: RequestClient
    private let nextRequestId = Atomic<UInt32>(UInt32.random(in: 1...UInt32.max / 2))
    private let cachedLimits = Mutex<BrokerLimits?>(nil)

    /// Connects (nanomsg connects in the background; the first request waits for it).
    ///
    /// - Parameters:
    ///   - address: The broker's address.
    ///   - timeoutMilliseconds: How long to wait for one reply by default.
    ///   - key: Signs every frame sent, each attempt with a fresh nonce and time; replies are checked against it.
    /// - Throws: `ClientError.transport` for an invalid address.
    public init(address: String, timeoutMilliseconds: Int = 5000, key: AuthKey? = nil) throws(ClientError) {
        self.address = address
        self.timeoutMilliseconds = timeoutMilliseconds
        self.key = key
        do {
            client = try RequestClient(connectingTo: address)
        } catch {
            throw .transport("\(error)")
        }
    }

    /// A fresh request id for a frame this connection sends.
    public func makeRequestId() -> UInt32 {
        nextRequestId.add(1, ordering: .relaxed).newValue
    }

    /// The broker's limits, asked once with `Hello` and then remembered.
    ///
    /// - Throws: `ClientError` when the broker does not answer the hello.
    public func limits() throws(ClientError) -> BrokerLimits {
        if let known = cachedLimits.withLock({ $0 }) { return known }
        let reply = try request(.hello(Hello(clientName: "CompClient")), attempts: 2)
        guard case .helloReply(let hello) = reply else { throw .protocolViolation("expected a hello reply") }
        let limits = BrokerLimits(
            // A signed frame carries its auth trailer (86 bytes + the key id) inside the same limit.
            maxFrameBytes: Int(min(hello.maxFrameBytes, UInt32(WireLimits.maxFrameBytes))) - (key.map { 86 + $0.id.utf8.count } ?? 0),
            maxBatchRecords: Int(min(hello.maxBatchRecords, UInt32(WireLimits.maxBatchRecords))),
            brokerName: hello.brokerName)
        cachedLimits.withLock { $0 = limits }
        return limits
    }

    /// Forgets the limits learned from the broker, so the next `limits()` asks again (a broker
    /// that restarted may have another frame limit).
    public func forgetLimits() {
        cachedLimits.withLock { $0 = nil }
    }

    /// Sends `message`, waits for the reply, and returns it; an error frame is thrown.
    ///
    /// - Parameters:
    ///   - message: The request.
    ///   - timeoutMilliseconds: The wait for one attempt; the connection's default when nil.
    ///   - attempts: How many times the same frame is sent when no reply comes in time.
    /// - Returns: The reply's message.
    /// - Throws: `ClientError` on timeout (after every attempt), transport failure, error reply
    ///   or an undecodable reply.
    public func request(_ message: Message, timeoutMilliseconds: Int? = nil,
                        attempts: Int = 1) throws(ClientError) -> Message {
        let requestId = makeRequestId()
        let frame = FrameCodec.encode(Frame(requestId: requestId, message: message))
        return try send(frame: frame, requestId: requestId, timeoutMilliseconds: timeoutMilliseconds, attempts: attempts)
    }

    /// Sends an encoded frame (resending the same request on a timeout), decodes the reply and
    /// checks that it answers `requestId`; an error frame is thrown. With a `key`, each attempt is signed
    /// afresh (new nonce and time: a resend is never a replay) and the reply must carry the key's MAC.
    ///
    /// - Parameters:
    ///   - frame: The encoded request, carrying `requestId`.
    ///   - requestId: The id in the frame's header.
    ///   - timeoutMilliseconds: The wait for one attempt; the connection's default when nil.
    ///   - attempts: How many times the frame is sent when no reply comes in time.
    /// - Returns: The reply's message.
    /// - Throws: `ClientError`, as `request(_:timeoutMilliseconds:attempts:)`.
    public func send(frame: [UInt8], requestId: UInt32, timeoutMilliseconds: Int? = nil,
                     attempts: Int = 1) throws(ClientError) -> Message {
        let timeout = timeoutMilliseconds ?? self.timeoutMilliseconds
        var attempt = 1
        var replyBytes: [UInt8]
        while true {
            do {
                replyBytes = try requestRaw(signed(frame), timeoutMilliseconds: timeout)
                break
            } catch {
                guard error.isTimeout, attempt < max(1, attempts) else { throw error }
                attempt += 1
            }
        }
        let reply: Frame
        do {
            let (decoded, signedEnd) = try FrameCodec.decodeSigned(replyBytes)
            reply = decoded
            if let key, !Self.mayBeUnsigned(decoded.message), !FrameSigner(key: key).isSigned(replyBytes, decoded, signedEnd: signedEnd) {
                throw ClientError.protocolViolation("the reply is not signed with key \(key.id): forged or tampered on the way")
            }
        } catch let error as ClientError {
            throw error
        } catch {
            throw .protocolViolation("undecodable reply: \(error)")
        }
        if case .error(let error) = reply.message {
            throw .broker(code: error.code, message: error.message)
        }
        guard reply.requestId == requestId else {
            throw .protocolViolation("reply to request \(reply.requestId), expected \(requestId)")
        }
        return reply.message
    }

    /// `frame` signed with the key for one attempt (a fresh nonce and time), or as it is without a key.
    private func signed(_ frame: [UInt8]) -> [UInt8] {
        guard let key else { return frame }
        let signer = FrameSigner(key: key)
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        return FrameCodec.sign(frame, signing: signer.signing(now: now, nonce: FrameSigner.randomNonce()))
    }

    /// Replies the broker sends unsigned to a signed request (PROTOCOL.md 2.1): HelloReply, HeartbeatReply, and
    /// errors from before the key was checked (codes 1–9, 30, 31, 40–43).
    static func mayBeUnsigned(_ message: Message) -> Bool {
        switch message {
        case .helloReply, .heartbeatReply: return true
        case .error(let reply): return (1...9).contains(reply.code) || reply.code == 30 || reply.code == 31 || (40...43).contains(reply.code)
        default: return false
        }
    }

    /// Sends raw bytes and returns the raw reply (for tests and tools that probe the broker).
    /// After a timeout the next request goes out on a fresh socket.
    public func requestRaw(_ bytes: [UInt8], timeoutMilliseconds: Int? = nil) throws(ClientError) -> [UInt8] {
        let timeout = timeoutMilliseconds ?? self.timeoutMilliseconds
        do {
            return try client.request(bytes, timeoutMilliseconds: timeout)
        } catch {
            if error.isTimeout { throw .timedOut(address: address, milliseconds: timeout) }
            throw .transport("\(error)")
        }
    }

    /// How many times this connection opened a fresh socket after a timeout.
    public var reopenCount: Int { client.reopenCount }

    /// Sends one `Heartbeat` (once, no resend) and returns the broker's time from its reply.
    ///
    /// - Parameter timeoutMilliseconds: the wait for the reply; the connection's default when nil.
    /// - Returns: the broker's wall-clock time, in milliseconds since the epoch.
    /// - Throws: `ClientError.timedOut` when no reply came in time (the next request goes out on a
    ///   fresh socket), or another `ClientError`.
    public func heartbeat(timeoutMilliseconds: Int? = nil) throws(ClientError) -> Int64 {
        let reply = try request(.heartbeat(Heartbeat(sentAt: WallClock.now().milliseconds)),
                                timeoutMilliseconds: timeoutMilliseconds, attempts: 1)
        guard case .heartbeatReply(let answer) = reply else { throw .protocolViolation("expected a heartbeat reply") }
        return answer.serverTime
    }

    /// Closes the socket and opens a fresh one to the same address (after a link was declared dead:
    /// a connection that went half-open is never used again). Waits for a request in progress.
    ///
    /// - Throws: `ClientError.transport` when no socket can be made now (the next request tries again).
    public func reconnect() throws(ClientError) {
        do { try client.reconnect() } catch { throw .transport("\(error)") }
        forgetLimits()
    }
}

/// Fresh record ids for this process: time-ordered (UUIDv7 layout, `RecordID.timeOrdered`), from one
/// generator shared by all threads, which keeps the broker's dedupe index append-only.
public enum RecordIdentifier {
    private static let generator = RecordIDGenerator()

    /// A fresh id for now, as a `Record` carries it.
    public static func next() -> UInt128 { generator.next().value }

    /// `count` fresh ids, increasing, taken at once (one lock for a whole batch: see `RecordIDGenerator.next(count:at:)`).
    public static func next(count: Int) -> [UInt128] { generator.next(count: count).map(\.value) }
}
