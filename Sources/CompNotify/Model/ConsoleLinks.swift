/// Links into the console (CompHTTP's `/executions` pages).
enum ConsoleLinks {
    /// `<console>/executions/<id>`; nil when no console URL is set.
    static func execution(_ id: Int64, console: String) -> String? {
        base(console).map { "\($0)/executions/\(id)" }
    }

    /// `<console>/executions?service=S&function=F&errorCode=C` (errorCode left out when empty); nil when no
    /// console URL is set.
    static func list(service: String, function: String, errorCode: String, console: String) -> String? {
        guard let base = base(console) else { return nil }
        var query = "service=\(encode(service))&function=\(encode(function))"
        if !errorCode.isEmpty { query += "&errorCode=\(encode(errorCode))" }
        return "\(base)/executions?\(query)"
    }

    private static func base(_ console: String) -> String? {
        var base = Substring(console)
        while base.hasSuffix("/") { base.removeLast() }
        return base.isEmpty ? nil : String(base)
    }

    /// Percent-encodes every byte outside `A-Z a-z 0-9 - . _ ~` (a query value).
    static func encode(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var text = ""
        for byte in value.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, 0x2d, 0x2e, 0x5f, 0x7e: text.append(Character(Unicode.Scalar(byte)))
            default: text += "%" + String([hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]])
            }
        }
        return text
    }
}
