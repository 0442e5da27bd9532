import CNanomsg
import Glibc

// Raw REP keeps the routing of a request out of the body: `nn_recvmsg` hands it back as an
// ancillary property and `nn_sendmsg` takes it again with the reply. The control buffer holds
// cmsg records; the one we need has level PROTO_SP, type SP_HDR:
//
//   +--------------------------+----------------------+-------------------+---------+
//   | nn_cmsghdr (16 bytes):   | size_t spsz          | header bytes      | padding |
//   | cmsg_len, level, type    | (native byte order)  | (spsz bytes)      | to 8    |
//   +--------------------------+----------------------+-------------------+---------+
//   cmsg_len = NN_CMSG_SPACE(sizeof(size_t) + spsz), data at NN_CMSG_DATA(cmsg)
//
// nanomsg silently drops the header when the receive buffer is too small, so we let it
// allocate the control chunk (msg_controllen = NN_MSG) and free it with nn_freemsg.

extension NanoSocket {
    /// Receives one request with its routing header (`nn_recvmsg`, `NN_MSG` body and control);
    /// for `.rawReply` sockets.
    ///
    /// - Parameter dontWait: Whether to return at once when nothing is queued.
    /// - Returns: The request, or `nil` when the receive timeout passed (or nothing was queued
    ///   with `dontWait`, or a signal interrupted the wait).
    /// - Throws: `TransportError`; `EPROTO` when the message came without a usable SP header.
    public func receiveRequest(dontWait: Bool = false) throws(TransportError) -> IncomingRequest? {
        try NanoSocket.receiveRequest(from: try openID("receive request"), address: address, dontWait: dontWait)
    }

    /// `receiveRequest(dontWait:)` on a bare id, for a caller that keeps the id alive by a lock
    /// of its own while it waits (see `ReplyServer`).
    static func receiveRequest(from socketID: Int32, address: String?,
                               dontWait: Bool) throws(TransportError) -> IncomingRequest? {
        // slots[0] receives the body chunk, slots[1] the control chunk.
        let slots = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 2)
        slots.initialize(repeating: nil, count: 2)
        let vector = UnsafeMutablePointer<nn_iovec>.allocate(capacity: 1)
        vector.initialize(to: nn_iovec(iov_base: UnsafeMutableRawPointer(slots), iov_len: comp_nn_msg()))
        defer {
            if let body = slots[0] { nn_freemsg(body) }
            if let control = slots[1] { nn_freemsg(control) }
            vector.deallocate()
            slots.deallocate()
        }
        var message = nn_msghdr(msg_iov: vector, msg_iovlen: 1,
                                msg_control: UnsafeMutableRawPointer(slots + 1), msg_controllen: comp_nn_msg())
        let rc = nn_recvmsg(socketID, &message, dontWait ? NN_DONTWAIT : 0)
        guard rc >= 0 else {
            let error = TransportError.current("receive request", address: address)
            if NanoSocket.meansNothingYet(error.code) { return nil }
            throw error
        }
        guard let bodyChunk = slots[0] else {
            throw TransportError(code: EPROTO, operation: "receive request", address: address)
        }
        let body = [UInt8](UnsafeRawBufferPointer(start: bodyChunk, count: Int(rc)))
        guard slots[1] != nil, let header = NanoSocket.spHeader(in: &message) else {
            throw TransportError(code: EPROTO, operation: "receive request header", address: address)
        }
        return IncomingRequest(body: body, route: ReplyRoute(header: header))
    }

    /// Sends a reply along a saved route (`nn_sendmsg` with an SP_HDR control record); never
    /// waits. A route whose peer has gone is dropped silently by nanomsg, as is a reply to a
    /// peer that cannot take more right now.
    ///
    /// - Parameters:
    ///   - route: The route from the request being answered.
    ///   - body: The reply's bytes (copied by nanomsg).
    /// - Throws: `TransportError` when the socket is closed or nanomsg rejects the message.
    public func reply(to route: ReplyRoute, body: [UInt8]) throws(TransportError) {
        let socketID = try openID("reply")
        let sizeWidth = MemoryLayout<Int>.size
        let space = comp_nn_cmsg_space(sizeWidth + route.header.count)
        let alignment = max(MemoryLayout<nn_cmsghdr>.alignment, MemoryLayout<Int>.alignment)
        let control = UnsafeMutableRawPointer.allocate(byteCount: space, alignment: alignment)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0, count: space)
        let record = control.bindMemory(to: nn_cmsghdr.self, capacity: 1)
        record.pointee = nn_cmsghdr(cmsg_len: space, cmsg_level: PROTO_SP, cmsg_type: SP_HDR)
        guard let data = UnsafeMutableRawPointer(comp_nn_cmsg_data(record)) else {
            throw TransportError(code: EINVAL, operation: "reply header", address: address)
        }
        data.storeBytes(of: route.header.count, as: Int.self)
        route.header.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress {
                (data + sizeWidth).copyMemory(from: base, byteCount: bytes.count)
            }
        }
        let rc = body.withUnsafeBytes { bytes -> Int32 in
            var vector = nn_iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                                  iov_len: bytes.count)
            return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                var message = nn_msghdr(msg_iov: vectorPointer, msg_iovlen: 1,
                                        msg_control: control, msg_controllen: space)
                return nn_sendmsg(socketID, &message, NN_DONTWAIT)
            }
        }
        guard rc < 0 else { return }
        let error = TransportError.current("reply", address: address)
        // Raw REP never queues a reply: EAGAIN would mean "dropped", which is what nanomsg
        // does anyway for a peer that went away.
        if error.code == EAGAIN { return }
        throw error
    }

    /// The SP_HDR property of a received message, walked with nanomsg's own cmsg iterator.
    private static func spHeader(in message: inout nn_msghdr) -> [UInt8]? {
        let sizeWidth = MemoryLayout<Int>.size
        var record = comp_nn_cmsg_firsthdr(&message)
        while let current = record {
            if current.pointee.cmsg_level == PROTO_SP && current.pointee.cmsg_type == SP_HDR {
                let recordLength = current.pointee.cmsg_len
                guard recordLength >= comp_nn_cmsg_space(0) + sizeWidth else { return nil }
                let dataLength = recordLength - comp_nn_cmsg_space(0)
                guard let data = UnsafeRawPointer(comp_nn_cmsg_data(current)) else { return nil }
                let headerLength = data.loadUnaligned(as: Int.self)
                // xrep needs at least the 4-byte pipe id to route the reply back.
                guard headerLength >= 4, headerLength <= dataLength - sizeWidth else { return nil }
                return [UInt8](UnsafeRawBufferPointer(start: data + sizeWidth, count: headerLength))
            }
            record = comp_nn_cmsg_nxthdr(&message, current)
        }
        return nil
    }
}
