import CompBroker
import Foundation
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// compd's JSON API on a router: the problem-rendering middleware for everything under `/api`, the
/// generated `/api/v1` routes (with `APIHandler`) and the document at `GET /api/openapi.json`.
enum API {
    /// Adds the API to `router`; `gateway` answers its operator requests.
    ///
    /// - Throws: what the generated registration throws (a path the router refuses).
    static func register(on router: Router<HTTPContext>, gateway: BrokerGateway) throws {
        router.add(middleware: APIMiddleware(routes: APIRoutes(document: OpenAPIDocument.json)))
        router.get("api/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        try APIHandler(gateway: gateway).registerHandlers(
            on: router, configuration: Configuration(dateTranscoder: MillisecondDateTranscoder(), jsonEncodingOptions: [.sortedKeys]),
            middlewares: [ProblemMiddleware(parameters: ParameterCheck(document: OpenAPIDocument.json))])
    }
}

/// Times as the API writes them (RFC 3339 UTC with milliseconds, `2026-11-30T06:40:00.123Z`) and reads
/// them (with or without fractional seconds).
struct MillisecondDateTranscoder: DateTranscoder {
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let whole = Date.ISO8601FormatStyle()

    func encode(_ date: Date) throws -> String { date.formatted(Self.fractional) }

    func decode(_ text: String) throws -> Date {
        if let date = try? Date(text, strategy: Self.fractional) { return date }
        return try Date(text, strategy: Self.whole)
    }
}
