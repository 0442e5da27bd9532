import CompWire
import Foundation

/// The JSON of the feed's `execution` and `service` events (camelCase, times as RFC 3339 UTC with
/// milliseconds, statuses and park reasons lower-case, as in the API).
enum FeedJSON {
    private struct ExecutionEvent: Encodable {
        let seq: Int64
        let at: String
        let executionId: Int64
        let kind: String
        let status: String
        let parkReason: String?
        let retries: UInt32
        let service: String
        let processor: String
        let function: String
        let eventId: String
        let correlationId: String
        let errorCode: String
        let errorMessage: String

        private enum CodingKeys: String, CodingKey {
            case seq, at, executionId, kind, status, parkReason, retries, service, processor, function, eventId,
                 correlationId, errorCode, errorMessage
        }

        /// As synthesized, but `parkReason` is written as null when there is none (the API's shape).
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(seq, forKey: .seq)
            try container.encode(at, forKey: .at)
            try container.encode(executionId, forKey: .executionId)
            try container.encode(kind, forKey: .kind)
            try container.encode(status, forKey: .status)
            try container.encode(parkReason, forKey: .parkReason)
            try container.encode(retries, forKey: .retries)
            try container.encode(service, forKey: .service)
            try container.encode(processor, forKey: .processor)
            try container.encode(function, forKey: .function)
            try container.encode(eventId, forKey: .eventId)
            try container.encode(correlationId, forKey: .correlationId)
            try container.encode(errorCode, forKey: .errorCode)
            try container.encode(errorMessage, forKey: .errorMessage)
        }
    }

    private struct ServiceChange: Encodable {
        let at: String
        let kind: String
        let service: String
    }

    /// The lower-case names of the wire's status numbers (PROTOCOL.md: 1 failed … 5 discarded).
    static let statusNames: [UInt8: String] = [1: "failed", 2: "prepared", 3: "succeeded", 4: "parked", 5: "discarded"]
    /// The lower-case names of the wire's park reasons (0: none).
    static let parkReasonNames: [UInt8: String] = [1: "exhausted", 2: "unrecoverable", 3: "deadline", 4: "manual"]

    /// `event` as one line of JSON.
    static func execution(_ event: Event) -> String {
        encode(ExecutionEvent(
            seq: event.seq, at: rfc3339(milliseconds: event.at), executionId: event.executionId, kind: event.kind,
            status: statusNames[event.status] ?? "unknown", parkReason: parkReasonNames[event.parkReason],
            retries: event.retries, service: event.service, processor: event.processor, function: event.function,
            eventId: event.eventId, correlationId: event.correlationId, errorCode: event.errorCode,
            errorMessage: event.errorMessage))
    }

    /// `event` as one line of JSON.
    static func service(_ event: ServiceEvent) -> String {
        encode(ServiceChange(at: rfc3339(milliseconds: event.at), kind: event.kind, service: event.service))
    }

    private static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }  // plain strings and numbers: cannot fail
        return String(decoding: data, as: UTF8.self)
    }

    /// Milliseconds since the epoch as `2026-11-30T06:40:00.123Z`.
    static func rfc3339(milliseconds: Int64) -> String {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let millis = milliseconds - seconds * 1000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}
