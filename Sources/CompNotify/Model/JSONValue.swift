import Foundation

/// A JSON value to build bodies from; encoded with `JSONEncoder` (`.sortedKeys`, slashes unescaped), so the
/// same notification always gives the same bytes.
indirect enum JSONValue: Encodable, Equatable, Sendable {
    case string(String)
    case int(Int64)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    /// A string, or null.
    static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .int(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(item) }
        case .object(let fields):
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in fields { try container.encode(value, forKey: Key(stringValue: key)) }
        }
    }

    /// The UTF-8 JSON text, keys sorted.
    var bytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, integers and nulls cannot fail; the fallback keeps the signature total.
        guard let data = try? encoder.encode(self) else { return Array("{}".utf8) }
        return Array(data)
    }
}
