import CompClient
import CompWire
import Foundation
import Testing

/// HTTP tokens and roles (issue 11): `--http-tokens FILE`, the bearer header, the console's login
/// session, viewer and operator, the SIGHUP reload, the refused files, and the loopback rule; through
/// real compd processes and a real HTTP client.
@Suite(.serialized)
struct AuthTests {
    /// A token of 64 hex characters.
    private static func newToken() -> String {
        (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// Writes `text` to `path` with mode `mode`.
    private func writeTokens(_ text: String, to path: String, mode: Int = 0o600) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw TestFailure("cannot write \(path)")
        }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    /// A compd with HTTP on a free port of `host` (reached through 127.0.0.1) and `extra` arguments;
    /// returns it and the base URL once `/healthz` answers.
    private func startBroker(_ directory: TemporaryDirectory, host: String = "127.0.0.1", extra: [String]) async throws -> (BrokerProcess, String) {
        let (broker, base, _) = try await startHTTPBroker(dataDirectory: directory.path + "/data",
                                                          logDirectory: directory.path, host: host, extra: extra)
        return (broker, base)
    }

    private func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    /// The `compd_session=<id>` pair of a Set-Cookie header, for a Cookie header.
    private func sessionCookie(_ answer: HTTPAnswer) -> String? {
        answer.header("Set-Cookie")?.split(separator: ";").first.map(String.init).flatMap { $0.hasPrefix("compd_session=") ? $0 : nil }
    }

    @Test("with a tokens file: no token or a wrong one is 401 problem+json `unauthenticated` on the API and /metrics, a console page redirects to /login, the probes stay open")
    func unauthenticated() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let viewer = Self.newToken()
        try writeTokens("# who reads\nbob viewer \(viewer)\n", to: directory.path + "/tokens")
        let (broker, base) = try await startBroker(directory, extra: ["--http-tokens", directory.path + "/tokens"])

        for (label, headers) in [("no token", [:]), ("wrong token", bearer(Self.newToken())),
                                 ("not Bearer", ["Authorization": "Basic \(viewer)"]), ("empty Bearer", ["Authorization": "Bearer "])] {
            for path in ["/api/v1/executions?limit=100", "/api/v1/stats", "/metrics"] {
                let answer = try await httpExchange("GET", base + path, headers: headers)
                #expect(answer.status == 401, "\(label) \(path): \(answer.status) \(answer.body)")
                #expect(answer.header("Content-Type") == "application/problem+json", "\(label) \(path)")
                #expect(answer.json?["code"] as? String == "unauthenticated", "\(label) \(path): \(answer.body)")
                #expect(answer.json?["type"] as? String == "urn:compd:problem:unauthenticated")
                #expect(answer.json?["status"] as? Int == 401)
                #expect(answer.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            }
            let action = try await httpExchange("POST", base + "/api/v1/executions/1/actions", headers: headers,
                                                body: #"{"action":"retry"}"#)
            #expect(action.status == 401, "\(label): \(action.body)")
        }
        let page = try await httpExchange("GET", base + "/executions?status=failed")
        #expect(page.status == 303)
        #expect(page.header("Location") == "/login?next=/executions%3Fstatus%3Dfailed", "\(page.headers)")
        let root = try await httpExchange("GET", base + "/", headers: bearer(Self.newToken()))
        #expect(root.status == 303)
        #expect(root.header("Location") == "/login?next=/")
        #expect(try await httpExchange("GET", base + "/healthz").status == 200)
        #expect(try await httpExchange("GET", base + "/readyz").status == 200)
        let metrics = try await httpExchange("GET", base + "/metrics", headers: bearer(viewer))
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("compd_records_total") || metrics.body.contains("# TYPE"), "\(metrics.body.prefix(200))")
        #expect(broker.log.contains("HTTP serving on 127.0.0.1:"), "\(broker.log)")
        #expect(broker.log.contains("tokens from \(directory.path)/tokens (0 operator, 1 viewer)"), "\(broker.log)")
        #expect(broker.stop() == 0)
    }

    @Test("a viewer reads (200) and gets 403 `forbidden` for every action; an operator acts; whoami names each")
    func roles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let viewer = Self.newToken()
        let operatorToken = Self.newToken()
        try writeTokens("bob viewer \(viewer)\nalice operator \(operatorToken)  # on call\n", to: directory.path + "/tokens")
        let (broker, base) = try await startBroker(directory, extra: ["--http-tokens", directory.path + "/tokens"])
        let reply = try broker.reporter().send([failureRecord(eventId: "auth-roles")])
        #expect(reply.first?.status == .accepted)
        let json = ["Content-Type": "application/json"]

        let list = try await httpExchange("GET", base + "/api/v1/executions?limit=10", headers: bearer(viewer))
        #expect(list.status == 200, "\(list.body)")
        let executions = try #require(list.json?["executions"] as? [[String: Any]], "\(list.body)")
        let id = try #require(executions.first?["id"] as? Int, "\(list.body)")
        #expect(try await httpExchange("GET", base + "/api/v1/stats", headers: bearer(viewer)).status == 200)
        #expect(try await httpExchange("GET", base + "/api/v1/executions/\(id)", headers: bearer(viewer)).status == 200)
        #expect(try await httpExchange("GET", base + "/metrics", headers: bearer(viewer)).status == 200)
        let whoViewer = try await httpExchange("GET", base + "/api/v1/whoami", headers: bearer(viewer))
        #expect(whoViewer.json?["name"] as? String == "bob" && whoViewer.json?["role"] as? String == "viewer", "\(whoViewer.body)")
        let whoOperator = try await httpExchange("GET", base + "/api/v1/whoami", headers: bearer(operatorToken))
        #expect(whoOperator.json?["name"] as? String == "alice" && whoOperator.json?["role"] as? String == "operator", "\(whoOperator.body)")

        let actions: [(path: String, body: String)] = [
            ("/api/v1/executions/\(id)/actions", #"{"action":"discard"}"#),
            ("/api/v1/actions", #"{"action":"discard","filter":{"service":"orders"}}"#),
            ("/api/v1/actions", #"{"action":"discard","filter":{"service":"orders"},"dryRun":true}"#),
            ("/api/v1/services/orders/pause", "{}"),
        ]
        for action in actions {
            let denied = try await httpExchange("POST", base + action.path, headers: bearer(viewer).merging(json) { $1 }, body: action.body)
            #expect(denied.status == 403, "\(action.path): \(denied.status) \(denied.body)")
            #expect(denied.header("Content-Type") == "application/problem+json")
            #expect(denied.json?["code"] as? String == "forbidden", "\(denied.body)")
            #expect((denied.json?["detail"] as? String)?.contains("bob") == true, "\(denied.body)")
        }
        let still = try await httpExchange("GET", base + "/api/v1/executions/\(id)", headers: bearer(viewer))
        #expect(((still.json?["execution"] as? [String: Any])?["status"] as? String) == "failed", "\(still.body)")

        let acted = try await httpExchange("POST", base + "/api/v1/executions/\(id)/actions", headers: bearer(operatorToken).merging(json) { $1 },
                                           body: #"{"action":"discard"}"#)
        #expect(acted.status == 200, "\(acted.status) \(acted.body)")
        #expect(acted.json?["changed"] as? Int == 1, "\(acted.body)")
        let after = try await httpExchange("GET", base + "/api/v1/executions/\(id)", headers: bearer(viewer))
        #expect(((after.json?["execution"] as? [String: Any])?["status"] as? String) == "discarded", "\(after.body)")
        #expect(broker.log.contains("(1 operator, 1 viewer)"), "\(broker.log)")
        #expect(broker.stop() == 0)
    }

    @Test("the login page opens a session: an HttpOnly, SameSite=Strict cookie that stands for the token's caller; logout ends it")
    func loginSession() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let viewer = Self.newToken()
        try writeTokens("bob viewer \(viewer)\n", to: directory.path + "/tokens")
        let (broker, base) = try await startBroker(directory, extra: ["--http-tokens", directory.path + "/tokens"])
        let form = ["Content-Type": "application/x-www-form-urlencoded"]

        let page = try await httpExchange("GET", base + "/login?next=/executions%3Fstatus%3Dfailed")
        #expect(page.status == 200)
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
        #expect(page.body.contains(#"name="token""#) && page.body.contains(#"action="/login""#), "\(page.body)")
        #expect(page.body.contains(#"value="/executions?status=failed""#), "\(page.body)")

        let wrong = try await httpExchange("POST", base + "/login", headers: form, body: "token=\(Self.newToken())&next=%2F")
        #expect(wrong.status == 401)
        #expect(wrong.header("Set-Cookie") == nil)
        #expect(wrong.body.contains("not valid"))

        let login = try await httpExchange("POST", base + "/login", headers: form, body: "token=\(viewer)&next=%2Fexecutions%3Fstatus%3Dfailed")
        #expect(login.status == 303, "\(login.body)")
        #expect(login.header("Location") == "/executions?status=failed")
        let setCookie = try #require(login.header("Set-Cookie"))
        #expect(setCookie.contains("HttpOnly"), "\(setCookie)")
        #expect(setCookie.contains("SameSite=Strict"), "\(setCookie)")
        #expect(setCookie.contains("Path=/"), "\(setCookie)")
        #expect(!setCookie.contains("Secure"), "\(setCookie)")
        #expect(!setCookie.contains(viewer), "the cookie holds the token itself: \(setCookie)")
        let cookie = try #require(sessionCookie(login))
        #expect(try await httpExchange("GET", base + "/metrics", headers: ["Cookie": cookie]).status == 200)
        let act = try await httpExchange("POST", base + "/api/v1/executions/1/actions", headers: ["Cookie": cookie], body: #"{"action":"retry"}"#)
        #expect(act.status == 403, "a viewer's session acts: \(act.status)")
        let forged = try await httpExchange("GET", base + "/metrics", headers: ["Cookie": "compd_session=" + Self.newToken()])
        #expect(forged.status == 401)

        let behindTLS = try await httpExchange("POST", base + "/login", headers: form.merging(["X-Forwarded-Proto": "https"]) { $1 },
                                               body: "token=\(viewer)&next=%2F%2Fevil.example%2F")
        #expect(behindTLS.status == 303)
        #expect(behindTLS.header("Location") == "/", "an off-site next: \(behindTLS.headers)")
        #expect(behindTLS.header("Set-Cookie")?.contains("Secure") == true, "\(behindTLS.headers)")

        let logout = try await httpExchange("POST", base + "/logout", headers: ["Cookie": cookie])
        #expect(logout.status == 303)
        #expect(logout.header("Location") == "/login")
        #expect(logout.header("Set-Cookie")?.contains("Max-Age=0") == true, "\(logout.headers)")
        let after = try await httpExchange("GET", base + "/metrics", headers: ["Cookie": cookie])
        #expect(after.status == 401, "the session outlived its logout")
        #expect(broker.stop() == 0)
    }

    @Test("SIGHUP reloads the tokens file: a removed token stops working, bearer and session, an added one works; a broken file keeps the tokens in force")
    func reload() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/tokens"
        let alice = Self.newToken()
        let bob = Self.newToken()
        let carol = Self.newToken()
        try writeTokens("alice operator \(alice)\nbob viewer \(bob)\n", to: path)
        let (broker, base) = try await startBroker(directory, extra: ["--http-tokens", path])
        let pid = try #require(broker.process?.processIdentifier)
        let login = try await httpExchange("POST", base + "/login", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                           body: "token=\(bob)")
        let session = try #require(sessionCookie(login), "\(login.status) \(login.headers)")
        #expect(try await httpExchange("GET", base + "/metrics", headers: ["Cookie": session]).status == 200)
        #expect(try await httpExchange("GET", base + "/metrics", headers: bearer(bob)).status == 200)
        #expect(try await httpExchange("GET", base + "/metrics", headers: bearer(carol)).status == 401)

        try writeTokens("alice operator \(alice)\ncarol viewer \(carol)\n", to: path)
        kill(pid, SIGHUP)
        #expect(await poll(30) { (try? await httpExchange("GET", base + "/metrics", headers: self.bearer(bob)))?.status == 401 })
        #expect(try await httpExchange("GET", base + "/metrics", headers: ["Cookie": session]).status == 401)
        #expect(try await httpExchange("GET", base + "/metrics", headers: bearer(carol)).status == 200)
        #expect(try await httpExchange("GET", base + "/metrics", headers: bearer(alice)).status == 200)
        #expect(broker.log.contains("reloaded HTTP tokens from \(path) (1 operator, 1 viewer)"), "\(broker.log)")

        try writeTokens("alice operator \(alice)\ncarol viewer short-token\n", to: path)
        kill(pid, SIGHUP)
        #expect(await poll(30) { broker.log.contains("keeping the HTTP tokens in force: \(path):2:") }, "\(broker.log)")
        #expect(try await httpExchange("GET", base + "/metrics", headers: bearer(carol)).status == 200)
        #expect(try await httpExchange("GET", base + "/metrics", headers: bearer(alice)).status == 200)
        #expect(try await httpExchange("GET", base + "/healthz").status == 200)
        #expect(broker.stop() == 0)
    }

    @Test("a bad tokens file stops compd with exit 64 and a message naming the file and the line")
    func badFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let token = Self.newToken()
        let other = Self.newToken()
        let cases: [(text: String, line: Int, says: String)] = [
            ("# ok\nalice operator \(token)\nbob viewer \(token)\n", 3, "the same as the token on line 2"),
            ("alice operator \(token)\n\nalice viewer \(other)\n", 3, "name `alice` is already used on line 1"),
            ("alice admin \(token)\n", 1, "unknown role `admin`"),
            ("alice operator 0123456789abcdef0123456789abcde\n", 1, "31 characters long; at least 32"),
            ("alice operator\n", 1, "three fields"),
            ("alice operator \(token) extra\n", 1, "three fields"),
            ("al/ice operator \(token)\n", 1, "name `al/ice`"),
        ]
        for (index, item) in cases.enumerated() {
            let path = directory.path + "/tokens-\(index)"
            try writeTokens(item.text, to: path)
            let result = try runCompd(["--data", directory.path + "/data", "--events", "off",
                                       "--listen", "ipc://" + directory.path + "/req.sock", "--http-tokens", path])
            #expect(result.status == 64, "\(item.says): \(result.err)")
            #expect(result.err.contains("\(path):\(item.line): "), "\(item.says): \(result.err)")
            #expect(result.err.contains(item.says), "\(result.err)")
        }
        let missing = try runCompd(["--data", directory.path + "/data", "--events", "off", "--http-tokens", directory.path + "/nothing"])
        #expect(missing.status == 64)
        #expect(missing.err.contains("\(directory.path)/nothing: no such file"), "\(missing.err)")
    }

    @Test("a non-loopback --http is refused without a tokens file and served with one")
    func nonLoopback() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let refused = try runCompd(["--data", directory.path + "/data", "--events", "off", "--http", "0.0.0.0:\(try freeLoopbackPort())"])
        #expect(refused.status == 64, "\(refused.err)")
        #expect(refused.err.contains("loopback") && refused.err.contains("--http-tokens"), "\(refused.err)")

        let operatorToken = Self.newToken()
        try writeTokens("alice operator \(operatorToken)\n", to: directory.path + "/tokens")
        let (broker, base) = try await startBroker(directory, host: "0.0.0.0", extra: ["--http-tokens", directory.path + "/tokens"])
        #expect(try await httpExchange("GET", base + "/metrics").status == 401)
        #expect(try await httpExchange("GET", base + "/metrics", headers: bearer(operatorToken)).status == 200)
        #expect(broker.log.contains("HTTP serving on 0.0.0.0:"), "\(broker.log)")
        #expect(broker.stop() == 0)
    }

    @Test("without a tokens file every caller is the local operator, the start line says so, and SIGHUP only logs")
    func localOperator() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (broker, base) = try await startBroker(directory, extra: [])
        #expect(broker.log.contains("no --http-tokens: loopback only, every caller is the operator `local`"), "\(broker.log)")
        #expect(try await httpExchange("GET", base + "/metrics").status == 200)
        let who = try await httpExchange("GET", base + "/api/v1/whoami")
        #expect(who.status == 200)
        #expect(who.json?["name"] as? String == "local" && who.json?["role"] as? String == "operator", "\(who.body)")
        let login = try await httpExchange("GET", base + "/login")
        #expect(login.status == 303)
        #expect(login.header("Location") == "/")
        let pid = try #require(broker.process?.processIdentifier)
        kill(pid, SIGHUP)
        #expect(await poll(30) { broker.log.contains("SIGHUP: no --http-tokens file to reload") }, "\(broker.log)")
        #expect(try await httpExchange("GET", base + "/healthz").status == 200)
        #expect(broker.stop() == 0)
    }

    @Test("--metrics-public true serves /metrics without a token while the API still needs one; a tokens file others may read is warned about")
    func metricsPublic() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeTokens("alice operator \(Self.newToken())\n", to: directory.path + "/tokens", mode: 0o644)
        let (broker, base) = try await startBroker(directory, extra: ["--http-tokens", directory.path + "/tokens",
                                                                      "--metrics-public", "true"])
        #expect(try await httpExchange("GET", base + "/metrics").status == 200)
        #expect(try await httpExchange("GET", base + "/api/v1/stats").status == 401)
        #expect(broker.log.contains("/metrics without a token"), "\(broker.log)")
        #expect(broker.log.contains("is readable by its group or others (mode 644); chmod 600 it"), "\(broker.log)")
        #expect(broker.stop() == 0)
    }
}
