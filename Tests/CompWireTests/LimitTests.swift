@testable import CompWire
import Testing

struct LimitTests {
    static func code(_ bytes: [UInt8]) -> ErrorCode? {
        do {
            _ = try FrameCodec.decode(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    static func hello(clientName: [UInt8]) -> [UInt8] {
        Bytes.frame(type: 0x01, body: Bytes.body { $0.lengthPrefixed(clientName).string("").noTags() })
    }

    @Test("name strings of 0, 1 and maxNameBytes bytes decode; maxNameBytes + 1 is limit_exceeded")
    func nameLengths() throws {
        for length in [0, 1, WireLimits.maxNameBytes] {
            let name = String(repeating: "n", count: length)
            let frame = try FrameCodec.decode(Self.hello(clientName: Array(name.utf8)))
            #expect(frame.message == .hello(Hello(clientName: name)))
        }
        let twoByte = String(repeating: "é", count: WireLimits.maxNameBytes / 2)
        #expect(try FrameCodec.decode(Self.hello(clientName: Array(twoByte.utf8))).message == .hello(Hello(clientName: twoByte)))
        #expect(Self.code(Self.hello(clientName: Array(repeating: 0x6e, count: WireLimits.maxNameBytes + 1))) == .limitExceeded)
        #expect(Self.code(Self.hello(clientName: Array((twoByte + "x").utf8))) == .limitExceeded)
    }

    @Test("message strings of 0, 1 and maxMessageBytes bytes decode; maxMessageBytes + 1 is limit_exceeded")
    func messageLengths() throws {
        func reply(_ length: Int) -> [UInt8] {
            Bytes.frame(type: 0x7F, body: Bytes.body { $0.u16(43).string(String(repeating: "m", count: length)).noTags() })
        }
        for length in [0, 1, WireLimits.maxMessageBytes] {
            let frame = try FrameCodec.decode(reply(length))
            #expect(frame.message == .error(ErrorReply(code: 43, message: String(repeating: "m", count: length))))
        }
        #expect(Self.code(reply(WireLimits.maxMessageBytes + 1)) == .limitExceeded)
    }

    @Test("error detail of maxDetailBytes decodes; one byte more is limit_exceeded")
    func detailLengths() throws {
        func batch(_ length: Int) -> Frame {
            let error = ErrorDetails(code: "c", message: "m", detail: String(repeating: "d", count: length))
            return Frame(requestId: 1, message: .recordBatch(RecordBatch(records: [
                Record(id: 1, kind: .failure, service: "s", processor: "p", function: "f", eventId: "e", occurredAt: 0, error: error),
            ])))
        }
        for length in [0, 1, WireLimits.maxDetailBytes] {
            #expect(try FrameCodec.decode(FrameCodec.encode(batch(length))) == batch(length))
        }
        #expect(Self.code(FrameCodec.encode(batch(WireLimits.maxDetailBytes + 1))) == .limitExceeded)
    }

    @Test("payload of maxPayloadBytes decodes; one byte more is limit_exceeded")
    func payloadLengths() throws {
        func batch(_ length: Int) -> Frame {
            Frame(requestId: 1, message: .recordBatch(RecordBatch(records: [
                Record(id: 1, kind: .failure, service: "s", processor: "p", function: "f", eventId: "e", occurredAt: 0,
                       payload: Array(repeating: 0xAB, count: length)),
            ])))
        }
        for length in [0, 1, WireLimits.maxPayloadBytes] {
            #expect(try FrameCodec.decode(FrameCodec.encode(batch(length))) == batch(length))
        }
        #expect(Self.code(FrameCodec.encode(batch(WireLimits.maxPayloadBytes + 1))) == .limitExceeded)
        let command = RetryCommand(
            executionId: 1, attempt: 1, leaseToken: 1, leaseDeadline: 0, service: "", processor: "", function: "",
            eventId: "", correlationId: "", lastError: ErrorDetails(code: "", message: ""),
            payload: Array(repeating: 1, count: WireLimits.maxPayloadBytes + 1))
        #expect(Self.code(FrameCodec.encode(Frame(requestId: 1, message: .commands(Commands(commands: [command]))))) == .limitExceeded)
    }

    @Test("a string declaring 0xFFFFFFFF bytes is limit_exceeded; one within the limit but past the end is malformed_frame")
    func hostileStringLengths() {
        let huge = Bytes.frame(type: 0x01, body: Bytes.body { $0.u32(0xFFFF_FFFF).raw([1, 2, 3]) })
        #expect(Self.code(huge) == .limitExceeded)
        let short = Bytes.frame(type: 0x01, body: Bytes.body { $0.u32(200).raw([0x61, 0x62, 0x63]) })
        #expect(Self.code(short) == .malformedFrame)
    }

    /// A frame of `type` whose body is `before`, then a count, then nothing but an empty tagged section.
    static func counted(type: UInt8, before: [UInt8] = [], count: UInt32) -> [UInt8] {
        Bytes.frame(type: type, body: Bytes.body { $0.raw(before).u32(count).noTags() })
    }

    static let execution = GoldenValues.executionParked.wireBytes

    /// Every counted array: message type, the body bytes before its count, and its limit.
    static let arrays: [(name: String, type: UInt8, before: [UInt8], limit: Int)] = [
        ("RecordBatch.records", 0x10, [], WireLimits.maxBatchRecords),
        ("Ack.outcomes", 0x11, [], WireLimits.maxBatchRecords),
        ("Commands.commands", 0x21, [], WireLimits.maxCommands),
        ("Filter.statuses", 0x30, [], WireLimits.maxSmallList),
        ("ListReply.executions", 0x31, [], WireLimits.maxListItems),
        ("ShowReply.history", 0x33, execution, WireLimits.maxHistoryEntries),
        ("ActionReply.failures", 0x35, Array(repeating: 0, count: 8), WireLimits.maxSmallList),
        ("StatsReply.counts", 0x37, [], WireLimits.maxSmallList),
        ("StatsReply.services", 0x37, [0, 0, 0, 0], WireLimits.maxSmallList),
        ("ActionRequest filter statuses", 0x34, [1, 2], WireLimits.maxSmallList),
    ]

    @Test("a count of 0xFFFFFFFF or limit + 1 is limit_exceeded, and a count within the limit that cannot fit is malformed_frame, for every array",
          .timeLimit(.minutes(1)))
    func hostileCounts() {
        for array in Self.arrays {
            #expect(Self.code(Self.counted(type: array.type, before: array.before, count: 0xFFFF_FFFF)) == .limitExceeded, "\(array.name)")
            #expect(Self.code(Self.counted(type: array.type, before: array.before, count: UInt32(array.limit + 1))) == .limitExceeded, "\(array.name)")
            #expect(Self.code(Self.counted(type: array.type, before: array.before, count: UInt32(array.limit))) == .malformedFrame, "\(array.name)")
        }
    }

    @Test("a batch of exactly maxBatchRecords records round-trips, and Ack with as many outcomes")
    func fullBatch() throws {
        let records: [Record] = (0..<WireLimits.maxBatchRecords).map { (index: Int) -> Record in
            let failed = index % 2 == 0
            var record = Record(
                id: UInt128(index), kind: failed ? .failure : .success, service: "orders",
                processor: "order-events", function: "chargeCard", eventId: "evt-\(index)", occurredAt: Int64(index),
                correlationId: "order-\(index)")
            if failed {
                record.error = ErrorDetails(code: "HTTP_503", message: "unavailable")
                record.payload = Array(repeating: UInt8(truncatingIfNeeded: index), count: 64)
            }
            return record
        }
        let frame = Frame(requestId: 9, message: .recordBatch(RecordBatch(records: records)))
        let bytes = FrameCodec.encode(frame)
        #expect(bytes.count < WireLimits.maxFrameBytes)
        #expect(try FrameCodec.decode(bytes) == frame)
        let ack = Frame(requestId: 9, message: .ack(Ack(outcomes: records.map { _ in RecordOutcome(status: .accepted, executionId: 1) })))
        #expect(try FrameCodec.decode(FrameCodec.encode(ack)) == ack)
    }

    /// A Hello whose tagged section holds one unknown tag of `valueBytes` bytes: 28 + valueBytes in all.
    static func helloWithFiller(_ valueBytes: Int) -> [UInt8] {
        Bytes.frame(type: 0x01, body: Bytes.body {
            $0.string("").string("").u16(1).u16(999).u32(UInt32(valueBytes)).raw(Array(repeating: 0, count: valueBytes))
        })
    }

    @Test("a frame of exactly maxFrameBytes decodes; maxFrameBytes + 1 is frame_too_large, declared or received")
    func frameSizes() throws {
        let exact = Self.helloWithFiller(WireLimits.maxFrameBytes - 28)
        #expect(exact.count == WireLimits.maxFrameBytes)
        #expect(try FrameCodec.decode(exact).message == .hello(Hello(clientName: "")))
        let over = Self.helloWithFiller(WireLimits.maxFrameBytes - 27)
        #expect(Self.code(over) == .frameTooLarge)
        // Declared too large, with only a header present.
        var declared = Bytes.frame(type: 0x03, body: [])
        declared[0] = 0x00; declared[1] = 0x3F; declared[2] = 0xFF; declared[3] = 0xFD
        #expect(Self.code(declared) == .frameTooLarge)
        declared[3] = 0xFC  // 4 MiB - 4 after the prefix: allowed size, so now a plain mismatch
        #expect(Self.code(declared) == .lengthMismatch)
        #expect(Self.code([0xFF, 0xFF, 0xFF, 0xFF]) == .frameTooLarge)
    }

    @Test("with a receiver's own limit, a frame of exactly that limit decodes and one byte more is frame_too_large, declared or received",
          arguments: [WireLimits.minFrameBytes, 1024 * 1024, WireLimits.maxFrameBytes])
    func receiverLimit(limit: Int) throws {
        let exact = Self.helloWithFiller(limit - 28)
        #expect(exact.count == limit)
        #expect(try FrameCodec.decode(exact, maxFrameBytes: limit).message == .hello(Hello(clientName: "")))
        let over = Self.helloWithFiller(limit - 27)
        #expect(Self.code(over, limit: limit) == .frameTooLarge)
        #expect(Self.code(Array(over.prefix(12)), limit: limit) == .frameTooLarge)  // declared only
        // Above the protocol's ceiling a receiver's limit counts as the ceiling.
        #expect(Self.code(Self.helloWithFiller(WireLimits.maxFrameBytes - 27), limit: .max) == .frameTooLarge)
    }

    static func code(_ bytes: [UInt8], limit: Int) -> ErrorCode? {
        do {
            _ = try FrameCodec.decode(bytes, maxFrameBytes: limit)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("a tagged section of maxTaggedFields unknown tags is skipped; one more is limit_exceeded")
    func taggedFieldCount() throws {
        func heartbeat(tags: Int) -> [UInt8] {
            Bytes.frame(type: 0x03, body: Bytes.body { body in
                body.i64(5).u16(UInt16(tags))
                for tag in 0..<tags { body.u16(UInt16(100 + tag)).u32(1).u8(0) }
            })
        }
        #expect(try FrameCodec.decode(heartbeat(tags: WireLimits.maxTaggedFields)).message == .heartbeat(Heartbeat(sentAt: 5)))
        #expect(Self.code(heartbeat(tags: WireLimits.maxTaggedFields + 1)) == .limitExceeded)
        let claim = Bytes.frame(type: 0x03, body: Bytes.body { $0.i64(5).u16(0xFFFF) })
        #expect(Self.code(claim) == .limitExceeded)
        let cannotFit = Bytes.frame(type: 0x03, body: Bytes.body { $0.i64(5).u16(3).u16(1).u32(0) })
        #expect(Self.code(cannotFit) == .malformedFrame)
    }
}
