import CompBroker
import Foundation

/// The feed's `stats` data: exactly the body of `GET /api/v1/stats`, made by the API's own handler and
/// encoded as the API encodes it (sorted keys, times as RFC 3339 with milliseconds).
enum FeedStats {
    /// The stats JSON read through `gateway`, or nil when the broker cannot answer now (e.g. shutting down).
    static func json(gateway: BrokerGateway) async -> String? {
        guard case .ok(let ok)? = try? await APIHandler(gateway: gateway).getStats(.init()),
              case .json(let stats) = ok.body
        else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let transcoder = MillisecondDateTranscoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(try transcoder.encode(date))
        }
        guard let data = try? encoder.encode(stats) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
