import Foundation

/// Finds, reads and writes the hex vector files in `proto-spec/vectors/`.
enum VectorFiles {
    /// `proto-spec/vectors`, found by walking up from this file to the package root.
    static let directory: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.appendingPathComponent("proto-spec/vectors")
            }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent/proto-spec/vectors")
    }()

    /// The sub-folder of `directory` holding vectors the decoder must refuse.
    static var invalidDirectory: URL { directory.appendingPathComponent("invalid") }

    /// The sub-folder of `directory` holding vectors that decode but are not in canonical form.
    static var compatDirectory: URL { directory.appendingPathComponent("compat") }

    /// One parsed vector file.
    struct Vector {
        var name: String
        var comments: [String]
        var bytes: [UInt8]

        /// The first comment line.
        var description: String { comments.first ?? "" }

        /// The code named by a `# error: <name> (<number>)` line, if any.
        var expectedError: (name: String, number: UInt16)? {
            for line in comments where line.hasPrefix("error:") {
                let parts = line.dropFirst("error:".count).split(separator: " ")
                guard parts.count == 2, let number = UInt16(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "()")))
                else { return nil }
                return (String(parts[0]), number)
            }
            return nil
        }

        /// The field named by a `# field: <name>` line, if any.
        var expectedField: String? {
            comments.first { $0.hasPrefix("field: ") }.map { String($0.dropFirst("field: ".count)) }
        }
    }

    /// The `.hex` files directly inside `folder`, sorted by name.
    static func vectors(in folder: URL) throws -> [Vector] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".hex") }
            .sorted()
        return try names.map { name in
            try read(folder.appendingPathComponent(name))
        }
    }

    /// Reads one vector: `#` lines are comments, every other character must be hex or whitespace.
    static func read(_ url: URL) throws -> Vector {
        let text = try String(contentsOf: url, encoding: .utf8)
        var comments: [String] = []
        var digits: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") {
                comments.append(trimmed.dropFirst().trimmingCharacters(in: .whitespaces))
                continue
            }
            for scalar in trimmed.unicodeScalars where !CharacterSet.whitespaces.contains(scalar) {
                guard let value = UInt8(String(scalar), radix: 16) else {
                    throw VectorFileError(file: url.lastPathComponent, problem: "not hex: \(scalar)")
                }
                digits.append(value)
            }
        }
        guard digits.count % 2 == 0 else {
            throw VectorFileError(file: url.lastPathComponent, problem: "odd number of hex digits")
        }
        let bytes = stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
        return Vector(name: String(url.lastPathComponent.dropLast(".hex".count)), comments: comments, bytes: bytes)
    }

    /// The text of a vector file: comment lines, then the frame's prefix and header on one line,
    /// then the body 16 bytes a line.
    static func render(comments: [String], bytes: [UInt8]) -> String {
        var lines = comments.map { "# \($0)" }
        let head = bytes.prefix(12)
        if !head.isEmpty { lines.append(hex(head)) }
        var index = head.count
        while index < bytes.count {
            let end = min(index + 16, bytes.count)
            lines.append(hex(bytes[index..<end]))
            index = end
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Lower-case hex, bytes separated by spaces.
    static func hex(_ bytes: some Collection<UInt8>) -> String {
        bytes.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined(separator: " ")
    }
}

/// A vector file that cannot be parsed.
struct VectorFileError: Error, CustomStringConvertible {
    var file: String
    var problem: String
    var description: String { "\(file): \(problem)" }
}
