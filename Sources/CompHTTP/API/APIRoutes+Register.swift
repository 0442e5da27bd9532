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
            on: router, configuration: APIServerSetup.configuration, middlewares: APIServerSetup.middlewares)
    }
}
