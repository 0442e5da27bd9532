import Glibc
import Synchronization

/// A cooked request socket (`NN_REQ`) connected to one server: sends a request and waits for
/// its reply.
///
/// One request at a time per client: concurrent calls from several threads are serialized by a
/// lock (each waits for the one before it), never interleaved. Use one client per thread for
/// parallel requests. Every method may be called from any thread; calls block, so run them off
/// Swift's cooperative thread pool.
///
/// Resends: nanomsg's timed resend is pushed out to `resendIntervalMilliseconds` because the
/// application resends itself with the same record ids. nanomsg still resends the outstanding
/// request once on a new connection when the one it went out on is lost (also after a timeout,
/// until the next request replaces it); the broker's dedupe absorbs that. A reply that arrives
/// after its request timed out is discarded by nanomsg once the next request is sent, so it is
/// never taken for the reply to that next request.
///
/// Why it is `Sendable`: nanomsg guards each socket with its own mutex; the `socket` lock is held
/// for a whole request (send and receive) and by `close()`, which also keeps the id alive.
public final class RequestClient: Sendable {
    /// The largest reply accepted by default: 16 MiB.
    public static let defaultReceiveMaxSize = 16 * 1024 * 1024
    /// The `NN_REQ_RESEND_IVL` set on every client: 7 days, i.e. nanomsg never resends on a timer.
    public static let resendIntervalMilliseconds = 7 * 24 * 3600 * 1000

    /// The address this client connects to.
    public let address: String
    private let sendTimeoutMilliseconds: Int
    private let socket: Mutex<NanoSocket>

    /// Opens a request socket and starts connecting (nanomsg connects in the background and
    /// reconnects on loss, so the server need not be up yet).
    ///
    /// - Parameters:
    ///   - address: The server's address (`ipc://...`, `tcp://host:port`).
    ///   - receiveMaxSize: The largest reply accepted, in bytes (-1 for no limit).
    ///   - sendTimeoutMilliseconds: The most a send may wait for room (`NN_SNDTIMEO`).
    /// - Throws: `TransportError` for a malformed address or a socket that cannot be made.
    public init(connectingTo address: String, receiveMaxSize: Int = RequestClient.defaultReceiveMaxSize,
                sendTimeoutMilliseconds: Int = 1000) throws(TransportError) {
        var socket = try NanoSocket(.request)
        try socket.setReceiveMaxSize(bytes: receiveMaxSize)
        try socket.setRequestResendInterval(milliseconds: RequestClient.resendIntervalMilliseconds)
        try socket.setSendTimeout(milliseconds: sendTimeoutMilliseconds)
        try socket.connect(address)
        self.address = address
        self.sendTimeoutMilliseconds = sendTimeoutMilliseconds
        self.socket = Mutex(socket)
    }

    /// Sends a request and waits for its reply.
    ///
    /// - Parameters:
    ///   - body: The request's bytes.
    ///   - timeoutMilliseconds: The most the whole exchange may take; negative waits forever.
    /// - Returns: The reply's bytes.
    /// - Throws: `TransportError` with `isTimeout` when no reply came in time (the client stays
    ///   usable), `isClosed` after `close()`.
    public func request(_ body: [UInt8], timeoutMilliseconds: Int) throws(TransportError) -> [UInt8] {
        try socket.withLock { (socket: inout NanoSocket) throws(TransportError) -> [UInt8] in
            let deadline = timeoutMilliseconds < 0 ? nil : Milliseconds.now() + Int64(timeoutMilliseconds)
            let sendTimeout = timeoutMilliseconds < 0
                ? sendTimeoutMilliseconds : min(sendTimeoutMilliseconds, timeoutMilliseconds)
            try socket.setSendTimeout(milliseconds: sendTimeout)
            try socket.send(body)
            while true {
                var wait = -1
                if let deadline {
                    wait = Int(deadline - Milliseconds.now())
                    guard wait > 0 else {
                        throw TransportError(code: ETIMEDOUT, operation: "request", address: address)
                    }
                }
                try socket.setReceiveTimeout(milliseconds: wait)
                // nil means the wait ended without a reply (timeout or signal): check the deadline.
                if let reply = try socket.receive() { return reply }
            }
        }
    }

    /// Closes the socket; later requests throw a closed error. Waits for a request in progress
    /// to end (at most its timeout).
    public func close() {
        socket.withLock { $0.close() }
    }
}
