import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// Malformed input gets an error reply with a stable code, and compd keeps serving.
@Suite(.serialized)
struct BadInputTests {
    private func errorCode(of reply: [UInt8]) throws -> ErrorCode? {
        let frame = try FrameCodec.decode(reply)
        guard case .error(let error) = frame.message else { return nil }
        return ErrorCode(rawValue: error.code)
    }

    @Test("malformed frames from a raw socket get error replies and the broker keeps serving")
    func malformedFrames() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let raw = try broker.connect(timeoutMilliseconds: 3000)

        // Garbage shorter than a header.
        #expect(try errorCode(of: raw.requestRaw([1, 2, 3])) == .malformedFrame)
        // A length prefix that disagrees with the bytes.
        var good = FrameCodec.encode(Frame(requestId: 9, message: .heartbeat(Heartbeat(sentAt: 1))))
        var wrongLength = good
        wrongLength[3] &+= 1
        #expect(try errorCode(of: raw.requestRaw(wrongLength)) == .lengthMismatch)
        // An unknown version and an unknown message type.
        var badVersion = good
        badVersion[4] = 99
        #expect(try errorCode(of: raw.requestRaw(badVersion)) == .unsupportedVersion)
        var badType = good
        badType[5] = 0x6E
        #expect(try errorCode(of: raw.requestRaw(badType)) == .unknownMessageType)
        // A reply type sent as a request.
        let notARequest = FrameCodec.encode(Frame(requestId: 3, message: .ack(Ack(outcomes: []))))
        #expect(try errorCode(of: raw.requestRaw(notARequest)) == .unexpectedMessage)
        // The error reply echoes the request id.
        good[8...11] = [0, 0, 0, 42]
        var echoed = good
        echoed[4] = 99
        #expect(try FrameCodec.decode(raw.requestRaw(echoed)).requestId == 42)

        // Records that break the rules are rejected one by one; the good one in the batch is accepted.
        var emptyService = failureRecord(eventId: "bad-1")
        emptyService.service = ""
        var noError = failureRecord(eventId: "bad-2")
        noError.error = nil
        let badSpec = failureRecord(eventId: "bad-3", spec: RetrySpecPatch(jitterPermille: 5000))
        let outcomes = try broker.reporter().send([emptyService, noError, badSpec, failureRecord(eventId: "ok-1")])
        #expect(outcomes.map(\.status) == [.rejected, .rejected, .rejected, .accepted])
        #expect(outcomes.prefix(3).map(\.code) == [
            ErrorCode.invalidRecord.rawValue, ErrorCode.invalidRecord.rawValue, ErrorCode.invalidRetrySpec.rawValue,
        ])

        // Still serving.
        #expect(try broker.admin().stats().recordsAccepted == 1)
    }

    @Test("a frame over the size limit is dropped and other clients are still served")
    func oversizedFrame() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--max-frame-bytes", "524288"])
        try broker.start()
        let big = try broker.connect(timeoutMilliseconds: 500)
        // One frame past the limit, sent raw: a Reporter would split these records into batches that fit.
        let payload = [UInt8](repeating: 1, count: 200_000)
        let frame = FrameCodec.encode(Frame(requestId: 5, message: .recordBatch(RecordBatch(
            records: (0..<3).map { failureRecord(eventId: "big-\($0)", payload: payload) }))))
        #expect(frame.count > 524_288)
        #expect(throws: ClientError.self) { _ = try big.requestRaw(frame) }
        #expect(try broker.reporter().send([failureRecord(eventId: "small")]).first?.status == .accepted)
    }
}
