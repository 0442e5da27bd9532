/// The way back to the peer that sent a request: the SP header a raw reply socket received.
///
/// Opaque to callers. It holds the pipe id nanomsg prepended (which connection) followed by the
/// request-id backtrace (which request on it); a reply sent with it reaches that peer's pending
/// request, in any order and from any thread. It stays valid after the peer is gone: the reply is
/// then dropped by nanomsg.
public struct ReplyRoute: Sendable, Hashable, CustomStringConvertible {
    /// The header bytes exactly as `nn_recvmsg` delivered them (big-endian 32-bit words).
    let header: [UInt8]

    init(header: [UInt8]) {
        self.header = header
    }

    /// The header as hex words, for logs: pipe id first, then the request ids.
    public var description: String {
        var words: [String] = []
        var index = header.startIndex
        while index < header.endIndex {
            let end = min(index + 4, header.endIndex)
            words.append(header[index..<end].map { byte in
                let hex = String(byte, radix: 16)
                return hex.count == 1 ? "0" + hex : hex
            }.joined())
            index = end
        }
        return "ReplyRoute(" + words.joined(separator: " ") + ")"
    }
}

/// One request a `ReplyServer` received: its bytes and the route for its reply.
public struct IncomingRequest: Sendable, Equatable {
    /// The request's bytes (the application frame, without the SP header).
    public let body: [UInt8]
    /// Where the reply must go; pass it to `ReplyServer.reply(to:body:)`.
    public let route: ReplyRoute

    /// Creates a request from its parts.
    ///
    /// - Parameters:
    ///   - body: The request's bytes.
    ///   - route: The route its reply takes.
    public init(body: [UInt8], route: ReplyRoute) {
        self.body = body
        self.route = route
    }
}
