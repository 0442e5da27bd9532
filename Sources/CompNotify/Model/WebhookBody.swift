import CompModel

/// The generic webhook body (docs/NOTIFICATIONS.md, "webhook").
///
/// A single event: `{"idempotencyKey", "event", "summary", "occurredAt", "execution": {id, service, processor,
/// function, eventId, correlationId, status, parkReason, retries, maxRetries, nextRetryAt, error: {code,
/// message}}, "actor", "link"}`; a digest: `{"idempotencyKey", "event", "digest": {count, total, windowStart,
/// windowEnd, service, function, errorCode}, "summary", "link"}`; a pause or resume: `{"idempotencyKey",
/// "event", "service", "actor", "summary", "occurredAt"}`. Times are RFC 3339 in UTC with milliseconds.
enum WebhookBody {
    static func value(_ notification: Notification, consoleURL: String) -> JSONValue {
        let summary = Summary.line(notification)
        let link = JSONValue.optional(NotificationBody.link(notification, consoleURL: consoleURL))
        switch notification.content {
        case .single(let facts):
            guard let execution = facts.execution else {
                return .object([
                    "idempotencyKey": .string(notification.idempotencyKey),
                    "event": .string(notification.kind.rawValue),
                    "service": .string(facts.service),
                    "actor": .optional(facts.actor),
                    "summary": .string(summary),
                    "occurredAt": .string(facts.occurredAt.iso8601),
                ])
            }
            return .object([
                "idempotencyKey": .string(notification.idempotencyKey),
                "event": .string(notification.kind.rawValue),
                "summary": .string(summary),
                "occurredAt": .string(facts.occurredAt.iso8601),
                "execution": .object([
                    "id": .int(execution.id),
                    "service": .string(facts.service),
                    "processor": .string(execution.processor),
                    "function": .string(execution.function),
                    "eventId": .string(execution.eventId),
                    "correlationId": .string(execution.correlationId),
                    "status": .string(execution.status.description),
                    "parkReason": .optional(execution.parkReason?.description),
                    "retries": .int(Int64(execution.retries)),
                    "maxRetries": .int(Int64(execution.maxRetries)),
                    "nextRetryAt": .optional(execution.nextRetryAt?.iso8601),
                    "error": .object([
                        "code": .string(execution.errorCode), "message": .string(execution.errorMessage),
                    ]),
                ]),
                "actor": .optional(facts.actor),
                "link": link,
            ])
        case .digest(let facts):
            return .object([
                "idempotencyKey": .string(notification.idempotencyKey),
                "event": .string(notification.kind.rawValue),
                "digest": .object([
                    "count": .int(Int64(facts.count)),
                    "total": .int(Int64(facts.total)),
                    "windowStart": .string(facts.windowStart.iso8601),
                    "windowEnd": .string(facts.windowEnd.iso8601),
                    "service": .string(facts.service),
                    "function": .string(facts.function),
                    "errorCode": .string(facts.errorCode),
                ]),
                "summary": .string(summary),
                "link": link,
            ])
        }
    }
}
