import CompWire
import Foundation
import Hummingbird

/// Who is calling the API, for the generated handlers (which see no request context): set by
/// `APIMiddleware` for the request's task from `HTTPContext.caller`.
enum APICaller {
    /// The authenticated caller of the request being handled; nil when authentication has not set one.
    @TaskLocal static var current: Caller?

    /// The caller the API acts for: the authenticated one, or, with no authentication configured (compd
    /// then listens on loopback only), the local operator.
    static func resolve(_ caller: Caller?) -> Caller {
        caller ?? Caller(name: "local", role: .operator)
    }

    /// The caller of the request being handled.
    static var effective: Caller { resolve(current) }

    /// The author recorded with the caller's actions: `http:<name>`, cut to the protocol's actor length.
    static var actor: String {
        WireText.truncated("http:" + effective.name, toUTF8Bytes: WireLimits.maxActorBytes)
    }
}

/// Everything under `/api` that the generated routes do not do themselves: the request body collected up
/// to 64 KiB (413 above it), the caller handed to the handlers, and every error rendered as problem
/// details: unknown paths 404 `not_found`, a known path with another method 405 `method_not_allowed`
/// (with `Allow`), and any other HTTP error by its status. Paths outside `/api` pass through untouched.
struct APIMiddleware: RouterMiddleware {
    typealias Context = HTTPContext

    /// The largest request body the API reads.
    static let maxBodyBytes = 64 * 1024

    /// The API's paths and methods, to tell 405 from 404.
    let routes: APIRoutes

    func handle(_ request: Request, context: HTTPContext,
                next: (Request, HTTPContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path == "/api" || path.hasPrefix("/api/") else { return try await next(request, context) }
        var request = request
        do {
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > Self.maxBodyBytes {
                throw Self.tooLarge
            }
            do {
                _ = try await request.collectBody(upTo: Self.maxBodyBytes)
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                throw Self.tooLarge
            }
            return try await APICaller.$current.withValue(context.caller) { try await next(request, context) }
        } catch let problem as APIProblem {
            return Self.response(problem)
        } catch let error as any HTTPResponseError {
            return Self.response(problem(error.status, request))
        }
    }

    private static let tooLarge = APIProblem(
        .contentTooLarge, "body_too_large", "the request body is larger than \(maxBodyBytes / 1024) KiB")

    /// The problem for an HTTP error the router or a middleware threw.
    private func problem(_ status: HTTPResponse.Status, _ request: Request) -> APIProblem {
        switch status {
        case .notFound:
            if let allowed = routes.methods(for: request.uri.path), !allowed.contains(request.method) {
                var problem = APIProblem(.methodNotAllowed, "method_not_allowed",
                                         "\(request.method) is not allowed on \(request.uri.path); allowed: "
                                             + allowed.map(\.rawValue).sorted().joined(separator: ", "))
                problem.allow = allowed.map(\.rawValue).sorted()
                return problem
            }
            return APIProblem(.notFound, "not_found", "no API endpoint at \(request.uri.path) (see /api/openapi.json)")
        case .contentTooLarge: return Self.tooLarge
        case .unauthorized: return APIProblem(status, "unauthenticated", "a valid token is needed")
        case .forbidden: return APIProblem(status, "forbidden", "the token's role may not do this")
        default:
            return APIProblem(status, status.code >= 500 ? "internal_error" : "bad_request", status.reasonPhrase)
        }
    }

    /// A problem as a Hummingbird response.
    static func response(_ problem: APIProblem) -> Response {
        var headers = problem.head.headerFields
        if let allow = problem.allow { headers[.allow] = allow.joined(separator: ", ") }
        return Response(status: problem.status, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: problem.json)))
    }
}

/// The API's path templates and their methods, read from the OpenAPI document (`{id}` matches one segment).
struct APIRoutes: Sendable {
    private let templates: [(segments: [Substring], methods: Set<HTTPRequest.Method>)]

    /// The paths of `document`, an OpenAPI document's JSON; none when it cannot be read.
    init(document: String) {
        let paths = ((try? JSONSerialization.jsonObject(with: Data(document.utf8))) as? [String: Any])?["paths"]
            as? [String: Any] ?? [:]
        templates = paths.map { path, item in
            let methods = ((item as? [String: Any]) ?? [:]).keys.compactMap { HTTPRequest.Method($0.uppercased()) }
            return (path.split(separator: "/"), Set(methods))
        }
    }

    /// The methods of the template `path` matches; nil when it matches none.
    func methods(for path: String) -> Set<HTTPRequest.Method>? {
        let segments = path.split(separator: "/")
        let matching = templates.filter { template in
            template.segments.count == segments.count
                && zip(template.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        guard !matching.isEmpty else { return nil }
        return matching.reduce(into: Set()) { $0.formUnion($1.methods) }
    }
}
