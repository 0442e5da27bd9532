@testable import CompWire
import Testing

/// The smallest frame limit a broker may advertise holds the largest single record and command.
struct MinFrameTests {
    /// A string of exactly `bytes` UTF-8 bytes, with four-byte characters where they fit.
    static func text(bytes: Int) -> String {
        String(repeating: "😀", count: bytes / 4) + String(repeating: "x", count: bytes % 4)
    }

    static let name = text(bytes: WireLimits.maxNameBytes)

    static let largestError = ErrorDetails(
        code: name, message: text(bytes: WireLimits.maxMessageBytes), detail: text(bytes: WireLimits.maxDetailBytes))

    /// One record with every field, fixed and optional, at its largest encoding.
    static let largestRecord = Record(
        id: .max, kind: .failure, service: name, processor: name, function: name, eventId: name,
        occurredAt: .max, correlationId: name, error: largestError, recoverable: 2,
        retrySpec: RetrySpecPatch(
            maxRetries: .max, minBackoffMs: .max, maxBackoffMs: .max, executionTimeoutMs: .max,
            jitterPermille: 1000, deadline: .max),
        payload: Array(repeating: 0xFF, count: WireLimits.maxPayloadBytes),
        lease: LeaseRef(executionId: .max, token: .max))

    /// One command with the largest payload, names and last error.
    static let largestCommand = RetryCommand(
        executionId: .max, attempt: .max, leaseToken: .max, leaseDeadline: .max, service: name, processor: name,
        function: name, eventId: name, correlationId: name, lastError: largestError,
        payload: Array(repeating: 0xFF, count: WireLimits.maxPayloadBytes))

    @Test("a RecordBatch of the largest possible record fits in minFrameBytes and decodes")
    func largestRecordFits() throws {
        let frame = Frame(requestId: .max, message: .recordBatch(RecordBatch(records: [Self.largestRecord])))
        let bytes = FrameCodec.encode(frame)
        #expect(bytes.count <= WireLimits.minFrameBytes, "\(bytes.count) bytes")
        #expect(bytes.count < 290_000, "PROTOCOL.md section 7 says under 290 000 bytes")
        #expect(try FrameCodec.decode(bytes) == frame)
    }

    @Test("a Commands reply of the largest possible command fits in minFrameBytes and decodes")
    func largestCommandFits() throws {
        let frame = Frame(requestId: .max, message: .commands(Commands(commands: [Self.largestCommand])))
        let bytes = FrameCodec.encode(frame)
        #expect(bytes.count <= WireLimits.minFrameBytes, "\(bytes.count) bytes")
        #expect(bytes.count < 290_000, "PROTOCOL.md section 7 says under 290 000 bytes")
        #expect(try FrameCodec.decode(bytes) == frame)
    }

    @Test("minFrameBytes lies between the largest single item and the protocol ceiling")
    func ordering() {
        #expect(WireLimits.minFrameBytes == 512 * 1024)
        #expect(WireLimits.minFrameBytes <= WireLimits.maxFrameBytes)
        #expect(WireLimits.maxPayloadBytes + WireLimits.maxDetailBytes < WireLimits.minFrameBytes)
    }
}
