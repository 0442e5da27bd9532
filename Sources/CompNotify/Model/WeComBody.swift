import CompModel

/// The WeCom (企业微信) group-bot body: `{"msgtype": "markdown", "markdown": {"content": ...}}`.
///
/// The content: the summary in bold (coloured: warning for failures, info for successes and resumes,
/// comment otherwise), the facts as quoted lines, a link to the console, and the idempotency key as the last
/// line. WeCom takes at most 4096 bytes of content: a longer content is cut before the key line.
enum WeComBody {
    /// WeCom's limit on `markdown.content`, in UTF-8 bytes.
    static let maxContentBytes = 4096

    static func value(_ notification: Notification, consoleURL: String) -> JSONValue {
        .object([
            "msgtype": .string("markdown"),
            "markdown": .object(["content": .string(content(notification, consoleURL: consoleURL))]),
        ])
    }

    static func content(_ notification: Notification, consoleURL: String) -> String {
        let colour: String
        switch notification.kind {
        case .failureCreated, .retryFailed, .parked, .leaseExpired, .markedUnrecoverable: colour = "warning"
        case .succeeded, .serviceResumed, .markedRecoverable: colour = "info"
        case .discarded, .servicePaused: colour = "comment"
        }
        var lines = ["<font color=\"\(colour)\">**\(Summary.line(notification))**</font>"]
        lines.append("> event: \(notification.kind.rawValue)")
        for (name, value) in SlackBody.fields(notification) {
            lines.append("> \(name.lowercased()): \(value.replacingAll("\n", with: " "))")
        }
        if let link = NotificationBody.link(notification, consoleURL: consoleURL) {
            lines.append("[Open in the console](\(link))")
        }
        let keyLine = "key: \(notification.idempotencyKey)"
        let body = TextLimit.truncate(lines.joined(separator: "\n"), maxBytes: maxContentBytes - keyLine.utf8.count - 1)
        return body + "\n" + keyLine
    }
}
