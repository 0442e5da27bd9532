@testable import CompWire
import Testing

struct FieldTests {
    static func code(_ bytes: [UInt8]) -> ErrorCode? {
        do {
            _ = try FrameCodec.decode(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("invalid UTF-8 in any string field is invalid_utf8", arguments: [
        [0xC3, 0x28] as [UInt8],        // bad continuation
        [0x80],                         // lone continuation byte
        [0xC0, 0xAF],                   // overlong "/"
        [0xE2, 0x82],                   // truncated three-byte sequence
        [0xED, 0xA0, 0x80],             // UTF-16 surrogate
        [0xF4, 0x90, 0x80, 0x80],       // above U+10FFFF
        [0xFF],
        [0x61, 0x62, 0xFE],
        Array("abcdefgh".utf8) + [0xFF],                 // a whole ASCII word of 8, then a bad byte
        Array("abcdefghijklmnop".utf8) + [0xC3, 0x28],   // two ASCII words, then a bad sequence
        Array("abcdefg".utf8) + [0x80] + Array("abcdefgh".utf8),  // the bad byte inside the first word
    ])
    func invalidUTF8(sequence: [UInt8]) {
        let hello = Bytes.frame(type: 0x01, body: Bytes.body { $0.string("ok").lengthPrefixed(sequence).noTags() })
        #expect(Self.code(hello) == .invalidUTF8)
        let reply = Bytes.frame(type: 0x7F, body: Bytes.body { $0.u16(1).lengthPrefixed(sequence).noTags() })
        #expect(Self.code(reply) == .invalidUTF8)
        let filter = Bytes.frame(type: 0x30, body: Bytes.body {
            $0.u32(0).u16(1).u16(2).u32(UInt32(4 + sequence.count)).lengthPrefixed(sequence).i64(0).u16(1).noTags()
        })
        #expect(Self.code(filter) == .invalidUTF8)
    }

    @Test("valid multi-byte UTF-8 and NUL survive a round trip")
    func validUTF8() throws {
        let text = "a\u{0}é日😀" + "an ASCII run longer than a word, then é"
        let frame = Frame(requestId: 3, message: .hello(Hello(clientName: text, instance: "\u{10FFFF}")))
        #expect(try FrameCodec.decode(FrameCodec.encode(frame)) == frame)
    }

    @Test("a bool byte other than 0 or 1 is invalid_field", arguments: [2, 0x80, 0xFF] as [UInt8])
    func badBool(value: UInt8) throws {
        var bytes = FrameCodec.encode(Frame(requestId: 1, message: .listReply(ListReply(
            executions: [GoldenValues.executionParked], nextCursor: 0))))
        // ListReply: count (4) then ExecutionView: id (8), status, parkReason, recoverable, markedByOperator.
        let markedOffset = 12 + 4 + 8 + 3
        #expect(bytes[markedOffset] == 1)
        bytes[markedOffset] = value
        #expect(Self.code(bytes) == .invalidField)
    }

    @Test("enum bytes out of range are invalid_field")
    func badEnums() {
        let view = GoldenValues.executionParked.wireBytes
        // status 0 and 6, park reason 5, recoverable 3 inside an ExecutionView.
        for (offset, value) in [(8, 0), (8, 6), (9, 5), (10, 3)] as [(Int, UInt8)] {
            var bad = view
            bad[offset] = value
            let frame = Bytes.frame(type: 0x31, body: Bytes.body { $0.u32(1).raw(bad).i64(0).noTags() })
            #expect(Self.code(frame) == .invalidField, "offset \(offset) value \(value)")
        }
        let event = GoldenValues.entries.first { $0.name == "event" }?.frame ?? Frame(requestId: 0, message: .statsRequest(StatsRequest()))
        guard case .event(let value) = event.message else {
            Issue.record("the golden event vector is not an Event")
            return
        }
        var badStatus = FrameCodec.encode(event)
        let statusOffset = 12 + 24 + 4 + value.kind.utf8.count  // seq, at, executionId, kind
        #expect(badStatus[statusOffset] == value.status)
        badStatus[statusOffset] = 9
        #expect(Self.code(badStatus) == .invalidField)
        let mark = Bytes.frame(type: 0x34, body: Bytes.body { $0.u8(4).u8(3).u8(1).i64(1).noTags() })
        #expect(Self.code(mark) == .invalidField)
        let lease = Bytes.frame(type: 0x23, body: Bytes.body { $0.u8(4).i64(0).noTags() })
        #expect(Self.code(lease) == .invalidField)
        let counts = Bytes.frame(type: 0x37, body: Bytes.body { body in
            body.u32(1).u8(1).u8(7).u64(1).noTags().u32(0)
            for _ in 0..<8 { body.u64(0) }
            body.noTags()
        })
        #expect(Self.code(counts) == .invalidField)
    }

    @Test("unknown tags are skipped in every struct that has optional fields and in message bodies")
    func unknownTagsSkipped() throws {
        // Filter with tags 7 (errorCode) and unknown 200, in a ListRequest whose body has unknown tag 99
        // (tags 1 and 2 of ListRequest are sort and cursorKey since the console's fields).
        let list = Bytes.frame(type: 0x30, requestId: 4, body: Bytes.body {
            $0.u32(1).u8(3).u16(2).u16(200).u32(0).u16(7).u32(5).string("X")
            $0.i64(9).u16(20).u16(1).u16(99).u32(1).u8(0xEE)
        })
        let decoded = try FrameCodec.decode(list)
        #expect(decoded == Frame(requestId: 4, message: .listRequest(ListRequest(
            filter: Filter(statuses: [3], errorCode: "X"), cursor: 9, limit: 20))))
        // RetrySpecPatch inside applySpec with unknown tag 40 and known tag 1.
        let action = Bytes.frame(type: 0x34, requestId: 5, body: Bytes.body {
            $0.u8(5).u16(2).u16(40).u32(2).u16(0).u16(1).u32(4).u32(3)
            $0.u8(3).string("orders").noTags()
        })
        #expect(try FrameCodec.decode(action).message == .actionRequest(ActionRequest(
            action: .applySpec(RetrySpecPatch(maxRetries: 3)), target: .service("orders"))))
    }

    @Test("a known tag whose value is shorter or longer than its length, or repeated, is malformed_frame")
    func badKnownTags() {
        func history(_ tags: (Bytes) -> Void) -> [UInt8] {
            Bytes.frame(type: 0x33, body: Bytes.body { body in
                body.raw(GoldenValues.executionParked.wireBytes).u32(1)
                body.i64(1).i64(2).string("k").string("s")
                tags(body)
                body.noTags()
            })
        }
        #expect(Self.code(history { $0.u16(1).u16(1).u32(16).u128(7) }) == nil)
        #expect(Self.code(history { $0.u16(1).u16(1).u32(15).raw(Array(repeating: 0, count: 15)) }) == .malformedFrame)
        #expect(Self.code(history { $0.u16(1).u16(1).u32(17).u128(7).u8(0) }) == .malformedFrame)
        #expect(Self.code(history { $0.u16(2).u16(1).u32(16).u128(7).u16(1).u32(16).u128(8) }) == .malformedFrame)
        #expect(Self.code(history { $0.u16(3).u16(5).u32(0).u16(1).u32(16).u128(7).u16(5).u32(0) }) == .malformedFrame)
    }

    @Test("each struct's minimum encoded size is the size of its smallest value")
    func minimumSizes() {
        let error = ErrorDetails(code: "", message: "")
        let spec = RetrySpecFields(maxRetries: 0, minBackoffMs: 0, maxBackoffMs: 0, executionTimeoutMs: 0, jitterPermille: 0)
        let view = ExecutionView(
            id: 0, status: 1, parkReason: 0, recoverable: 0, markedByOperator: false, retries: 0, spec: spec,
            service: "", processor: "", function: "", eventId: "", correlationId: "", error: error,
            payloadBytes: 0, createdAt: 0, updatedAt: 0)
        let samples: [(any WireStruct, Int)] = [
            (Record(id: 0, kind: .failure, service: "", processor: "", function: "", eventId: "", occurredAt: 0), Record.minEncodedBytes),
            (RecordOutcome(status: .accepted), RecordOutcome.minEncodedBytes),
            (RetryCommand(executionId: 0, attempt: 0, leaseToken: 0, leaseDeadline: 0, service: "", processor: "",
                          function: "", eventId: "", correlationId: "", lastError: error, payload: []), RetryCommand.minEncodedBytes),
            (view, ExecutionView.minEncodedBytes),
            (HistoryEntry(seq: 0, at: 0, kind: "", summary: ""), HistoryEntry.minEncodedBytes),
            (ActionFailure(executionId: 0, code: 0, message: ""), ActionFailure.minEncodedBytes),
            (StatusCount(status: 1, parkReason: 0, count: 0), StatusCount.minEncodedBytes),
            (ServiceStats(service: "", paused: false, inFlight: 0, waitingFetches: 0), ServiceStats.minEncodedBytes),
            (error, ErrorDetails.minEncodedBytes),
            (spec, RetrySpecFields.minEncodedBytes),
            (RetrySpecPatch(), RetrySpecPatch.minEncodedBytes),
            (LeaseRef(executionId: 0, token: 0), LeaseRef.minEncodedBytes),
            (Filter(), Filter.minEncodedBytes),
            (ShowReply(execution: view, history: []), ShowReply.minEncodedBytes),
            (ActionRequest(action: .pause, target: .service("")), ActionRequest.minEncodedBytes),
            (Event(seq: 0, at: 0, executionId: 0, kind: "", status: 1, parkReason: 0, retries: 0, service: "",
                   processor: "", function: "", eventId: "", correlationId: "", errorCode: "", errorMessage: ""),
             Event.minEncodedBytes),
            (StatsReply(counts: [], services: [], recordsAccepted: 0, recordsDuplicate: 0, recordsStale: 0,
                        recordsRejected: 0, successesNotHeld: 0, commandsDispatched: 0, leasesExpired: 0, uptimeMs: 0),
             StatsReply.minEncodedBytes),
        ]
        for (value, minimum) in samples {
            #expect(value.wireBytes.count == minimum, "\(type(of: value))")
        }
    }
}
