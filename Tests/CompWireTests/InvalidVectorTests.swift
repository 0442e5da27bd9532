import CompWire
import Foundation
import Testing

struct InvalidVectorTests {
    @Test("every invalid vector is refused with the error code its file names",
          arguments: VectorCatalog.invalid.map(\.name))
    func invalidVector(name: String) throws {
        let catalog = try #require(VectorCatalog.invalid.first { $0.name == name })
        let vector = try VectorFiles.read(VectorFiles.invalidDirectory.appendingPathComponent(name + ".hex"))
        #expect(vector.bytes == catalog.bytes)
        let expected = try #require(vector.expectedError)
        let code = try #require(ErrorCode(rawValue: expected.number))
        #expect(code.description == expected.name)
        #expect(code == catalog.code)
        #expect(throws: WireError.self) { try FrameCodec.decode(vector.bytes) }
        #expect(vector.expectedField == catalog.field)
        do {
            _ = try FrameCodec.decode(vector.bytes)
        } catch {
            #expect(error.code == code, "\(error)")
            if let field = vector.expectedField {
                #expect(error.message.hasPrefix(field + ": "), "\(error)")
            }
        }
    }

    @Test("every limit_exceeded vector names the field in its file, and the decoder's message begins with it")
    func limitVectorsNameTheirField() {
        for vector in VectorCatalog.invalid where vector.code == .limitExceeded {
            #expect(vector.field != nil, "\(vector.name)")
        }
    }

    @Test("the ErrorReply vector for text_over_limit carries exactly the code and message the decoder produces")
    func errorReplyForTextOverLimit() throws {
        let invalid = try VectorFiles.read(VectorFiles.invalidDirectory.appendingPathComponent("text_over_limit.hex"))
        let reply = try VectorFiles.read(VectorFiles.directory.appendingPathComponent("error_reply_limit_exceeded.hex"))
        var caught: WireError?
        do {
            _ = try FrameCodec.decode(invalid.bytes)
        } catch {
            caught = error
        }
        let error = try #require(caught)
        let requestId = try #require(FrameCodec.peekHeader(invalid.bytes)).requestId
        #expect(FrameCodec.errorFrame(requestId: requestId, error: error) == reply.bytes)
    }

    @Test("the invalid vectors cover every frame-level error code a decoder can produce")
    func codesCovered() {
        let covered = Set(VectorCatalog.invalid.map(\.code))
        let frameCodes: Set<ErrorCode> = [
            .malformedFrame, .frameTooLarge, .unsupportedVersion, .unknownMessageType, .lengthMismatch,
            .limitExceeded, .invalidUTF8, .invalidField,
        ]
        #expect(covered == frameCodes)
    }
}
