@testable import CompWire
import Testing

/// ShowRequest.historyAfter and ShowReply.nextHistoryAfter (tag 1 of each): history pages.
struct HistoryPageTests {
    static let view = GoldenValues.executionParked

    @Test("without the new fields both messages encode exactly as before them: an empty tagged section")
    func absentFieldsKeepTheOldBytes() {
        let request = FrameCodec.encode(Frame(requestId: 1, message: .showRequest(ShowRequest(executionId: 41))))
        #expect(request == Bytes.frame(type: 0x32, body: Bytes.body { $0.i64(41).noTags() }))
        let reply = FrameCodec.encode(Frame(requestId: 1, message: .showReply(ShowReply(execution: Self.view, history: []))))
        #expect(reply == Bytes.frame(type: 0x33, body: Bytes.body { $0.raw(Self.view.wireBytes).u32(0).noTags() }))
    }

    @Test("present, each is tag 1 holding an i64, and round-trips")
    func presentFields() throws {
        let request = Frame(requestId: 2, message: .showRequest(ShowRequest(executionId: 41, historyAfter: -1)))
        let requestBytes = FrameCodec.encode(request)
        #expect(requestBytes == Bytes.frame(type: 0x32, requestId: 2, body: Bytes.body {
            $0.i64(41).u16(1).u16(1).u32(8).i64(-1)
        }))
        #expect(try FrameCodec.decode(requestBytes) == request)
        let reply = Frame(requestId: 2, message: .showReply(ShowReply(execution: Self.view, history: [], nextHistoryAfter: 47)))
        let replyBytes = FrameCodec.encode(reply)
        #expect(replyBytes == Bytes.frame(type: 0x33, requestId: 2, body: Bytes.body {
            $0.raw(Self.view.wireBytes).u32(0).u16(1).u16(1).u32(8).i64(47)
        }))
        #expect(try FrameCodec.decode(replyBytes) == reply)
    }

    @Test("a tag 1 whose value is not exactly 8 bytes is malformed_frame; an unknown tag beside it is skipped")
    func badAndUnknownTags() throws {
        let short = Bytes.frame(type: 0x32, body: Bytes.body { $0.i64(41).u16(1).u16(1).u32(4).u32(7) })
        var code: ErrorCode?
        do {
            _ = try FrameCodec.decode(short)
        } catch {
            code = error.code
        }
        #expect(code == .malformedFrame)
        let withUnknown = Bytes.frame(type: 0x32, body: Bytes.body { $0.i64(41).u16(2).u16(1).u32(8).i64(5).u16(9).u32(1).u8(0) })
        #expect(try FrameCodec.decode(withUnknown).message == .showRequest(ShowRequest(executionId: 41, historyAfter: 5)))
    }
}
