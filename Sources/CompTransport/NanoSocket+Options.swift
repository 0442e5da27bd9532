import CNanomsg
import Glibc

extension NanoSocket {
    /// Sets how long a receive waits (`NN_RCVTIMEO`).
    ///
    /// - Parameter milliseconds: The wait; a negative value waits forever.
    /// - Throws: `TransportError` when the socket is closed or nanomsg rejects the value.
    public func setReceiveTimeout(milliseconds: Int) throws(TransportError) {
        try setIntOption(NN_SOL_SOCKET, NN_RCVTIMEO, Milliseconds.clamped(milliseconds), "set NN_RCVTIMEO")
    }

    /// Sets how long a send waits for room (`NN_SNDTIMEO`).
    ///
    /// - Parameter milliseconds: The wait; a negative value waits forever.
    /// - Throws: `TransportError` when the socket is closed or nanomsg rejects the value.
    public func setSendTimeout(milliseconds: Int) throws(TransportError) {
        try setIntOption(NN_SOL_SOCKET, NN_SNDTIMEO, Milliseconds.clamped(milliseconds), "set NN_SNDTIMEO")
    }

    /// Sets the largest message this socket accepts (`NN_RCVMAXSIZE`); a peer sending more is
    /// disconnected and its message lost, while the sender saw success.
    ///
    /// - Parameter bytes: The limit; -1 removes it.
    /// - Throws: `TransportError` (`EINVAL` for a value below -1 or above `Int32.max`).
    public func setReceiveMaxSize(bytes: Int) throws(TransportError) {
        guard let value = Int32(exactly: bytes), value >= -1 else {
            throw TransportError(code: EINVAL, operation: "set NN_RCVMAXSIZE", address: address)
        }
        try setIntOption(NN_SOL_SOCKET, NN_RCVMAXSIZE, value, "set NN_RCVMAXSIZE")
    }

    /// The bytes nanomsg counts against `NN_RCVMAXSIZE` besides the application's message on a
    /// direct REQ↔REP connection: the stream transports (ipc, tcp) compare the limit with the
    /// whole wire message, which is the SP header followed by the body. That header is the 32-bit
    /// request id (top bit set) that REQ puts before each request and REP echoes before each
    /// reply; every device between the peers adds 4 more bytes to a request's backtrace, which
    /// this allowance does not cover (peers connect directly).
    public static let requestHeaderBytes = 4

    /// Sets the largest application message this socket accepts, exactly: `NN_RCVMAXSIZE` becomes
    /// `bytes` plus `requestHeaderBytes`, so a message of `bytes` bytes passes and one byte more
    /// is dropped by nanomsg (which also disconnects the peer that sent it).
    ///
    /// - Parameter bytes: The limit of the body; -1 removes the limit.
    /// - Throws: `TransportError` (`EINVAL` for a value below -1 or too large for nanomsg).
    public func setMessageLimit(bytes: Int) throws(TransportError) {
        guard bytes >= -1 else {
            throw TransportError(code: EINVAL, operation: "set NN_RCVMAXSIZE", address: address)
        }
        try setReceiveMaxSize(bytes: bytes == -1 ? -1 : bytes + NanoSocket.requestHeaderBytes)
    }

    /// Sets after how long a cooked request socket resends an unanswered request
    /// (`NN_REQ_RESEND_IVL`); only for `.request` sockets.
    ///
    /// - Parameter milliseconds: The interval, clamped to `Int32.max`.
    /// - Throws: `TransportError` (`ENOPROTOOPT` on other kinds of socket).
    public func setRequestResendInterval(milliseconds: Int) throws(TransportError) {
        try setIntOption(comp_nn_req, comp_nn_req_resend_ivl, Milliseconds.clamped(milliseconds),
                         "set NN_REQ_RESEND_IVL")
    }

    /// Adds a subscription (`NN_SUB_SUBSCRIBE`); the empty prefix receives everything.
    /// Only for `.subscriber` sockets.
    ///
    /// - Parameter prefix: The leading bytes a message must have to be delivered.
    /// - Throws: `TransportError` when the socket is closed or not a subscriber.
    public func subscribe(prefix: [UInt8]) throws(TransportError) {
        let socketID = try openID("subscribe")
        let rc = prefix.withUnsafeBytes { raw in
            nn_setsockopt(socketID, comp_nn_sub, comp_nn_sub_subscribe, raw.baseAddress, raw.count)
        }
        guard rc == 0 else { throw TransportError.current("subscribe", address: address) }
    }

    /// The operating-system file descriptor that polls readable when a message can be received
    /// (`NN_RCVFD`). Only poll it; never read from it, and drain with non-blocking receives.
    ///
    /// - Returns: The descriptor, owned by nanomsg.
    /// - Throws: `TransportError` (`ENOPROTOOPT` for sockets that cannot receive, such as `.publisher`).
    public func receiveFileDescriptor() throws(TransportError) -> Int32 {
        let socketID = try openID("get NN_RCVFD")
        var fd: Int32 = -1
        var size = MemoryLayout<Int32>.size
        let rc = nn_getsockopt(socketID, NN_SOL_SOCKET, NN_RCVFD, &fd, &size)
        guard rc == 0 else { throw TransportError.current("get NN_RCVFD", address: address) }
        return fd
    }

    func setIntOption(_ level: Int32, _ option: Int32, _ value: Int32,
                      _ operation: String) throws(TransportError) {
        let socketID = try openID(operation)
        var value = value
        let rc = nn_setsockopt(socketID, level, option, &value, MemoryLayout<Int32>.size)
        guard rc == 0 else { throw TransportError.current(operation, address: address) }
    }
}

/// Conversions of caller timeouts (`Int` milliseconds) to what nanomsg takes (`Int32`).
enum Milliseconds {
    /// Negative means "forever" (-1); anything beyond `Int32.max` is cut to it.
    static func clamped(_ milliseconds: Int) -> Int32 {
        if milliseconds < 0 { return -1 }
        return Int32(clamping: milliseconds)
    }

    /// A monotonic clock reading in milliseconds, for deadlines.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
