import CompModel

/// What goes over HTTP: the JSON body of a notification in the shape of the notifier's kind.
///
/// Bodies are documented with examples in docs/NOTIFICATIONS.md. Each carries the idempotency key (the
/// sender also puts it in the `Idempotency-Key` header) and stays under `maxBytes`.
public enum NotificationBody {
    /// The largest body: texts are cut (the error message to 500 characters) so every body fits.
    public static let maxBytes = 16 * 1024

    /// Renders a notification as a JSON body.
    ///
    /// - Parameters:
    ///   - notification: the message.
    ///   - kind: the body's shape.
    ///   - consoleURL: the console's base URL (`--console-url`, or `http://<the --http address>`); empty for
    ///     no links.
    /// - Returns: UTF-8 JSON, keys sorted, the same bytes for the same arguments.
    public static func render(_ notification: Notification, for kind: NotifierKind, consoleURL: String) -> [UInt8] {
        let bytes = value(notification, for: kind, consoleURL: consoleURL).bytes
        guard bytes.count > maxBytes else { return bytes }
        // Only names full of characters JSON escapes 6-fold get here: cut every text shorter and render again.
        return value(notification.compacted(), for: kind, consoleURL: consoleURL).bytes
    }

    private static func value(_ notification: Notification, for kind: NotifierKind, consoleURL: String) -> JSONValue {
        switch kind {
        case .webhook: WebhookBody.value(notification, consoleURL: consoleURL)
        case .slack: SlackBody.value(notification, consoleURL: consoleURL)
        case .wecom: WeComBody.value(notification, consoleURL: consoleURL)
        }
    }

    /// The console link of a notification: the execution's page, or the filtered list for a digest; nil for
    /// pause/resume or without a console URL.
    static func link(_ notification: Notification, consoleURL: String) -> String? {
        switch notification.content {
        case .single(let facts):
            facts.execution.flatMap { ConsoleLinks.execution($0.id, console: consoleURL) }
        case .digest(let facts):
            ConsoleLinks.list(
                service: facts.service, function: facts.function, errorCode: facts.errorCode, console: consoleURL)
        }
    }
}
