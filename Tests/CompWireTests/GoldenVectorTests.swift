import CompWire
import Foundation
import Testing

struct GoldenVectorTests {
    @Test("every golden vector decodes to its expected value and re-encodes byte for byte",
          arguments: GoldenValues.entries.map(\.name))
    func goldenVector(name: String) throws {
        let entry = try #require(GoldenValues.entries.first { $0.name == name })
        let vector = try VectorFiles.read(VectorFiles.directory.appendingPathComponent(name + ".hex"))
        #expect(vector.description == entry.description)
        let decoded = try FrameCodec.decode(vector.bytes)
        #expect(decoded == entry.frame)
        #expect(FrameCodec.encode(decoded) == vector.bytes)
        #expect(FrameCodec.encode(entry.frame) == vector.bytes)
    }

    @Test("every message type has at least one golden vector")
    func everyTypeCovered() throws {
        let covered = Set(GoldenValues.entries.map(\.frame.message.type))
        #expect(covered == Set(MessageType.allCases))
        for entry in GoldenValues.entries {
            let vector = try VectorFiles.read(VectorFiles.directory.appendingPathComponent(entry.name + ".hex"))
            #expect(vector.bytes[5] == entry.frame.message.type.rawValue)
        }
    }

    @Test("every vector file on disk has an expected value in the tests")
    func noOrphanFiles() throws {
        let names = try VectorFiles.vectors(in: VectorFiles.directory).map(\.name)
        #expect(Set(names) == Set(GoldenValues.entries.map(\.name) + AuthVectors.signed.map(\.name)))
        let compat = try VectorFiles.vectors(in: VectorFiles.compatDirectory).map(\.name)
        #expect(Set(compat) == Set(VectorCatalog.compat.map(\.name)))
        let invalid = try VectorFiles.vectors(in: VectorFiles.invalidDirectory).map(\.name)
        #expect(Set(invalid) == Set(VectorCatalog.invalid.map(\.name) + AuthVectors.refused.map(\.name)))
    }

    @Test("compat vectors decode to their value and re-encode to the canonical form in their comment",
          arguments: VectorCatalog.compat.map(\.name))
    func compatVector(name: String) throws {
        let expected = try #require(VectorCatalog.compat.first { $0.name == name })
        let vector = try VectorFiles.read(VectorFiles.compatDirectory.appendingPathComponent(name + ".hex"))
        #expect(vector.bytes == expected.bytes)
        let decoded = try FrameCodec.decode(vector.bytes)
        #expect(decoded == expected.expected)
        let canonicalLine = try #require(vector.comments.first { $0.hasPrefix("canonical: ") })
        let canonical = VectorFiles.hex(FrameCodec.encode(decoded))
        #expect(canonicalLine == "canonical: \(canonical)")
        #expect(FrameCodec.encode(decoded) != vector.bytes)
    }
}
