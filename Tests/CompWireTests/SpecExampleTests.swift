import CompWire
import Foundation
import Testing

/// The examples in PROTOCOL.md are the vectors: each hex example is read out of the document and
/// compared byte for byte with the vector file it names.
struct SpecExampleTests {
    /// One example: the vector its caption names and the bytes its code block spells.
    struct Example {
        var vector: String
        var bytes: [UInt8]
    }

    static var specURL: URL { VectorFiles.directory.deletingLastPathComponent().appendingPathComponent("PROTOCOL.md") }

    static func spec() throws -> String { try String(contentsOf: specURL, encoding: .utf8) }

    /// The bytes one example line spells: leading two-digit hex tokens and "quoted" strings, up to the
    /// first other word (the comment).
    static func bytes(ofLine line: Substring) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = line.drop { $0 == " " }
        while let first = rest.first {
            if first == "\"" {
                let body = rest.dropFirst()
                guard let close = body.firstIndex(of: "\"") else { break }
                bytes += Array(body[..<close].utf8)
                rest = body[body.index(after: close)...]
            } else {
                let token = rest.prefix { $0 != " " }
                guard token.count == 2, let byte = UInt8(token, radix: 16) else { break }
                bytes.append(byte)
                rest = rest.dropFirst(2)
            }
            rest = rest.drop { $0 == " " }
        }
        return bytes
    }

    /// Every code block of section 12, with the first vector named in the text before it.
    static func examples() throws -> [Example] {
        let text = try spec()
        let section = try #require(text.range(of: "## 12. Worked examples")).upperBound
        let lines = text[section...].split(separator: "\n", omittingEmptySubsequences: false)
        var examples: [Example] = []
        var caption = ""
        var block: [UInt8]?
        for line in lines {
            if line.hasPrefix("```") {
                if let bytes = block {
                    let name = try #require(caption.firstMatch(of: /`vectors\/([a-z_\/]+)\.hex`/)?.1, "caption: \(caption)")
                    examples.append(Example(vector: String(name), bytes: bytes))
                    block = nil
                    caption = ""
                } else {
                    block = []
                }
            } else if block != nil {
                block? += bytes(ofLine: line)
            } else {
                caption += line + " "  // the text since the previous block: its first vector name counts
            }
        }
        return examples
    }

    @Test("every worked example in PROTOCOL.md spells exactly the bytes of the vector it names")
    func examplesMatchVectors() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 8)
        for example in examples {
            let vector = try VectorFiles.read(VectorFiles.directory.appendingPathComponent(example.vector + ".hex"))
            #expect(example.bytes == vector.bytes, "\(example.vector): the example differs from the vector")
            #expect(throws: Never.self, "\(example.vector)") { _ = try FrameCodec.decode(example.bytes) }
        }
    }

    @Test("every vector PROTOCOL.md names exists")
    func namedVectorsExist() throws {
        let text = try Self.spec()
        let names = text.matches(of: /vectors\/([a-z_]+(?:\/[a-z_]+)?)\.hex/).map { String($0.1) }
        #expect(!names.isEmpty)
        for name in Set(names) {
            let path = VectorFiles.directory.appendingPathComponent(name + ".hex").path
            #expect(FileManager.default.fileExists(atPath: path), "\(name).hex")
        }
    }

    @Test("the example parser reads hex and quoted strings and stops at the comment")
    func lineParser() {
        #expect(Self.bytes(ofLine: "00 00 00 0b \"orders\"   service (6) be") == [0, 0, 0, 0x0b] + Array("orders".utf8))
        #expect(Self.bytes(ofLine: "   00 2a   executionId 42") == [0x00, 0x2a])
        #expect(Self.bytes(ofLine: "length 18") == [])
    }
}
