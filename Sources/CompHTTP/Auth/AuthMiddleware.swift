import Foundation
import Hummingbird

/// Puts the caller in every request's context and turns away the requests `AccessRule` refuses. The
/// caller comes from `Authorization: Bearer <token>` or, when that header is absent, from the
/// console's session cookie. Added to the router before any route, so it guards them all (and the
/// 404s).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = HTTPContext

    /// The session cookie's name.
    static let cookieName = "compd_session"

    let access: HTTPAccess

    func handle(_ request: Request, context: HTTPContext, next: (Request, HTTPContext) async throws -> Response) async throws -> Response {
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
