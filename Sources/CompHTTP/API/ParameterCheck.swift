import Foundation

/// The URL parameters of the OpenAPI document and whether a text is a valid value of each (an integer,
/// a boolean, one of an enum's values, a date-time), read from the document itself. The generated code
/// refuses a bad parameter without naming it; `ProblemMiddleware` asks this which one it was.
struct ParameterCheck: Sendable {
    /// What a parameter's schema accepts.
    enum Kind: Sendable, Equatable {
        case integer
        case boolean
        case dateTime
        case oneOf(Set<String>)
        case text
    }

    private let kinds: [String: Kind]

    /// The parameters of `document`, an OpenAPI document's JSON.
    init(document: String) {
        let root = ((try? JSONSerialization.jsonObject(with: Data(document.utf8))) as? [String: Any]) ?? [:]
        let components = root["components"] as? [String: Any] ?? [:]
        let schemas = components["schemas"] as? [String: Any] ?? [:]
        let parameters = components["parameters"] as? [String: Any] ?? [:]
        func resolve(_ schema: [String: Any]) -> [String: Any] {
            guard let reference = schema["$ref"] as? String, let name = reference.split(separator: "/").last else { return schema }
            return schemas[String(name)] as? [String: Any] ?? [:]
        }
        func kind(_ schema: [String: Any]) -> Kind {
            let schema = resolve(schema)
            if let items = schema["items"] as? [String: Any] { return kind(items) }
            if let values = schema["enum"] as? [String] { return .oneOf(Set(values)) }
            switch schema["type"] as? String {
            case "integer": return .integer
            case "boolean": return .boolean
            case "string" where schema["format"] as? String == "date-time": return .dateTime
            default: return .text
            }
        }
        var kinds: [String: Kind] = [:]
        for case let parameter as [String: Any] in parameters.values {
            guard let name = parameter["name"] as? String, let schema = parameter["schema"] as? [String: Any] else { continue }
            // Parameters of one name in several operations (`status` of executions and of sagas): a value
            // any of their enums allows passes, so only a value no operation allows is named.
            switch (kinds[name], kind(schema)) {
            case (.oneOf(let earlier)?, .oneOf(let values)): kinds[name] = .oneOf(earlier.union(values))
            case (_, let new): kinds[name] = new
            }
        }
        self.kinds = kinds
    }

    /// Whether `value` is valid for the parameter `name` (true for a name the document does not have).
    func accepts(_ name: String, _ value: String) -> Bool {
        switch kinds[name] {
        case .integer?: Int64(value) != nil
        case .boolean?: value == "true" || value == "false"
        case .dateTime?: (try? MillisecondDateTranscoder().decode(value)) != nil
        case .oneOf(let values)?: values.contains(value)
        case .text?, nil: true
        }
    }

    /// The first parameter of `path` (the request's path with its query) or `pathParameters` whose value
    /// the document refuses.
    func firstInvalid(path: String, pathParameters: [String: Substring]) -> String? {
        for (name, value) in pathParameters.sorted(by: { $0.key < $1.key }) where !accepts(name, String(value)) {
            return name
        }
        guard let query = URLComponents(string: path)?.queryItems else { return nil }
        for item in query where !accepts(item.name, item.value ?? "") { return item.name }
        return nil
    }
}
