import Foundation
import Hummingbird

/// The console's `/login` and `/logout`. `GET /login` shows a form asking for a token; `POST /login`
/// (form fields `token`, `next`) checks it, opens a session and sets the session cookie (`HttpOnly`,
/// `SameSite=Strict`, `Path=/`, 12 hours; `Secure` when a proxy in front says the request came over
/// https with `X-Forwarded-Proto: https` or `Forwarded: proto=https`), then redirects to `next` (a
/// path on this server) or `/`. `/logout` (GET or POST) ends the session and clears the cookie.
/// Without a tokens file both redirect to `/`: every caller is the local operator.
enum LoginPage {
    /// The largest login form accepted.
    static let maximumFormBytes = 16 * 1024

    /// Adds the routes to `router`.
    static func addRoutes(to router: Router<HTTPContext>, access: HTTPAccess) {
        router.get("login") { request, _ in
            guard access.tokensPath != nil else { return AuthMiddleware.redirect(to: "/") }
            return page(next: safeNext(request.uri.queryParameters["next"].map(String.init)), error: nil, status: .ok)
        }
        router.post("login") { request, _ in
            guard access.tokensPath != nil else { return AuthMiddleware.redirect(to: "/") }
            let form: LoginForm
            do {
                let body = try await request.body.collect(upTo: maximumFormBytes)
                form = try URLEncodedFormDecoder().decode(LoginForm.self, from: String(buffer: body))
            } catch {
                return page(next: "/", error: "The form could not be read; enter the token again.", status: .badRequest)
            }
            let next = safeNext(form.next)
            let token = form.token.trimmingCharacters(in: .whitespacesAndNewlines)
            guard access.caller(token: token) != nil else {
                return page(next: next, error: "That token is not valid.", status: .unauthorized)
            }
            let id = access.sessions.open(token: TokenDigest(of: token))
            var response = AuthMiddleware.redirect(to: next)
            response.setCookie(Cookie(name: AuthMiddleware.cookieName, value: id, maxAge: Int(SessionStore.lifetime.components.seconds),
                                      path: "/", secure: cameOverHTTPS(request), httpOnly: true, sameSite: .strict))
            return response
        }
        let logout: @Sendable (Request, HTTPContext) async throws -> Response = { request, _ in
            guard access.tokensPath != nil else { return AuthMiddleware.redirect(to: "/") }
            if let session = request.cookies[AuthMiddleware.cookieName] { access.sessions.close(session: session.value) }
            var response = AuthMiddleware.redirect(to: "/login")
            response.setCookie(Cookie(name: AuthMiddleware.cookieName, value: "", maxAge: 0, path: "/",
                                      secure: cameOverHTTPS(request), httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("logout", use: logout)
        router.post("logout", use: logout)
    }

    private struct LoginForm: Decodable {
        let token: String
        let next: String?
    }

    /// `next` when it is a path on this server (`/…`, not `//…` nor a backslash trick), else `/`.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              next.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x21 && $0.value != 0x7F })
        else { return "/" }
        return next
    }

    /// Whether the proxy in front says the request came over https.
    private static func cameOverHTTPS(_ request: Request) -> Bool {
        request.headers.contains { field in
            switch field.name.canonicalName {
            case "x-forwarded-proto": field.value.lowercased().split(separator: ",").first?.trimmingCharacters(in: .whitespaces) == "https"
            case "forwarded": field.value.lowercased().contains("proto=https")
            default: false
            }
        }
    }

    /// The login page, with `error` above the form when given.
    private static func page(next: String, error: String?, status: HTTPResponse.Status) -> Response {
        let message = error.map { "<p class=\"error\" role=\"alert\">\(escaped($0))</p>" } ?? ""
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>compd: log in</title>
            <style>
            body { font: 15px/1.4 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; background: #f4f5f7; color: #1d2330; }
            form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.12); width: min(26rem, 90vw); }
            h1 { font-size: 1.2rem; margin: 0 0 1rem; }
            label { display: block; margin-bottom: .4rem; }
            input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; font-family: monospace; }
            button { margin-top: 1rem; padding: .5rem 1.2rem; font: inherit; }
            .error { color: #a11; }
            </style></head>
            <body><form method="post" action="/login">
            <h1>compd console</h1>\(message)
            <label for="token">Token</label>
            <input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
            <input type="hidden" name="next" value="\(escaped(next))">
            <button type="submit">Log in</button>
            </form></body></html>

            """
        return Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// `text` safe inside HTML text and attribute values.
    private static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
