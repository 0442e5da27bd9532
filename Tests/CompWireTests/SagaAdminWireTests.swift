@testable import CompWire
import Testing

/// The saga admin messages (0x50...0x55): layouts, ranges and the sizes PROTOCOL.md sections 6.17–6.18 rely on.
struct SagaAdminWireTests {
    static let longName = String(repeating: "n", count: WireLimits.maxNameBytes)

    @Test("SagaListRequest: cursor text, limit u16, then tag 1 status only when set")
    func listRequestLayout() throws {
        let any = Frame(requestId: 9, message: .sagaListRequest(SagaListRequest(cursor: "c", limit: 7)))
        #expect(FrameCodec.encode(any) == Bytes.frame(type: 0x50, requestId: 9, body: Bytes.body { $0.string("c").u16(7).noTags() }))
        let stuck = Frame(requestId: 9, message: .sagaListRequest(SagaListRequest(status: 5, limit: 7)))
        let bytes = FrameCodec.encode(stuck)
        #expect(bytes == Bytes.frame(type: 0x50, requestId: 9, body: Bytes.body { $0.string("").u16(7).u16(1).u16(1).u32(1).u8(5) }))
        #expect(try FrameCodec.decode(bytes) == stuck)
    }

    @Test("every saga status 1...5 decodes; 0 and 6 are invalid_field naming SagaListRequest.status")
    func statusRange() throws {
        for status in UInt8(0)...6 {
            let bytes = Bytes.frame(type: 0x50, body: Bytes.body { $0.string("").u16(1).u16(1).u16(1).u32(1).u8(status) })
            if (1...5).contains(status) {
                #expect(try FrameCodec.decode(bytes).message == .sagaListRequest(SagaListRequest(status: status, limit: 1)))
            } else {
                #expect(throws: WireError(.invalidField, "SagaListRequest.status: value \(status) outside 1...5")) {
                    try FrameCodec.decode(bytes)
                }
            }
        }
    }

    @Test("a SagaView with every field at its largest takes 310 bytes, so a page of 1000 and a cursor fit in 512 KiB")
    func largestView() {
        let view = SagaView(id: Self.longName, status: 5, stepCount: .max, createdAt: .max, updatedAt: .max,
                            deadline: .max, abortCause: 1, abortStep: .max)
        #expect(view.wireBytes.count == 310)
        let page = SagaListReply(sagas: Array(repeating: view, count: WireLimits.maxListItems),
                                 nextCursor: String(repeating: "c", count: WireLimits.maxMessageBytes))
        #expect(FrameCodec.encode(Frame(requestId: 1, message: .sagaListReply(page))).count <= WireLimits.minFrameBytes)
    }

    @Test("100 steps of the largest names take under 140 KiB, leaving most of the smallest frame to the history")
    func largestSteps() {
        let step = SagaStepView(index: 99, service: Self.longName, processor: Self.longName, eventId: Self.longName,
                                forward: Self.longName, compensation: Self.longName, forwardState: 3, compensationState: 6,
                                forwardUnknown: true, forwardExecutionId: .max, compensationExecutionId: .max)
        let saga = SagaView(id: Self.longName, status: 5, stepCount: 100, createdAt: 0, updatedAt: 0)
        let reply = SagaShowReply(saga: saga, steps: Array(repeating: step, count: 100), history: [], omittedEntries: .max)
        #expect(FrameCodec.encode(Frame(requestId: 1, message: .sagaShowReply(reply))).count < 140 * 1024)
    }

    @Test("SagaAbortRequest: an actor over 128 bytes is limit_exceeded naming SagaAbortRequest.actor")
    func actorLimit() throws {
        let ok = Frame(requestId: 3, message: .sagaAbortRequest(SagaAbortRequest(sagaId: "s", actor: String(repeating: "a", count: 128))))
        #expect(try FrameCodec.decode(FrameCodec.encode(ok)) == ok)
        let long = Bytes.frame(type: 0x54, body: Bytes.body {
            $0.string("s").u16(1).u16(1).u32(4 + 129).string(String(repeating: "a", count: 129))
        })
        #expect(throws: WireError(.limitExceeded, "SagaAbortRequest.actor: length 129 over limit 128")) {
            try FrameCodec.decode(long)
        }
    }

    @Test("a SagaAbortReply status outside 1...5 is invalid_field; the steps' states outside their ranges too")
    func replyRanges() throws {
        #expect(throws: WireError.self) { try FrameCodec.decode(Bytes.frame(type: 0x55, body: Bytes.body { $0.u8(0).noTags() })) }
        let forward = Bytes.frame(type: 0x53, body: Bytes.body { body in
            body.string("s").u8(1).u16(1).i64(0).i64(0).noTags()
            body.u32(1).u16(0).string("s").string("p").string("e").string("f").string("c").u8(4).u8(0).u8(0).noTags()
            body.u32(0).noTags()
        })
        #expect(throws: WireError(.invalidField, "SagaStepView.forwardState: value 4 outside 0...3")) {
            try FrameCodec.decode(forward)
        }
    }

    @Test("an older peer's view: unknown tags in SagaView and SagaStepView are skipped")
    func unknownTagsSkipped() throws {
        let bytes = Bytes.frame(type: 0x51, body: Bytes.body { body in
            body.u32(1).string("s").u8(2).u16(1).i64(5).i64(6)
            body.u16(2).u16(9).u32(1).u8(0xAA).u16(1).u32(8).i64(7)
            body.string("").noTags()
        })
        #expect(try FrameCodec.decode(bytes).message == .sagaListReply(SagaListReply(
            sagas: [SagaView(id: "s", status: 2, stepCount: 1, createdAt: 5, updatedAt: 6, deadline: 7)], nextCursor: "")))
    }
}
