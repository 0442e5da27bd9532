import CompWire
import Testing

struct TruncationTests {
    static let names = ["record_batch_failure", "commands", "list_reply", "show_reply", "action_request_apply_spec", "stats_reply", "event"]

    static func frameBytes(_ name: String) throws -> [UInt8] {
        let entry = try #require(GoldenValues.entries.first { $0.name == name })
        return FrameCodec.encode(entry.frame)
    }

    static func code(_ bytes: [UInt8]) -> ErrorCode? {
        do {
            _ = try FrameCodec.decode(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("a frame cut at any byte is refused: malformed_frame before the header ends, length_mismatch after",
          arguments: names)
    func cutFrame(name: String) throws {
        let bytes = try Self.frameBytes(name)
        for cut in 0..<bytes.count {
            let expected: ErrorCode = cut < 12 ? .malformedFrame : .lengthMismatch
            #expect(Self.code(Array(bytes.prefix(cut))) == expected, "cut at \(cut)")
        }
    }

    @Test("a frame cut at any byte with its length prefix fixed up is refused as malformed_frame",
          arguments: names)
    func cutBody(name: String) throws {
        let bytes = try Self.frameBytes(name)
        for cut in 12..<bytes.count {
            var truncated = Array(bytes.prefix(cut))
            let length = UInt32(cut - 4)
            truncated[0] = UInt8(length >> 24)
            truncated[1] = UInt8(truncatingIfNeeded: length >> 16)
            truncated[2] = UInt8(truncatingIfNeeded: length >> 8)
            truncated[3] = UInt8(truncatingIfNeeded: length)
            #expect(Self.code(truncated) == .malformedFrame, "cut at \(cut)")
        }
    }

    @Test("peekHeader still reads the request id of a frame whose body is cut")
    func peekCutFrame() throws {
        let bytes = try Self.frameBytes("record_batch_failure")
        let header = try #require(FrameCodec.peekHeader(bytes.prefix(12)))
        #expect(header.version == 1)
        #expect(header.type == 0x10)
        #expect(header.flags == 0)
        #expect(header.requestId == 10)
        #expect(FrameCodec.peekHeader(bytes.prefix(11)) == nil)
    }
}
