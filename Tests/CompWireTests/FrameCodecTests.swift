import CompWire
import Testing

struct FrameCodecTests {
    @Test("the header carries version 1, the type byte, flags and request id, and the prefix counts the rest")
    func headerLayout() throws {
        let frame = Frame(requestId: 0xDEAD_BEEF, flags: 0x0102, message: .heartbeat(Heartbeat(sentAt: -1)))
        let bytes = FrameCodec.encode(frame)
        #expect(bytes == [0, 0, 0, 18, 1, 0x03, 0x01, 0x02, 0xDE, 0xAD, 0xBE, 0xEF,
                          0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0])
        #expect(try FrameCodec.decode(bytes) == frame)
        #expect(try FrameCodec.decode(bytes[...]) == frame)
    }

    @Test("peekHeader reads the request id of frames whose body or type is bad")
    func peekBadFrames() throws {
        for vector in VectorCatalog.invalid where vector.bytes.count >= 12 {
            let header = try #require(FrameCodec.peekHeader(vector.bytes))
            #expect(header.requestId == (vector.name == "text_over_limit" ? 15 : 1), "\(vector.name)")
        }
        #expect(FrameCodec.peekHeader([UInt8]()) == nil)
    }

    @Test("errorFrame encodes an ErrorReply echoing the request id")
    func errorFrame() throws {
        let bytes = FrameCodec.errorFrame(requestId: 77, code: .unknownMessageType, message: "message type 0x50")
        let frame = try FrameCodec.decode(bytes)
        #expect(frame == Frame(requestId: 77, message: .error(ErrorReply(code: 4, message: "message type 0x50"))))
        let fromError = FrameCodec.errorFrame(requestId: 77, error: WireError(.unknownMessageType, "message type 0x50"))
        #expect(fromError == bytes)
    }

    @Test("errorFrame cuts a long message to maxMessageBytes by the protocol's rule: whole scalars, then …")
    func errorFrameTruncates() throws {
        let long = String(repeating: "a", count: WireLimits.maxMessageBytes - 1) + "日本"
        let frame = try FrameCodec.decode(FrameCodec.errorFrame(requestId: 1, code: .internalError, message: long))
        guard case .error(let reply) = frame.message else {
            Issue.record("not an error reply")
            return
        }
        #expect(reply.message == String(repeating: "a", count: WireLimits.maxMessageBytes - 3) + "…")
        #expect(reply.message.utf8.count == WireLimits.maxMessageBytes)
        #expect(reply.code == ErrorCode.internalError.rawValue)
    }

    @Test("the decoder's error for a bad frame can be sent back and read by the peer")
    func errorRoundTrip() throws {
        let bad = Bytes.frame(type: 0xF0, requestId: 31, body: [0, 0])
        var caught: WireError?
        do {
            _ = try FrameCodec.decode(bad)
        } catch {
            caught = error
        }
        let error = try #require(caught)
        #expect(error.code == .unknownMessageType)
        let header = try #require(FrameCodec.peekHeader(bad))
        let reply = try FrameCodec.decode(FrameCodec.errorFrame(requestId: header.requestId, error: error))
        #expect(reply.requestId == 31)
        #expect(reply.message.type == .error)
    }
}
