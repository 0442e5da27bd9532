import CNanomsg
import Glibc

/// One nanomsg socket: owns the integer socket id and closes it exactly once.
///
/// A noncopyable value so a socket id cannot be closed twice or used after close by a copy.
/// nanomsg guards each socket with its own mutex, so the calls below are safe from any thread;
/// the wrappers (`ReplyServer`, `RequestClient`, ...) add the locks that keep `close()` from
/// racing a call that still uses the id.
public struct NanoSocket: ~Copyable {
    /// The scalability protocol a socket speaks.
    public enum Kind: Sendable, Equatable {
        /// Cooked `NN_REQ`: one request at a time, matched to its reply by nanomsg.
        case request
        /// Raw `NN_REP` (`AF_SP_RAW`): every request carries its routing header to the application.
        case rawReply
        /// `NN_PUB`: best-effort fan-out to every connected subscriber.
        case publisher
        /// `NN_SUB`: receives what publishers send, filtered by subscribed prefixes.
        case subscriber
    }

    /// The nanomsg socket id, or -1 once closed.
    public private(set) var id: Int32
    /// The protocol this socket speaks.
    public let kind: Kind
    /// Every address bound or connected, in order.
    public private(set) var addresses: [String]

    /// The addresses joined for error context, or `nil` before the first bind or connect.
    public var address: String? { addresses.isEmpty ? nil : addresses.joined(separator: ", ") }

    /// Opens a socket of the given kind.
    ///
    /// - Parameter kind: The protocol to speak.
    /// - Throws: `TransportError` when `nn_socket` fails (for instance `EMFILE`, or `ETERM`).
    public init(_ kind: Kind) throws(TransportError) {
        let domain: Int32
        let proto: Int32
        switch kind {
        case .request: (domain, proto) = (AF_SP, comp_nn_req)
        case .rawReply: (domain, proto) = (AF_SP_RAW, comp_nn_rep)
        case .publisher: (domain, proto) = (AF_SP, comp_nn_pub)
        case .subscriber: (domain, proto) = (AF_SP, comp_nn_sub)
        }
        let id = nn_socket(domain, proto)
        guard id >= 0 else { throw TransportError.current("socket") }
        self.id = id
        self.kind = kind
        self.addresses = []
    }

    deinit {
        if id >= 0 { NanoSocket.closeRetryingInterrupts(id) }
    }

    /// Whether the socket is still open.
    public var isOpen: Bool { id >= 0 }

    /// Closes the socket; later calls on it throw a closed error. Closing twice does nothing.
    public mutating func close() {
        guard id >= 0 else { return }
        NanoSocket.closeRetryingInterrupts(id)
        id = -1
    }

    /// Listens on an address (`ipc://path`, `tcp://host:port`, `tcp://*:port`); may be called
    /// several times to listen on several addresses.
    ///
    /// - Parameter address: The nanomsg address.
    /// - Returns: The endpoint id nanomsg assigned.
    /// - Throws: `TransportError` with the address, e.g. `EADDRINUSE`, `EINVAL` for a malformed
    ///   address, `EPROTONOSUPPORT` for an unknown transport.
    @discardableResult
    public mutating func bind(_ address: String) throws(TransportError) -> Int32 {
        let address = TransportAddress.normalized(address)  // `HOST:PORT` without a scheme is tcp
        let socketID = try openID("bind", address: address)
        try NanoSocket.validate(address, operation: "bind")
        let endpoint = nn_bind(socketID, address)
        guard endpoint >= 0 else { throw TransportError.current("bind", address: address) }
        addresses.append(address)
        return endpoint
    }

    /// Connects to an address; nanomsg connects in the background and reconnects on loss.
    ///
    /// - Parameter address: The nanomsg address.
    /// - Returns: The endpoint id nanomsg assigned.
    /// - Throws: `TransportError` with the address when the address is malformed.
    @discardableResult
    public mutating func connect(_ address: String) throws(TransportError) -> Int32 {
        let address = TransportAddress.normalized(address)  // `HOST:PORT` without a scheme is tcp
        let socketID = try openID("connect", address: address)
        try NanoSocket.validate(address, operation: "connect")
        let endpoint = nn_connect(socketID, address)
        guard endpoint >= 0 else { throw TransportError.current("connect", address: address) }
        addresses.append(address)
        return endpoint
    }

    /// The id if the socket is open, else a closed error for `operation`.
    func openID(_ operation: String, address: String? = nil) throws(TransportError) -> Int32 {
        guard id >= 0 else { throw TransportError.closed(operation, address: address ?? self.address) }
        return id
    }

    /// The longest `ipc://` path: `sizeof(sockaddr_un.sun_path)` minus the terminating zero.
    static let longestIPCPath = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Rejects addresses nanomsg would mishandle instead of refusing: an `ipc://` path longer
    /// than `sun_path` passes `nn_bind`'s own length check and then aborts the process in an
    /// assertion (at once for bind, later on nanomsg's worker thread for connect); an empty
    /// `ipc://` path binds an abstract socket nobody can name; an embedded NUL would silently
    /// cut the C string.
    private static func validate(_ address: String, operation: String) throws(TransportError) {
        guard !address.utf8.contains(0) else {
            throw TransportError(code: EINVAL, operation: operation, address: address)
        }
        guard let path = TransportAddress.ipcPath(of: address) else { return }
        guard !path.isEmpty else {
            // nanomsg would take "" as an abstract unix socket with an unusable name.
            throw TransportError(code: EINVAL, operation: operation, address: address)
        }
        guard path.utf8.count <= longestIPCPath else {
            throw TransportError(code: ENAMETOOLONG, operation: operation, address: address)
        }
    }

    private static func closeRetryingInterrupts(_ id: Int32) {
        // nn_close may report EINTR before it has finished; it must then be called again.
        while nn_close(id) != 0 && nn_errno() == EINTR {}
    }
}
