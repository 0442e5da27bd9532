import Synchronization

/// The broker's request socket: a raw reply socket (`AF_SP_RAW` + `NN_REP`) that keeps each
/// request's routing header, so many requests can be in flight and be answered in any order.
///
/// Threads: one thread calls `receive(timeoutMilliseconds:)` in a loop with a short timeout
/// (checking its stop flag between calls); any thread may call `reply(to:body:)` at any time,
/// concurrently with that receive and with each other, for example to answer a held long-poll
/// seconds later. `bind(_:)`, `receiveFileDescriptor()` and `close()` are safe from any thread.
///
/// Why it is `Sendable`: nanomsg guards each socket with its own mutex, so concurrent `nn_recvmsg`
/// and `nn_sendmsg` on one id are safe. Our locks only keep the id alive: `socket` is held for
/// every short call (reply, bind, options, close); `receiveGate` is held for a whole blocking
/// receive, and `close()` takes it first, so the id cannot be closed (and reused by a new socket)
/// while a receive still waits on it.
public final class ReplyServer: Sendable {
    /// The frame limit given at creation: a request of exactly this many bytes arrives, a larger
    /// one is dropped by nanomsg, which also disconnects its sender. (`NN_RCVMAXSIZE` is set to it
    /// plus nanomsg's own request header, see `NanoSocket.requestHeaderBytes`.)
    public let receiveMaxSize: Int
    private let socket: Mutex<NanoSocket>
    private let receiveGate = Mutex(())

    /// Opens the raw reply socket; call `bind(_:)` before receiving. The first server of the
    /// process raises its open-file soft limit to the hard limit (`OpenFileLimit`).
    ///
    /// - Parameter receiveMaxSize: The largest request accepted, in bytes of the application's
    ///   frame, exactly (-1 for no limit).
    /// - Throws: `TransportError` when the socket cannot be made or the limit is invalid.
    public init(receiveMaxSize: Int) throws(TransportError) {
        // A listener that runs out of descriptors makes nanomsg spin (see `OpenFileLimit`).
        OpenFileLimit.raiseSoftToHard()
        let socket = try NanoSocket(.rawReply)
        try socket.setMessageLimit(bytes: receiveMaxSize)
        self.receiveMaxSize = receiveMaxSize
        self.socket = Mutex(socket)
    }

    /// Listens on one more address (`ipc://...`, `tcp://host:port`).
    ///
    /// - Parameter address: The nanomsg address.
    /// - Throws: `TransportError` carrying the address, e.g. `EADDRINUSE` or `EINVAL`.
    public func bind(_ address: String) throws(TransportError) {
        try socket.withLock { (socket: inout NanoSocket) throws(TransportError) in
            _ = try socket.bind(address)
        }
    }

    /// Every address bound so far.
    public var addresses: [String] {
        socket.withLock { $0.addresses }
    }

    /// Waits for the next request; call it from one receiving thread.
    ///
    /// - Parameter timeoutMilliseconds: How long to wait; keep it short (e.g. 100) so the loop
    ///   notices a stop request. A negative value waits forever.
    /// - Returns: The request with its route, or `nil` when the timeout passed.
    /// - Throws: `TransportError`: `isClosed` after `close()` (stop the loop); other errors concern
    ///   one message and the loop may go on.
    public func receive(timeoutMilliseconds: Int) throws(TransportError) -> IncomingRequest? {
        try receiveGate.withLock { (_: inout ()) throws(TransportError) -> IncomingRequest? in
            let (socketID, address) = try socket.withLock {
                (socket: inout NanoSocket) throws(TransportError) -> (Int32, String?) in
                try socket.setReceiveTimeout(milliseconds: timeoutMilliseconds)
                return (try socket.openID("receive request"), socket.address)
            }
            // The socket lock is released so replies go out while we wait; `receiveGate` keeps
            // `close()` from freeing `socketID` under us.
            return try NanoSocket.receiveRequest(from: socketID, address: address, dontWait: false)
        }
    }

    /// Sends the reply to one request; from any thread, at any time, in any order. Never waits:
    /// a reply to a peer that disconnected (or cannot take it now) is dropped silently.
    ///
    /// - Parameters:
    ///   - route: The route of the request being answered.
    ///   - body: The reply's bytes.
    /// - Throws: `TransportError` (`isClosed` after `close()`).
    public func reply(to route: ReplyRoute, body: [UInt8]) throws(TransportError) {
        try socket.withLock { (socket: inout NanoSocket) throws(TransportError) in
            try socket.reply(to: route, body: body)
        }
    }

    /// The descriptor that polls readable when a request is waiting (`NN_RCVFD`); poll it, then
    /// call `receive(timeoutMilliseconds: 0)` until it returns `nil`. Never read from it.
    ///
    /// - Returns: The descriptor, owned by nanomsg and valid until `close()`.
    /// - Throws: `TransportError` when closed.
    public func receiveFileDescriptor() throws(TransportError) -> Int32 {
        try socket.withLock { (socket: inout NanoSocket) throws(TransportError) -> Int32 in
            try socket.receiveFileDescriptor()
        }
    }

    /// Closes the socket; later calls throw a closed error. Waits for a receive in progress to
    /// finish (at most its timeout), so stop the receiving loop first for a prompt close.
    /// Requests held but not answered are lost; their clients time out.
    public func close() {
        receiveGate.withLock { _ in
            socket.withLock { $0.close() }
        }
    }
}
