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
        do {
            _ = try FrameCodec.decode(vector.bytes)
        } catch {
            #expect(error.code == code, "\(error)")
        }
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
