import CompTransport
import CompWire
import Foundation

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

    public var description: String {
        switch self {
        case .timedOut(let address, let ms): "no reply from \(address) within \(ms) ms (is compd running?)"
        case .transport(let text): "transport: \(text)"
        case .broker(let code, let message):
            "broker error \(ErrorCode(rawValue: code).map { "\($0)" } ?? "code") (\(code)): \(message)"
        case .protocolViolation(let text): "protocol: \(text)"
        }
    }

    /// The broker's error code, when the broker refused.
    public var brokerCode: ErrorCode? {
        if case .broker(let code, _) = self { return ErrorCode(rawValue: code) }
        return nil
    }
}

/// One request socket to the broker: sends a request, waits for its reply. One request at a time;
/// use one connection per thread for concurrency.
///
/// `@unchecked Sendable`: the request id counter is guarded by `lock`; the socket serializes requests.
public final class BrokerConnection: @unchecked Sendable {
    /// The broker's address.
    public let address: String
    /// How long to wait for one reply.
    public let timeoutMilliseconds: Int
    private let client: RequestClient
    private let lock = NSLock()
    private var nextRequestId = UInt32.random(in: 1...UInt32.max / 2)

    /// Connects (nanomsg connects in the background; the first request waits for it).
    ///
    /// - Throws: `ClientError.transport` for an invalid address.
    public init(address: String, timeoutMilliseconds: Int = 5000) throws(ClientError) {
        self.address = address
        self.timeoutMilliseconds = timeoutMilliseconds
        do {
            client = try RequestClient(connectingTo: address)
        } catch {
            throw .transport("\(error)")
        }
    }

    /// Sends `message`, waits for the reply, and returns it; an error frame is thrown.
    ///
    /// - Throws: `ClientError` on timeout, transport failure, error reply or an undecodable reply.
    public func request(_ message: Message, timeoutMilliseconds: Int? = nil) throws(ClientError) -> Message {
        let requestId = lock.withLock {
            nextRequestId &+= 1
            return nextRequestId
        }
        let timeout = timeoutMilliseconds ?? self.timeoutMilliseconds
        let replyBytes: [UInt8]
        do {
            replyBytes = try client.request(
                FrameCodec.encode(Frame(requestId: requestId, message: message)), timeoutMilliseconds: timeout)
        } catch {
            if error.isTimeout { throw .timedOut(address: address, milliseconds: timeout) }
            throw .transport("\(error)")
        }
        let reply: Frame
        do {
            reply = try FrameCodec.decode(replyBytes)
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

    /// Sends raw bytes and returns the raw reply (for tests and tools that probe the broker).
    public func requestRaw(_ bytes: [UInt8], timeoutMilliseconds: Int? = nil) throws(ClientError) -> [UInt8] {
        let timeout = timeoutMilliseconds ?? self.timeoutMilliseconds
        do {
            return try client.request(bytes, timeoutMilliseconds: timeout)
        } catch {
            if error.isTimeout { throw .timedOut(address: address, milliseconds: timeout) }
            throw .transport("\(error)")
        }
    }
}

/// Time-ordered 16-byte record ids (UUIDv7 layout), which keep the broker's dedupe index append-only.
public enum RecordIdentifier {
    /// 74 random bits per id from a generator seeded once from the system's entropy (a system call
    /// per id would dominate the cost of building a batch).
    private static let random = IdentifierRandom()

    /// A fresh id for now.
    public static func next() -> UInt128 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let millis = UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
        let (a, b) = random.next()
        let high = (millis & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | (a & 0x0FFF)
        let low = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return UInt128(high) << 64 | UInt128(low)
    }

    /// Now, ms since the epoch.
    public static func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// A SplitMix64 stream seeded from the system's entropy, shared by all threads.
///
/// `@unchecked Sendable`: `state` is read and written under `lock`.
final class IdentifierRandom: @unchecked Sendable {
    private let lock = NSLock()
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    /// Two 64-bit random values.
    func next() -> (UInt64, UInt64) {
        lock.withLock { (step(), step()) }
    }

    private func step() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
