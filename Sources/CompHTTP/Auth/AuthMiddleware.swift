import CompBroker
import Foundation
import Hummingbird

/// Puts the caller in every request's context and turns away the requests `AccessRule` refuses. The
/// caller comes from `Authorization: Bearer <token>` or, when that header is absent, from the
/// console's session cookie. Added to the router before any route, so it guards them all (and the
/// 404s).
///
/// A bearer token in a broker key's form (`id:secret`, the key file's line) is checked against the broker's
/// live key table instead, in every mode (with or without a tokens file): an operator key is served as an
/// operator named by the key's name, a subscriber key gets 403, a revoked or unknown key 401; a key revoked
/// over the wire is refused from the next request on.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = HTTPContext

    /// The session cookie's name.
    static let cookieName = "compd_session"

    let access: HTTPAccess
    /// The broker's keys; nil: bearer keys are not accepted (tests of the tokens alone).
    var keys: BrokerKeys? = nil

    func handle(_ request: Request, context: HTTPContext, next: (Request, HTTPContext) async throws -> Response) async throws -> Response {
        if case .bearer(let token)? = credential(of: request), let verdict = keys?.verdict(bearer: token) {
            return try await keyed(verdict, request, context: context, next: next)
        }
        let local = access.tokensPath == nil
        let presented = local ? nil : credential(of: request)
        let caller: Caller? = switch presented {
        case .bearer(let token): access.caller(token: token)
        case .session(let id): access.caller(session: id)
        case .malformed, nil: nil
        }
        switch AccessRule.decide(path: request.uri.path, method: request.method, local: local,
                                 metricsPublic: access.metricsPublic, caller: caller) {
        case .pass(let caller):
            var context = context
            context.caller = caller
            return try await next(request, context)
        case .unauthenticated(let redirectToLogin):
            if redirectToLogin {
                return Self.redirect(to: "/login?next=" + Self.percentEncoded(request.uri.description))
            }
            let detail: String = switch presented {
            case nil: "no token: send `Authorization: Bearer <token>`, or log in at /login"
            case .malformed: "the Authorization header is not `Bearer <token>`"
            case .bearer: "unknown token"
            case .session: "the session ended (logged out, expired, or its token was revoked): log in again at /login"
            }
            return AuthProblem.unauthenticated(detail).response
        case .forbidden(let caller):
            return AuthProblem.forbidden("`\(caller.name)` is a viewer: \(request.method) needs the operator role").response
        }
    }

    /// A request whose bearer token is a broker key: an operator key passes as the operator named by the key,
    /// the rest are refused (except on the open paths, which need no caller).
    private func keyed(_ verdict: BrokerKeys.Verdict, _ request: Request, context: HTTPContext,
                       next: (Request, HTTPContext) async throws -> Response) async throws -> Response {
        var caller: Caller?
        let path = request.uri.path
        let open = AccessRule.openPaths.contains(path) || (access.metricsPublic && path == "/metrics")
        switch verdict {
        case .operator(_, let name): caller = Caller(name: name, role: .operator)
        case .subscriber(let id) where !open:
            return AuthProblem.forbidden("key \(id) is a subscriber key: the HTTP side needs an operator key").response
        case .revoked(let id) where !open:
            return AuthProblem.unauthenticated("key \(id) is revoked").response
        case .unknown where !open:
            return AuthProblem.unauthenticated("unknown key: no key has this id, or the secret is not its secret").response
        case .subscriber, .revoked, .unknown: break
        }
        guard case .pass(let passed) = AccessRule.decide(path: path, method: request.method, local: false,
                                                         metricsPublic: access.metricsPublic, caller: caller) else {
            return AuthProblem.unauthenticated("unknown key").response
        }
        var context = context
        context.caller = passed
        return try await next(request, context)
    }

    /// What the request presents.
    private enum Credential {
        case bearer(Substring)
        case malformed
        case session(String)
    }

    private func credential(of request: Request) -> Credential? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .malformed }
            return .bearer(parts[1].drop { $0 == " " })
        }
        return request.cookies[Self.cookieName].map { .session($0.value) }
    }

    /// A 303 to `location`.
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// `text` with everything but unreserved characters percent-encoded (for a query value).
    static func percentEncoded(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/"
    }
}
