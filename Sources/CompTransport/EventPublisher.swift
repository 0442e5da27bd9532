import Synchronization

/// A publish socket (`NN_PUB`) for best-effort events: every connected subscriber gets a copy,
/// and nothing is kept for subscribers that are absent, slow or not yet connected.
///
/// Every method may be called from any thread. Why it is `Sendable`: nanomsg guards each socket
/// with its own mutex; the `socket` lock keeps the id alive across `close()`.
public final class EventPublisher: Sendable {
    private let socket: Mutex<NanoSocket>

    /// Opens a publish socket listening on an address.
    ///
    /// - Parameter address: Where subscribers connect (`ipc://...`, `tcp://*:port`).
    /// - Throws: `TransportError` carrying the address when binding fails.
    public init(bindingTo address: String) throws(TransportError) {
        var socket = try NanoSocket(.publisher)
        try socket.bind(address)
        self.socket = Mutex(socket)
    }

    /// Listens on one more address.
    ///
    /// - Parameter address: The nanomsg address.
    /// - Throws: `TransportError` carrying the address when binding fails.
    public func bind(_ address: String) throws(TransportError) {
        try socket.withLock { (socket: inout NanoSocket) throws(TransportError) in
            _ = try socket.bind(address)
        }
    }

    /// Sends one event to the current subscribers without ever waiting (`NN_DONTWAIT`); with no
    /// subscriber, or one that cannot take it now, the event is dropped silently.
    ///
    /// - Parameter bytes: The event.
    /// - Throws: `TransportError` only when the socket is closed or nanomsg rejects the call.
    public func publish(_ bytes: [UInt8]) throws(TransportError) {
        try socket.withLock { (socket: inout NanoSocket) throws(TransportError) in
            _ = try socket.send(bytes, dontWait: true)
        }
    }

    /// Closes the socket; later calls throw a closed error.
    public func close() {
        socket.withLock { $0.close() }
    }
}
