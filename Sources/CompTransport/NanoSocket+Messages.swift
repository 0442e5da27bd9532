import CNanomsg
import Glibc

extension NanoSocket {
    /// Sends one message (`nn_send`); nanomsg copies the bytes.
    ///
    /// - Parameters:
    ///   - bytes: The message.
    ///   - dontWait: Whether to fail at once instead of waiting for room (`NN_DONTWAIT`).
    /// - Returns: `false` when `dontWait` was set and nanomsg had no room (`EAGAIN`), else `true`.
    /// - Throws: `TransportError`, with `isTimeout` when `NN_SNDTIMEO` passed.
    @discardableResult
    public func send(_ bytes: [UInt8], dontWait: Bool = false) throws(TransportError) -> Bool {
        let socketID = try openID("send")
        let flags: Int32 = dontWait ? NN_DONTWAIT : 0
        let rc = bytes.withUnsafeBytes { raw in nn_send(socketID, raw.baseAddress, raw.count, flags) }
        if rc >= 0 { return true }
        let error = TransportError.current("send", address: address)
        if dontWait && error.code == EAGAIN { return false }
        throw error
    }

    /// Receives one message (`nn_recv` with an `NN_MSG` buffer, so any size up to
    /// `NN_RCVMAXSIZE` fits), waiting at most the receive timeout.
    ///
    /// - Parameter dontWait: Whether to return at once when nothing is queued (`NN_DONTWAIT`).
    /// - Returns: The message, or `nil` when the timeout passed, nothing was queued with
    ///   `dontWait`, or a signal interrupted the wait.
    /// - Throws: `TransportError` for anything else (closed socket, `EFSM` on a request socket
    ///   with no request outstanding, ...).
    public func receive(dontWait: Bool = false) throws(TransportError) -> [UInt8]? {
        let socketID = try openID("receive")
        var chunk: UnsafeMutableRawPointer? = nil
        let rc = nn_recv(socketID, &chunk, comp_nn_msg(), dontWait ? NN_DONTWAIT : 0)
        guard rc >= 0 else {
            let error = TransportError.current("receive", address: address)
            if NanoSocket.meansNothingYet(error.code) { return nil }
            throw error
        }
        guard let chunk else {
            throw TransportError(code: EPROTO, operation: "receive", address: address)
        }
        defer { nn_freemsg(chunk) }
        return [UInt8](UnsafeRawBufferPointer(start: chunk, count: Int(rc)))
    }

    /// Whether a failed receive only means "no message yet" (timeout, would block, signal).
    static func meansNothingYet(_ code: Int32) -> Bool {
        code == ETIMEDOUT || code == EAGAIN || code == EINTR
    }
}
