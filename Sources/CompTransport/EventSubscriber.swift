import Synchronization

/// A subscribe socket (`NN_SUB`) connected to a publisher, receiving every event (or those with
/// a given prefix). Events published before the connection is up, or while this side is slow,
/// are lost: it is a feed for monitors, not a queue.
///
/// Every method may be called from any thread; receives from several threads are serialized.
/// Why it is `Sendable`: nanomsg guards each socket with its own mutex; the `socket` lock is held
/// for each receive and by `close()`, which keeps the id alive.
public final class EventSubscriber: Sendable {
    private let socket: Mutex<NanoSocket>

    /// Opens a subscribe socket and starts connecting (in the background, reconnecting on loss).
    ///
    /// - Parameters:
    ///   - address: The publisher's address.
    ///   - prefix: Only events starting with these bytes are delivered; empty for all.
    ///   - receiveMaxSize: The largest event accepted, in bytes (-1 for no limit).
    /// - Throws: `TransportError` for a malformed address or a socket that cannot be made.
    public init(connectingTo address: String, prefix: [UInt8] = [],
                receiveMaxSize: Int = RequestClient.defaultReceiveMaxSize) throws(TransportError) {
        var socket = try NanoSocket(.subscriber)
        try socket.setReceiveMaxSize(bytes: receiveMaxSize)
        try socket.subscribe(prefix: prefix)
        try socket.connect(address)
        self.socket = Mutex(socket)
    }

    /// Waits for the next event.
    ///
    /// - Parameter timeoutMilliseconds: How long to wait; negative waits forever.
    /// - Returns: The event, or `nil` when the timeout passed.
    /// - Throws: `TransportError` (`isClosed` after `close()`).
    public func receive(timeoutMilliseconds: Int) throws(TransportError) -> [UInt8]? {
        try socket.withLock { (socket: inout NanoSocket) throws(TransportError) -> [UInt8]? in
            try socket.setReceiveTimeout(milliseconds: timeoutMilliseconds)
            return try socket.receive()
        }
    }

    /// Closes the socket; later calls throw a closed error. Waits for a receive in progress to
    /// end (at most its timeout).
    public func close() {
        socket.withLock { $0.close() }
    }
}
