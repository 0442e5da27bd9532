import CompModel

/// The Slack incoming-webhook body: `{"text": <summary, linked>, "blocks": [summary section, fields section,
/// context with the idempotency key]}`.
///
/// Texts are Slack mrkdwn with `&`, `<` and `>` escaped; the link is `<url|summary>`. A section has at most
/// 10 fields (Slack's limit), each short (the error message is cut to 500 characters).
enum SlackBody {
    static func value(_ notification: Notification, consoleURL: String) -> JSONValue {
        let summary = escape(Summary.line(notification))
        let text = NotificationBody.link(notification, consoleURL: consoleURL).map { "<\(linkTarget($0))|\(summary)>" }
            ?? summary
        var blocks: [JSONValue] = [
            .object(["type": .string("section"), "text": mrkdwn("*\(text)*")])
        ]
        let fields = fields(notification)
        if !fields.isEmpty {
            blocks.append(.object([
                "type": .string("section"),
                "fields": .array(fields.prefix(10).map { name, value in mrkdwn("*\(name)*\n\(escape(value))") }),
            ]))
        }
        blocks.append(.object([
            "type": .string("context"),
            "elements": .array([
                mrkdwn("\(escape(notification.kind.rawValue)) · idempotency key: \(escape(notification.idempotencyKey))")
            ]),
        ]))
        return .object(["text": .string(text), "blocks": .array(blocks)])
    }

    /// The fields shown under the summary, empty values left out.
    static func fields(_ notification: Notification) -> [(String, String)] {
        var fields: [(String, String)] = []
        func add(_ name: String, _ value: String?) {
            if let value, !value.isEmpty { fields.append((name, value)) }
        }
        switch notification.content {
        case .single(let facts):
            add("Service", facts.service)
            if let execution = facts.execution {
                add("Processor", execution.processor)
                add("Function", execution.function)
                add("Event id", execution.eventId)
                add("Correlation id", execution.correlationId)
                add("Status", execution.status.description + (execution.parkReason.map { " (\($0))" } ?? ""))
                add("Retries", "\(execution.retries) of \(execution.maxRetries)")
                add("Next retry", execution.nextRetryAt?.iso8601)
                add("Error", Summary.errorText(execution))
            }
            add("By", facts.actor)
        case .digest(let facts):
            add("Service", facts.service)
            add("Function", facts.function)
            add("Error code", facts.errorCode)
            add("In this digest", Summary.grouped(facts.count))
            add("In the window", Summary.grouped(facts.total))
            add("Window", "\(facts.windowStart.iso8601) – \(facts.windowEnd.iso8601)")
        }
        return fields
    }

    private static func mrkdwn(_ text: String) -> JSONValue {
        .object(["type": .string("mrkdwn"), "text": .string(text)])
    }

    /// Slack's three control characters escaped.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A URL made safe inside `<url|text>`.
    private static func linkTarget(_ url: String) -> String {
        url.replacingAll("|", with: "%7C").replacingAll("<", with: "%3C").replacingAll(">", with: "%3E")
    }
}

extension String {
    /// This text with every `character` replaced by `replacement`.
    func replacingAll(_ character: Character, with replacement: String) -> String {
        var text = ""
        for each in self {
            if each == character { text += replacement } else { text.append(each) }
        }
        return text
    }
}
