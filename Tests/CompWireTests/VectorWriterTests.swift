import CompWire
import Foundation
import Testing

/// Regenerates `proto-spec/vectors/` from `GoldenValues` and `VectorCatalog`.
///
/// Runs only when asked: `COMPWIRE_WRITE_VECTORS=1 swift test --filter VectorWriterTests`.
/// The files are committed; the other tests read them and never write.
struct VectorWriterTests {
    @Test("writes every vector file", .enabled(if: ProcessInfo.processInfo.environment["COMPWIRE_WRITE_VECTORS"] == "1"))
    func writeVectors() throws {
        let manager = FileManager.default
        for folder in [VectorFiles.directory, VectorFiles.invalidDirectory, VectorFiles.compatDirectory] {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        for entry in GoldenValues.entries {
            try write(VectorFiles.render(comments: [entry.description], bytes: FrameCodec.encode(entry.frame)),
                      to: VectorFiles.directory, name: entry.name)
        }
        for vector in VectorCatalog.compat {
            let canonical = VectorFiles.hex(FrameCodec.encode(vector.expected))
            try write(VectorFiles.render(comments: [vector.description, "canonical: \(canonical)"], bytes: vector.bytes),
                      to: VectorFiles.compatDirectory, name: vector.name)
        }
        for vector in VectorCatalog.invalid {
            var comments = [vector.description, "error: \(vector.code) (\(vector.code.rawValue))"]
            if let field = vector.field { comments.append("field: \(field)") }
            try write(VectorFiles.render(comments: comments, bytes: vector.bytes),
                      to: VectorFiles.invalidDirectory, name: vector.name)
        }
    }

    private func write(_ text: String, to folder: URL, name: String) throws {
        try text.write(to: folder.appendingPathComponent(name + ".hex"), atomically: true, encoding: .utf8)
    }
}
