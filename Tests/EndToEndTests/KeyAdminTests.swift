import CompAuth
import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// Key administration over the wire (PROTOCOL.md 6.20), revocation without restart, `compctl keys`, and broker
/// keys as HTTP bearer tokens (issue 15), against real compd processes.
@Suite(.serialized)
struct KeyAdminTests {
    /// The broker's code for a request, nil when it was served.
    private func code(_ body: () throws(ClientError) -> Void) -> ErrorCode? {
        do { try body(); return nil } catch { return error.brokerCode }
    }

    /// The broker's refusal (code and message) of a request, nil when it was served.
    private func refusal(_ body: () throws(ClientError) -> Void) -> (ErrorCode?, String)? {
        do { try body(); return nil } catch {
            if case .broker(let code, let message) = error { return (ErrorCode(rawValue: code), message) }
            return (nil, "\(error)")
        }
    }

    @Test("an operator makes a subscriber key over the wire; it reports and fetches for its service at once; the list shows it without a secret")
    func createOverTheWire() throws {
        let setup = try KeysTests.Setup(mode: "required")
        defer { setup.stop() }
        let admin = AdminClient(connection: try setup.connection(setup.admin))
        let created = try admin.createKey(name: "payments-workers", role: 1, services: ["payments", "payments"])
        #expect(created.key.id.hasPrefix("k_"))
        #expect(created.key.services == ["payments"], "a repeated service is stored once")
        #expect(created.key.revokedAt == nil)
        #expect(created.secret.count == 32)
        let key = AuthKey(id: created.key.id, secret: created.secret)
        let worker = try setup.connection(key)
        let spec = quickSpec(minBackoffMs: 0, timeoutMs: 30_000)
        let outcomes = try Reporter(connection: worker).send([failureRecord(service: "payments", eventId: "p-1", spec: spec)])
        #expect(outcomes.first?.status == .accepted)
        let subscriber = Subscriber(connection: worker, service: "payments", instance: "p")
        var commands: [RetryCommand] = []
        #expect(try eventually(20) { commands = try subscriber.fetch(max: 1, waitMilliseconds: 500); return !commands.isEmpty })
        #expect(commands.first?.eventId == "p-1")
        #expect(code { () throws(ClientError) in
            _ = try Reporter(connection: worker).send([failureRecord(service: "orders", eventId: "o-1")])
        } == .forbidden, "the new key is scoped to payments")
        let listed = try admin.keys()
        #expect(listed.nextCursor == "")
        #expect(listed.keys.map(\.name) == ["admin", "orders", "billing", "payments-workers"])
        let view = try #require(listed.keys.first { $0.id == key.id })
        #expect(view == created.key)
        // Paging: two at a time, every key once.
        var paged: [String] = []
        var cursor = ""
        repeat {
            let page = try admin.keys(cursor: cursor, limit: 2)
            #expect(page.keys.count <= 2)
            paged += page.keys.map(\.id)
            cursor = page.nextCursor
        } while !cursor.isEmpty
        #expect(paged == listed.keys.map(\.id))
        // Bad fields are refused naming the field, and nothing is stored.
        #expect(refusal { () throws(ClientError) in _ = try admin.createKey(name: "x", role: 1, services: []) }?.1
            .hasPrefix("KeyCreateRequest.services: ") == true)
        #expect(code { () throws(ClientError) in _ = try admin.createKey(name: "x", role: 2, services: ["a"]) } == .invalidField)
        #expect(code { () throws(ClientError) in _ = try admin.createKey(name: "", role: 2, services: []) } == .invalidField)
        #expect(code { () throws(ClientError) in _ = try admin.keys(cursor: "garbage") } == .invalidField)
        #expect(try admin.keys().keys.count == 4)
    }

    @Test("a subscriber key cannot make, list or revoke keys (forbidden); unsigned key requests are unauthenticated in optional mode")
    func onlyOperators() throws {
        let setup = try KeysTests.Setup(mode: "optional")
        defer { setup.stop() }
        let orders = AdminClient(connection: try setup.connection(setup.orders))
        #expect(code { () throws(ClientError) in _ = try orders.createKey(name: "mine", role: 2, services: []) } == .forbidden)
        #expect(code { () throws(ClientError) in _ = try orders.keys() } == .forbidden)
        #expect(code { () throws(ClientError) in _ = try orders.revokeKey(setup.billing.id) } == .forbidden)
        let unsigned = AdminClient(connection: try setup.connection(nil))
        #expect(code { () throws(ClientError) in _ = try unsigned.createKey(name: "mine", role: 2, services: []) } == .unauthenticated)
        #expect(code { () throws(ClientError) in _ = try unsigned.keys() } == .unauthenticated)
        #expect(code { () throws(ClientError) in _ = try unsigned.revokeKey(setup.billing.id) } == .unauthenticated)
        let admin = AdminClient(connection: try setup.connection(setup.admin))
        let keys = try admin.keys().keys
        #expect(keys.count == 3, "nothing was made")
        #expect(keys.allSatisfy { $0.revokedAt == nil }, "nothing was revoked")
        // Revoking: an unknown id is not_found; a second revoke answers the first time.
        let unknown = refusal { () throws(ClientError) in _ = try admin.revokeKey("k_0000000000000000") }
        #expect(unknown?.0 == .notFound)
        #expect(unknown?.1.hasPrefix("KeyRevokeRequest.keyId: ") == true)
        let first = try admin.revokeKey(setup.billing.id)
        let again = try admin.revokeKey(setup.billing.id)
        #expect(again == first)
        #expect(try admin.keys().keys.first { $0.id == setup.billing.id }?.revokedAt == first.revokedAt)
    }

    @Test("with --auth off no key is checked: key requests are served unsigned, like every admin request there")
    func offModeServesKeyRequests() throws {
        let setup = try KeysTests.Setup(mode: "off")
        defer { setup.stop() }
        let unsigned = AdminClient(connection: try setup.connection(nil))
        let created = try unsigned.createKey(name: "made-unsigned", role: 2, services: [])
        #expect(try unsigned.keys().keys.map(\.id).contains(created.key.id))
        #expect(try unsigned.revokeKey(created.key.id).keyId == created.key.id)
    }

    @Test("a revoked key is refused (unauthenticated, field keyId) from its next frame, without a restart, while another client keeps being served")
    func revokeWithoutRestart() throws {
        let setup = try KeysTests.Setup(mode: "required")
        defer { setup.stop() }
        let revoked = try setup.connection(setup.orders)
        #expect(try Reporter(connection: revoked).send([failureRecord(eventId: "before")]).first?.status == .accepted)
        // The billing client reports all along, on its own thread.
        let served = Locked(0)
        let failures = Locked([String]())
        let running = Locked(true)
        let done = DispatchSemaphore(value: 0)
        let billing = try setup.connection(setup.billing)
        Thread {
            defer { done.signal() }
            var index = 0
            while running.with({ $0 }) {
                index += 1
                do {
                    let outcome = try Reporter(connection: billing).send([failureRecord(service: "billing", eventId: "b-\(index)")])
                    if outcome.first?.status == .accepted { served.with { $0 += 1 } } else { failures.with { $0.append("\(outcome)") } }
                } catch {
                    failures.with { $0.append("\(error)") }
                }
            }
        }.start()
        #expect(eventually(30) { served.with { $0 } >= 3 })
        let revokedAt = try AdminClient(connection: try setup.connection(setup.admin)).revokeKey(setup.orders.id)
        #expect(revokedAt.keyId == setup.orders.id)
        let servedAtRevoke = served.with { $0 }
        let refused = refusal { () throws(ClientError) in _ = try Reporter(connection: revoked).send([failureRecord(eventId: "after")]) }
        #expect(refused?.0 == .unauthenticated)
        #expect(refused?.1.hasPrefix("AuthTrailer.keyId: ") == true, "\(String(describing: refused))")
        #expect(code { () throws(ClientError) in
            _ = try Subscriber(connection: revoked, service: "orders", instance: "o").fetch(max: 1, waitMilliseconds: 0)
        } == .unauthenticated)
        #expect(eventually(30) { served.with { $0 } >= servedAtRevoke + 3 }, "billing is served after the revocation")
        running.with { $0 = false }
        done.wait()
        #expect(failures.with { $0 }.isEmpty, "\(failures.with { $0 })")
        let ids = try AdminClient(connection: try setup.connection(setup.admin)).list(Filter(service: "orders")).executions.map(\.eventId)
        #expect(ids == ["before"], "nothing of the revoked key was applied after the revocation")
    }

    @Test("a revocation survives a kill -9 right after its reply and a restart")
    func revokeSurvivesRestart() throws {
        let setup = try KeysTests.Setup(mode: "required")
        defer { setup.stop() }
        _ = try AdminClient(connection: try setup.connection(setup.admin)).revokeKey(setup.orders.id)
        setup.broker.stop(signal: SIGKILL)
        let restarted = BrokerProcess(dataDirectory: setup.broker.dataDirectory, listen: setup.broker.listen,
                                      events: setup.broker.events, extraArguments: ["--auth", "required"])
        try restarted.start()
        defer { restarted.stop() }
        let revoked = try BrokerConnection(address: restarted.listen, timeoutMilliseconds: 5000, key: setup.orders)
        #expect(code { () throws(ClientError) in _ = try Reporter(connection: revoked).send([failureRecord(eventId: "x")]) } == .unauthenticated)
        let admin = AdminClient(connection: try BrokerConnection(address: restarted.listen, timeoutMilliseconds: 5000, key: setup.admin))
        #expect(try admin.keys().keys.first { $0.id == setup.orders.id }?.revokedAt != nil)
        let billing = try BrokerConnection(address: restarted.listen, timeoutMilliseconds: 5000, key: setup.billing)
        #expect(try Reporter(connection: billing).send([failureRecord(service: "billing", eventId: "y")]).first?.status == .accepted)
    }

    @Test("compctl keys create prints the key line once (or writes it 0600 with --output), list shows no secret, revoke; refusals name their code")
    func compctlKeys() throws {
        let setup = try KeysTests.Setup(mode: "required")
        defer { setup.stop() }
        let base = ["--broker", setup.broker.listen, "--key", setup.admin.line]
        let made = try compctl(["keys", "create", "--name", "ledger", "--role", "subscriber", "--service", "ledger"] + base)
        #expect(made.status == 0, "\(made.err)")
        let key = try AuthKey(line: made.out)
        #expect(made.err.contains("not shown again") && made.err.contains("--key") && made.err.contains("COMPCTL_KEY"), "\(made.err)")
        #expect(try Reporter(connection: try setup.connection(key)).send([failureRecord(service: "ledger", eventId: "l-1")]).first?.status == .accepted)

        let file = setup.directory.path + "/ops.key"
        let written = try compctl(["keys", "create", "--name", "ops", "--role", "operator", "--output", file] + base)
        #expect(written.status == 0, "\(written.err)")
        #expect(written.out.isEmpty, "the line goes to the file only")
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let ops = try AuthKey.load(file)
        #expect(try AdminClient(connection: try setup.connection(ops)).keys().keys.count == 5)

        let table = try compctl(["keys", "list"] + base)
        #expect(table.status == 0, "\(table.err)")
        #expect(table.out.contains(key.id) && table.out.contains("ledger") && table.out.contains("subscriber"))
        let json = try compctl(["keys", "list", "--json"] + base)
        #expect(json.status == 0)
        for secret in [key.secret, ops.secret, setup.admin.secret] {
            #expect(!table.out.contains(Hex.encode(secret)) && !json.out.contains(Hex.encode(secret)))
        }
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]])
        #expect(rows.count == 5)
        #expect(rows.first { $0["id"] as? String == key.id }?["services"] as? [String] == ["ledger"])

        let revoked = try compctl(["keys", "revoke", key.id] + base)
        #expect(revoked.status == 0, "\(revoked.err)")
        #expect(revoked.out.hasPrefix("revoked: key \(key.id) at "))
        let ledger = try setup.connection(key)
        #expect(code { () throws(ClientError) in
            _ = try Reporter(connection: ledger).send([failureRecord(service: "ledger", eventId: "l-2")])
        } == .unauthenticated)

        let unknown = try compctl(["keys", "revoke", "k_0000000000000000"] + base)
        #expect(unknown.status == 3)
        #expect(unknown.err.contains("not_found"), "\(unknown.err)")
        let forbidden = try compctl(["keys", "list", "--broker", setup.broker.listen, "--key", setup.orders.line])
        #expect(forbidden.status == 1)
        #expect(forbidden.err.contains("forbidden"), "\(forbidden.err)")
        let unsigned = try compctl(["keys", "list", "--broker", setup.broker.listen])
        #expect(unsigned.status == 1)
        #expect(unsigned.err.contains("unauthenticated"), "\(unsigned.err)")
        let badRole = try compctl(["keys", "create", "--name", "x", "--role", "admin"] + base)
        #expect(badRole.status == 64)
        #expect(badRole.err.contains("--role"), "\(badRole.err)")
        let noService = try compctl(["keys", "create", "--name", "x", "--role", "subscriber"] + base)
        #expect(noService.status == 64)
        #expect(noService.err.contains("--service"), "\(noService.err)")
        let exists = try compctl(["keys", "create", "--name", "x", "--role", "operator", "--output", file] + base)
        #expect(exists.status == 64, "an existing key file is not overwritten")
        #expect(try AuthKey.load(file) == ops)
    }

    @Test("HTTP: an operator key is a bearer token next to the tokens file; a subscriber key gets 403, a revoked key 401 at once (problem+json)")
    func httpBearerKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.path + "/data"
        let admin = try KeysTests.key(data, name: "admin", role: "operator")
        let orders = try KeysTests.key(data, name: "orders", role: "subscriber", services: ["orders"])
        let viewer = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let tokens = directory.path + "/tokens"
        guard FileManager.default.createFile(atPath: tokens, contents: Data("bob viewer \(viewer)\n".utf8)) else {
            throw TestFailure("cannot write \(tokens)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokens)
        let (broker, base, _) = try await startHTTPBroker(dataDirectory: data, logDirectory: directory.path,
                                                          extra: ["--http-tokens", tokens, "--auth", "optional"])
        defer { broker.stop() }
        func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

        let whoami = try await httpExchange("GET", base + "/api/v1/whoami", headers: bearer(admin.line))
        #expect(whoami.status == 200, "\(whoami.body)")
        #expect(whoami.json?["name"] as? String == "admin")
        #expect(whoami.json?["role"] as? String == "operator")
        #expect(try await httpExchange("GET", base + "/api/v1/stats", headers: bearer(admin.line)).status == 200)
        let action = try await httpExchange("POST", base + "/api/v1/executions/999/actions",
                                            headers: bearer(admin.line).merging(["Content-Type": "application/json"]) { $1 },
                                            body: #"{"action":"retry"}"#)
        #expect(action.status == 404, "an operator may act (no such execution): \(action.body)")
        let console = try await httpExchange("GET", base + "/", headers: bearer(admin.line))
        #expect(console.status == 200, "the console too")
        #expect(try await httpExchange("GET", base + "/api/v1/stats", headers: bearer(viewer)).status == 200, "the tokens file still works")

        let subscriber = try await httpExchange("GET", base + "/api/v1/stats", headers: bearer(orders.line))
        #expect(subscriber.status == 403)
        #expect(subscriber.header("Content-Type") == "application/problem+json")
        #expect(subscriber.json?["code"] as? String == "forbidden")

        // A second operator key made over the wire works on HTTP at once, and stops at once when revoked.
        let client = AdminClient(connection: try BrokerConnection(address: broker.listen, timeoutMilliseconds: 5000, key: admin))
        let created = try client.createKey(name: "ops-bot", role: 2, services: [])
        let bot = AuthKey(id: created.key.id, secret: created.secret)
        #expect(try await httpExchange("GET", base + "/api/v1/stats", headers: bearer(bot.line)).status == 200)
        _ = try client.revokeKey(bot.id)
        let revoked = try await httpExchange("GET", base + "/api/v1/stats", headers: bearer(bot.line))
        #expect(revoked.status == 401)
        #expect(revoked.json?["code"] as? String == "unauthenticated")
        #expect(revoked.body.contains("revoked"), "\(revoked.body)")
        let wrongSecret = try await httpExchange("GET", base + "/api/v1/stats",
                                                 headers: bearer(AuthKey(id: admin.id, secret: orders.secret).line))
        #expect(wrongSecret.status == 401)
        #expect(try await httpExchange("GET", base + "/healthz", headers: bearer(bot.line)).status == 200, "the probes stay open")
    }
}
