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
/// request once on a new connection when the one it went out on is lost; the broker's dedupe
/// absorbs that.
///
/// A fresh socket after a timeout: when a request times out, the socket is closed and a new one
/// opened and connected before the error is thrown. A cooked REQ socket that lost its connection
/// around a request can stay stuck (its request never resent, or resent into a connection that
/// nanomsg keeps dropping, e.g. for an oversized reply), so the caller's retry always starts on
/// a new connection. A reply that arrives after its request timed out therefore goes to the
/// closed socket and is never taken for the reply to a later request.
///
/// Why it is `Sendable`: nanomsg guards each socket with its own mutex; the `state` lock is held
/// for a whole request (send, receive, and the reopen after a timeout) and by `close()`, which
/// also keeps the id alive.
public final class RequestClient: Sendable {
    /// The largest reply accepted by default: 16 MiB.
    public static let defaultReceiveMaxSize = 16 * 1024 * 1024
    /// The `NN_REQ_RESEND_IVL` set on every client: 7 days, i.e. nanomsg never resends on a timer.
    public static let resendIntervalMilliseconds = 7 * 24 * 3600 * 1000

    /// The socket and whether its owner closed it (then it is never reopened).
    private struct State: ~Copyable {
        var socket: NanoSocket
        var closedByOwner = false
    }

    /// The address this client connects to.
    public let address: String
    /// The largest reply accepted, in bytes of the application's frame (-1 for no limit).
    public let receiveMaxSize: Int
    private let sendTimeoutMilliseconds: Int
    private let state: Mutex<State>
    private let reopenings = Atomic<Int>(0)

    /// Opens a request socket and starts connecting (nanomsg connects in the background and
    /// reconnects on loss, so the server need not be up yet).
    ///
    /// - Parameters:
    ///   - address: The server's address (`ipc://...`, `tcp://host:port`).
    ///   - receiveMaxSize: The largest reply accepted, in bytes of the application's frame,
    ///     exactly (-1 for no limit); a larger reply is dropped by nanomsg and the request times out.
    ///   - sendTimeoutMilliseconds: The most a send may wait for room (`NN_SNDTIMEO`).
    /// - Throws: `TransportError` for a malformed address or a socket that cannot be made.
    public init(connectingTo address: String, receiveMaxSize: Int = RequestClient.defaultReceiveMaxSize,
                sendTimeoutMilliseconds: Int = 1000) throws(TransportError) {
        let socket = try RequestClient.openSocket(
            address: address, receiveMaxSize: receiveMaxSize, sendTimeoutMilliseconds: sendTimeoutMilliseconds)
        self.address = address
        self.receiveMaxSize = receiveMaxSize
        self.sendTimeoutMilliseconds = sendTimeoutMilliseconds
        self.state = Mutex(State(socket: socket))
    }

    /// How many times a timeout (or a failed reopen) made this client open a fresh socket.
    public var reopenCount: Int { reopenings.load(ordering: .relaxed) }

    /// Sends a request and waits for its reply.
    ///
    /// - Parameters:
    ///   - body: The request's bytes.
    ///   - timeoutMilliseconds: The most the whole exchange may take; negative waits forever.
    /// - Returns: The reply's bytes.
    /// - Throws: `TransportError` with `isTimeout` when no reply came in time (the client stays
    ///   usable, on a fresh socket), `isClosed` after `close()`.
    public func request(_ body: [UInt8], timeoutMilliseconds: Int) throws(TransportError) -> [UInt8] {
        try state.withLock { (state: inout State) throws(TransportError) -> [UInt8] in
            guard !state.closedByOwner else { throw TransportError.closed("request", address: address) }
            if !state.socket.isOpen {
                // A reopen after an earlier timeout failed (e.g. EMFILE): try again now.
                try reopen(&state)
            }
            do throws(TransportError) {
                return try exchange(body, timeoutMilliseconds: timeoutMilliseconds, on: state.socket)
            } catch {
                if error.isTimeout {
                    // Best effort: if no new socket can be made now, the next request tries again.
                    try? reopen(&state)
                }
                throw error
            }
        }
    }

    /// Closes the socket and opens a fresh, connected one, as after a timeout (an owner that learned
    /// its link is dead, e.g. from missed heartbeats, leaves the old connection behind). Waits for a
    /// request in progress.
    ///
    /// - Throws: `TransportError` after `close()`, or when no socket can be made (the next request
    ///   tries again).
    public func reconnect() throws(TransportError) {
        try state.withLock { (state: inout State) throws(TransportError) in
            guard !state.closedByOwner else { throw TransportError.closed("reconnect", address: address) }
            try reopen(&state)
        }
    }

    /// Closes the socket; later requests throw a closed error. Waits for a request in progress
    /// to end (at most its timeout).
    public func close() {
        state.withLock { state in
            state.closedByOwner = true
            state.socket.close()
        }
    }

    private func exchange(_ body: [UInt8], timeoutMilliseconds: Int,
                          on socket: borrowing NanoSocket) throws(TransportError) -> [UInt8] {
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

    /// Closes the current socket and puts a fresh, connected one in its place.
    private func reopen(_ state: inout State) throws(TransportError) {
        state.socket.close()
        reopenings.add(1, ordering: .relaxed)
        state.socket = try RequestClient.openSocket(
            address: address, receiveMaxSize: receiveMaxSize, sendTimeoutMilliseconds: sendTimeoutMilliseconds)
    }

    private static func openSocket(address: String, receiveMaxSize: Int,
                                   sendTimeoutMilliseconds: Int) throws(TransportError) -> NanoSocket {
        var socket = try NanoSocket(.request)
        try socket.setMessageLimit(bytes: receiveMaxSize)
        try socket.setRequestResendInterval(milliseconds: RequestClient.resendIntervalMilliseconds)
        try socket.setSendTimeout(milliseconds: sendTimeoutMilliseconds)
        try socket.connect(address)
        return socket
    }
}
