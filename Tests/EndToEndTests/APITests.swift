import CompClient
import CompWire
import Foundation
import Testing

/// compd's JSON API (issue 11) through a real compd and real HTTP: reads, actions and bulk actions go
/// through the broker's gateway; answers are JSON, errors problem details.
@Suite(.serialized)
struct APITests {
    /// Reports failures and returns the execution ids, in order.
    private func seed(_ broker: BrokerProcess, _ records: [Record]) throws -> [Int64] {
        let outcomes = try broker.reporter().send(records)
        #expect(outcomes.allSatisfy { $0.status == .accepted }, "\(outcomes)")
        return outcomes.map(\.executionId)
    }

    private func ids(_ answer: APIAnswer) -> [Int64] {
        ((answer.json["executions"] as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value }
    }

    private func execution(_ api: APIBroker, _ id: Int64) async throws -> [String: Any] {
        let answer = try await api.get("/api/v1/executions/\(id)")
        #expect(answer.status == 200, "\(answer.text)")
        return try #require(answer.json["execution"] as? [String: Any])
    }

    @Test("list filters by status, service and error code, pages newest first with an opaque cursor, and names a bad parameter")
    func listFiltersAndPages() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let first = try seed(api.broker, (0..<3).map { failureRecord(service: "alpha", eventId: "a\($0)", code: "A_DOWN") })
        let second = try seed(api.broker, (0..<2).map { failureRecord(service: "beta", eventId: "b\($0)", code: "B_DOWN") })

        let alpha = try await api.get("/api/v1/executions?service=alpha&status=failed")
        #expect(alpha.status == 200, "\(alpha.text)")
        #expect(alpha.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(ids(alpha) == first.reversed())
        #expect(alpha.json["nextCursor"] == nil)
        let execution = try #require((alpha.json["executions"] as? [[String: Any]])?.first)
        #expect(execution["status"] as? String == "failed")
        #expect(execution["service"] as? String == "alpha")
        #expect((execution["error"] as? [String: Any])?["code"] as? String == "A_DOWN")
        let created = try #require(execution["createdAt"] as? String)
        #expect(created.hasSuffix("Z") && created.contains("."), "\(created): RFC 3339 UTC with milliseconds")
        #expect(ids(try await api.get("/api/v1/executions?errorCode=B_DOWN")) == second.reversed())
        #expect(ids(try await api.get("/api/v1/executions?status=parked")).isEmpty)
        #expect(ids(try await api.get("/api/v1/executions?status=parked&status=failed&service=beta")) == second.reversed())

        // Paging: two, two, one; the cursor is opaque text.
        var seen: [Int64] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await api.get("/api/v1/executions?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
            #expect(page.status == 200, "\(page.text)")
            seen += ids(page)
            cursor = page.json["nextCursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(pages == 3)
        #expect(seen == (first + second).sorted(by: >))

        expectProblem(try await api.get("/api/v1/executions?limit=0"), 400, "invalid_query", field: "limit")
        expectProblem(try await api.get("/api/v1/executions?limit=1001"), 400, "invalid_query", field: "limit")
        expectProblem(try await api.get("/api/v1/executions?limit=ten"), 400, "invalid_query", field: "limit")
        expectProblem(try await api.get("/api/v1/executions?status=FAILING"), 400, "invalid_query", field: "status")
        expectProblem(try await api.get("/api/v1/executions?parkReason=bored"), 400, "invalid_query", field: "parkReason")
        expectProblem(try await api.get("/api/v1/executions?cursor=abc"), 400, "invalid_query", field: "cursor")
        expectProblem(try await api.get("/api/v1/executions?service="), 400, "invalid_query", field: "service")
        let long = String(repeating: "s", count: 257)
        expectProblem(try await api.get("/api/v1/executions?function=\(long)"), 400, "invalid_query", field: "function")
        expectProblem(try await api.get("/api/v1/executions?since=yesterday"), 400, "invalid_query", field: "since")
        #expect(api.broker.stop() == 0)
    }

    @Test("the console's filters and sort: recoverable, created since/until, due before, next-retry order with its own cursor")
    func consoleFiltersAndSort() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let before = nowMs()
        // Due in 1 h, 2 h, 3 h (the spec's min backoff), one reported recoverable.
        let late = try seed(api.broker, [failureRecord(eventId: "h3", spec: quickSpec(maxRetries: 5, minBackoffMs: 3_600_000 * 3))])
        let early = try seed(api.broker, [failureRecord(eventId: "h1", recoverable: 1, spec: quickSpec(maxRetries: 5, minBackoffMs: 3_600_000))])
        let middle = try seed(api.broker, [failureRecord(eventId: "h2", spec: quickSpec(maxRetries: 5, minBackoffMs: 3_600_000 * 2))])
        func at(_ ms: Int64) -> String {
            let text = Date(timeIntervalSince1970: Double(ms) / 1000).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            return text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        }
        #expect(ids(try await api.get("/api/v1/executions?recoverable=recoverable")) == early)
        #expect(ids(try await api.get("/api/v1/executions?since=\(at(before - 60_000))")).count == 3)
        #expect(ids(try await api.get("/api/v1/executions?until=\(at(before - 60_000))")).isEmpty)
        let due = try await api.get("/api/v1/executions?dueBefore=\(at(nowMs() + 3_600_000 * 2 + 600_000))")
        #expect(Set(ids(due)) == Set(early + middle), "\(due.text)")

        // By next retry, one per page: 1 h, 2 h, 3 h.
        var order: [Int64] = []
        var cursor: String?
        repeat {
            let page = try await api.get("/api/v1/executions?sort=nextRetry&limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""))
            #expect(page.status == 200, "\(page.text)")
            order += ids(page)
            cursor = page.json["nextCursor"] as? String
        } while cursor != nil && order.count < 5
        #expect(order == early + middle + late)
        expectProblem(try await api.get("/api/v1/executions?sort=nextRetry&cursor=12"), 400, "invalid_query", field: "cursor")
        expectProblem(try await api.get("/api/v1/executions?sort=soonest"), 400, "invalid_query", field: "sort")
        expectProblem(try await api.get("/api/v1/executions?recoverable=maybe"), 400, "invalid_query", field: "recoverable")

        let dry = try await api.post("/api/v1/actions", ["action": "park", "filter": ["recoverable": "unknown"], "dryRun": true])
        #expect(dry.json["count"] as? Int == 2, "\(dry.text)")
        #expect(api.broker.stop() == 0)
    }

    @Test("an action through the API is recorded with its author http:<caller>; stats carry the due-now count and the overview")
    func actorAndOverview() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let ids = try seed(api.broker, [failureRecord(service: "orders", eventId: "a", correlationId: "order-a", code: "DB_DOWN"),
                                        failureRecord(service: "billing", eventId: "b", code: "CARD")])
        #expect(try await api.post("/api/v1/executions/\(ids[0])/actions", ["action": "park"]).status == 200)
        let shown = try await api.get("/api/v1/executions/\(ids[0])")
        let history = try #require(shown.json["history"] as? [[String: Any]])
        #expect(history.contains { $0["actor"] as? String == "http:local" }, "\(shown.text)")
        #expect(history.first?["actor"] == nil, "a record row has no author")
        let timeline = try await api.get("/api/v1/timeline/order-a")
        let entries = try #require(timeline.json["entries"] as? [[String: Any]])
        #expect(entries.contains { $0["actor"] as? String == "http:local" }, "\(timeline.text)")

        let stats = try await api.get("/api/v1/stats")
        let views = try #require(stats.json["views"] as? [String: Any])
        #expect(views["dueNow"] is Int, "\(stats.text)")
        let overview = try #require(stats.json["overview"] as? [String: Any], "\(stats.text)")
        #expect((overview["bucketMs"] as? Int ?? 0) > 0)
        let series = try #require(overview["series"] as? [[String: Any]])
        #expect(Set(series.compactMap { $0["service"] as? String }) == ["orders", "billing"])
        let top = try #require(overview["topErrorsHour"] as? [[String: Any]])
        #expect(Set(top.compactMap { $0["code"] as? String }) == ["DB_DOWN", "CARD"])
        #expect(api.broker.stop() == 0)
    }

    @Test("with HTTP tokens the API acts for the token's caller: whoami names it, a viewer's action is 403, an operator's is recorded as http:<name>")
    func callerFromTokens() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let viewer = String(repeating: "v", count: 40)
        let operatorToken = String(repeating: "o", count: 40)
        let tokens = directory.path + "/tokens"
        #expect(FileManager.default.createFile(atPath: tokens, contents: Data("bob viewer \(viewer)\nalice operator \(operatorToken)\n".utf8),
                                               attributes: [.posixPermissions: 0o600]))
        let api = try await APIBroker.start(directory, extra: ["--http-tokens", tokens])
        let id = try seed(api.broker, [failureRecord(eventId: "t")])[0]

        let bob = try await api.request("GET", "/api/v1/whoami", token: viewer)
        #expect(bob.json["name"] as? String == "bob" && bob.json["role"] as? String == "viewer", "\(bob.text)")
        let alice = try await api.request("GET", "/api/v1/whoami", token: operatorToken)
        #expect(alice.json["name"] as? String == "alice" && alice.json["role"] as? String == "operator", "\(alice.text)")
        #expect(try await api.request("GET", "/api/v1/executions/\(id)", token: viewer).status == 200, "a viewer reads")
        expectProblem(try await api.request("POST", "/api/v1/executions/\(id)/actions", json: ["action": "park"], token: viewer), 403, "forbidden")
        expectProblem(try await api.get("/api/v1/stats"), 401, "unauthenticated")

        let parked = try await api.request("POST", "/api/v1/executions/\(id)/actions", json: ["action": "park"], token: operatorToken)
        #expect(parked.status == 200, "\(parked.text)")
        let shown = try await api.request("GET", "/api/v1/executions/\(id)", token: viewer)
        let history = try #require(shown.json["history"] as? [[String: Any]])
        #expect(history.contains { $0["actor"] as? String == "http:alice" }, "\(shown.text)")
        #expect(api.broker.stop() == 0)
    }

    @Test("show returns the execution, its history and its payload as UTF-8 text or base64; an unknown id is 404")
    func showWithPayload() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let binary: [UInt8] = [0xff, 0x00, 0xfe, 0x41]
        let ids = try seed(api.broker, [failureRecord(eventId: "text", payload: Array("{\"order\": 7} ✓".utf8)),
                                        failureRecord(eventId: "bytes", payload: binary), failureRecord(eventId: "none")])

        let text = try await api.get("/api/v1/executions/\(ids[0])?payload=true")
        #expect(text.status == 200, "\(text.text)")
        let payload = try #require(text.json["payload"] as? [String: Any])
        #expect(payload["encoding"] as? String == "utf8")
        #expect(payload["data"] as? String == "{\"order\": 7} ✓")
        #expect(payload["bytes"] as? Int == "{\"order\": 7} ✓".utf8.count)
        let history = try #require(text.json["history"] as? [[String: Any]])
        #expect(history.first?["kind"] as? String == "failure")
        #expect((history.first?["recordId"] as? String)?.count == 32)
        #expect((text.json["execution"] as? [String: Any])?["payloadBytes"] as? Int == "{\"order\": 7} ✓".utf8.count)

        let bytes = try await api.get("/api/v1/executions/\(ids[1])?payload=true")
        let encoded = try #require(bytes.json["payload"] as? [String: Any])
        #expect(encoded["encoding"] as? String == "base64")
        #expect(Data(base64Encoded: encoded["data"] as? String ?? "").map { [UInt8]($0) } == binary)

        #expect(try await api.get("/api/v1/executions/\(ids[0])").json["payload"] == nil, "no payload unless asked")
        expectProblem(try await api.get("/api/v1/executions/999999"), 404, "unknown_execution")
        expectProblem(try await api.get("/api/v1/executions/seven"), 400, "invalid_query", field: "id")
        expectProblem(try await api.get("/api/v1/executions/\(ids[0])?payload=maybe"), 400, "invalid_query", field: "payload")
        #expect(api.broker.stop() == 0)
    }

    @Test("the timeline of a correlation id holds the executions and rows of two services in journal order")
    func timelineAcrossServices() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let ids = try seed(api.broker, [failureRecord(service: "payments", eventId: "p1", correlationId: "order-9"),
                                        failureRecord(service: "shipping", eventId: "s1", correlationId: "order-9"),
                                        failureRecord(service: "shipping", eventId: "s2", correlationId: "order-10")])
        let answer = try await api.get("/api/v1/timeline/order-9")
        #expect(answer.status == 200, "\(answer.text)")
        let executions = try #require(answer.json["executions"] as? [[String: Any]])
        #expect(Set(executions.compactMap { $0["service"] as? String }) == ["payments", "shipping"])
        let entries = try #require(answer.json["entries"] as? [[String: Any]])
        #expect(entries.compactMap { ($0["executionId"] as? NSNumber)?.int64Value } == [ids[0], ids[1]])
        let seqs = entries.compactMap { ($0["seq"] as? NSNumber)?.int64Value }
        #expect(seqs == seqs.sorted() && seqs.count == 2)
        #expect(answer.json["omittedEntries"] as? Int == 0)
        let none = try await api.get("/api/v1/timeline/nobody")
        #expect(none.status == 200)
        #expect((none.json["executions"] as? [Any])?.isEmpty == true)
        #expect(api.broker.stop() == 0)
    }

    @Test("stats counts executions by status and view; services lists pause and resume; whoami is the local operator")
    func statsServicesAndWhoami() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let ids = try seed(api.broker, (0..<4).map { failureRecord(service: "orders", eventId: "e\($0)") })
        #expect(try await api.post("/api/v1/executions/\(ids[0])/actions", ["action": "park"]).status == 200)
        #expect(try await api.post("/api/v1/executions/\(ids[1])/actions", ["action": "discard"]).status == 200)

        let stats = try await api.get("/api/v1/stats")
        #expect(stats.status == 200, "\(stats.text)")
        let views = try #require(stats.json["views"] as? [String: Any])
        #expect(views["toRetry"] as? Int == 2)
        #expect(views["discarded"] as? Int == 1)
        #expect((views["parked"] as? [String: Any])?["manual"] as? Int == 1)
        let counts = try #require(stats.json["counts"] as? [[String: Any]])
        #expect(counts.contains { $0["status"] as? String == "parked" && $0["parkReason"] as? String == "manual" && $0["count"] as? Int == 1 })
        #expect((stats.json["records"] as? [String: Any])?["accepted"] as? Int == 4)

        let paused = try await api.request("POST", "/api/v1/services/orders/pause")
        #expect(paused.status == 200, "\(paused.text)")
        #expect(paused.json["changed"] as? Int == 1)
        let again = try await api.request("POST", "/api/v1/services/orders/pause")
        #expect(again.json["changed"] as? Int == 0, "already paused")
        let services = try await api.get("/api/v1/services")
        let orders = (services.json["services"] as? [[String: Any]])?.first { $0["service"] as? String == "orders" }
        #expect(orders?["paused"] as? Bool == true, "\(services.text)")
        #expect(try await api.request("POST", "/api/v1/services/orders/resume").json["changed"] as? Int == 1)
        let resumed = (try await api.get("/api/v1/services").json["services"] as? [[String: Any]])?.first { $0["service"] as? String == "orders" }
        #expect(resumed?["paused"] as? Bool != true, "resumed (an idle service that is not paused may drop out of the list)")

        let whoami = try await api.get("/api/v1/whoami")
        #expect(whoami.json["name"] as? String == "local")
        #expect(whoami.json["role"] as? String == "operator")
        #expect(api.broker.stop() == 0)
    }

    @Test("every action on one id: park, retry, mark both ways, applySpec with durations, changeFunction, discard; refusals are 409, unknown ids 404")
    func actionsOnOneExecution() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let id = try seed(api.broker, [failureRecord(eventId: "one", spec: quickSpec(maxRetries: 3, minBackoffMs: 60_000))])[0]
        let path = "/api/v1/executions/\(id)/actions"

        func act(_ body: [String: Any]) async throws -> APIAnswer {
            let answer = try await api.post(path, body)
            #expect(answer.status == 200, "\(body): \(answer.text)")
            #expect(answer.json["matched"] as? Int == 1 && answer.json["changed"] as? Int == 1, "\(body): \(answer.text)")
            return answer
        }
        _ = try await act(["action": "park"])
        var shown = try await execution(api, id)
        #expect(shown["status"] as? String == "parked" && shown["parkReason"] as? String == "manual")
        _ = try await act(["action": "retry"])
        #expect(try await execution(api, id)["status"] as? String == "failed")
        _ = try await act(["action": "mark", "recoverable": "unrecoverable"])
        shown = try await execution(api, id)
        #expect(shown["parkReason"] as? String == "unrecoverable" && shown["markedByOperator"] as? Bool == true)
        _ = try await act(["action": "mark", "recoverable": "recoverable"])
        #expect(try await execution(api, id)["status"] as? String == "failed")
        _ = try await act(["action": "applySpec", "spec": ["maxRetries": 20, "minBackoff": "2s", "maxBackoff": 300_000]])
        let spec = try #require(try await execution(api, id)["spec"] as? [String: Any])
        #expect(spec["maxRetries"] as? Int == 20 && spec["minBackoffMs"] as? Int == 2000 && spec["maxBackoffMs"] as? Int == 300_000)
        _ = try await act(["action": "changeFunction", "function": "chargeV2"])
        #expect(try await execution(api, id)["function"] as? String == "chargeV2")
        _ = try await act(["action": "discard"])
        #expect(try await execution(api, id)["status"] as? String == "discarded")

        expectProblem(try await api.post(path, ["action": "retry"]), 409, "not_allowed")
        expectProblem(try await api.post("/api/v1/executions/424242/actions", ["action": "discard"]), 404, "unknown_execution")
        expectProblem(try await api.post(path, ["action": "mark"]), 400, "invalid_field", field: "recoverable")
        expectProblem(try await api.post(path, ["action": "applySpec"]), 400, "invalid_field", field: "spec")
        expectProblem(try await api.post(path, ["action": "applySpec", "spec": [String: Any]()]), 400, "invalid_field", field: "spec")
        expectProblem(try await api.post(path, ["action": "applySpec", "spec": ["minBackoff": "3sec"]]), 400, "invalid_field", field: "spec.minBackoff")
        expectProblem(try await api.post(path, ["action": "applySpec", "spec": ["minBackoff": "5m", "maxBackoff": "1m"]]), 400, "invalid_field", field: "spec.maxBackoff")
        expectProblem(try await api.post(path, ["action": "applySpec", "spec": ["maxRetries": "many"]]), 400, "invalid_field", field: "spec.maxRetries")
        expectProblem(try await api.post(path, ["action": "applySpec", "spec": ["jitterPermille": 1001]]), 400, "invalid_field", field: "spec.jitterPermille")
        expectProblem(try await api.post(path, ["action": "changeFunction", "function": ""]), 400, "invalid_field", field: "function")
        expectProblem(try await api.post(path, ["action": "discard", "force": true]), 400, "invalid_field", field: "force")
        expectProblem(try await api.post(path, ["action": "explode"]), 400, "invalid_field", field: "action")
        expectProblem(try await api.post(path, ["action": "retry", "colour": "red"]), 400, "invalid_field", field: "colour")
        #expect(api.broker.stop() == 0)
    }

    @Test("retry of a leased execution is refused with 409; force fences the lease and makes it due")
    func forceRetry() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let id = try seed(api.broker, [failureRecord(eventId: "leased", spec: quickSpec(maxRetries: 5, minBackoffMs: 1, timeoutMs: 60_000))])[0]
        let subscriber = try api.broker.subscriber(instance: "slow")
        var commands: [RetryCommand] = []
        #expect(try eventually(20) {
            commands = try subscriber.fetch(max: 1, waitMilliseconds: 500)
            return !commands.isEmpty
        })
        let leased = try await execution(api, id)
        #expect(leased["status"] as? String == "prepared")
        #expect((leased["lease"] as? [String: Any])?["holder"] as? String == "slow")
        let path = "/api/v1/executions/\(id)/actions"
        expectProblem(try await api.post(path, ["action": "retry"]), 409, "not_allowed")
        let forced = try await api.post(path, ["action": "retry", "force": true])
        #expect(forced.status == 200 && forced.json["changed"] as? Int == 1, "\(forced.text)")
        let after = try await execution(api, id)
        #expect(after["status"] as? String == "failed")
        #expect(after["lease"] == nil)
        let command = try #require(commands.first)
        #expect(try subscriber.succeeded(command).status == .stale, "the fenced holder's result is stale")
        #expect(api.broker.stop() == 0)
    }

    @Test("a bulk action with dryRun returns the count and the first ids and changes nothing; without it, it acts on every match")
    func bulkActions() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let bulk = try seed(api.broker, (0..<5).map { failureRecord(service: "bulk", eventId: "b\($0)", code: "BULK") })
        let other = try seed(api.broker, [failureRecord(service: "other", eventId: "o", code: "BULK")])

        let dry = try await api.post("/api/v1/actions", ["action": "discard", "filter": ["service": "bulk"], "dryRun": true])
        #expect(dry.status == 200, "\(dry.text)")
        #expect(dry.json["count"] as? Int == 5)
        #expect((dry.json["firstIds"] as? [NSNumber])?.map(\.int64Value) == bulk.reversed())
        #expect(ids(try await api.get("/api/v1/executions?service=bulk&status=failed")).count == 5, "a dry run changes nothing")

        let parked = try await api.post("/api/v1/actions", ["action": "park", "filter": ["service": "bulk", "status": ["failed"]]])
        #expect(parked.status == 200, "\(parked.text)")
        #expect(parked.json["matched"] as? Int == 5 && parked.json["changed"] as? Int == 5, "\(parked.text)")
        let discarded = try await api.post("/api/v1/actions", ["action": "discard", "filter": ["errorCode": "BULK", "status": ["parked"]]])
        #expect(discarded.json["matched"] as? Int == 5 && discarded.json["changed"] as? Int == 5, "\(discarded.text)")
        #expect(ids(try await api.get("/api/v1/executions?service=bulk&status=discarded")).count == 5)
        #expect(try await execution(api, other[0])["status"] as? String == "failed", "outside the filter")
        let none = try await api.post("/api/v1/actions", ["action": "retry", "filter": ["service": "nobody"], "dryRun": true])
        #expect(none.json["count"] as? Int == 0 && (none.json["firstIds"] as? [Any])?.isEmpty == true)

        expectProblem(try await api.post("/api/v1/actions", ["action": "discard", "filter": [String: Any]()]), 400, "invalid_field", field: "filter")
        expectProblem(try await api.post("/api/v1/actions", ["action": "discard"]), 400, "invalid_field", field: "filter")
        expectProblem(try await api.post("/api/v1/actions", ["action": "discard", "filter": ["status": ["gone"]]]), 400, "invalid_field", field: "filter.status")
        expectProblem(try await api.post("/api/v1/actions", ["action": "discard", "filter": ["service": ""]]), 400, "invalid_field", field: "filter.service")
        #expect(api.broker.stop() == 0)
    }

    @Test("errors are problem details: unknown path 404, wrong method 405 with Allow, body over 64 KiB 413, not JSON 400 or 415; no 5xx")
    func errorClasses() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let id = try seed(api.broker, [failureRecord(eventId: "e")])[0]
        expectProblem(try await api.get("/api/v1/nothing"), 404, "not_found")
        expectProblem(try await api.get("/api/v2/executions"), 404, "not_found")
        let wrong = try await api.request("DELETE", "/api/v1/executions/\(id)")
        expectProblem(wrong, 405, "method_not_allowed")
        #expect(wrong.header("Allow") == "GET")
        expectProblem(try await api.request("GET", "/api/v1/actions"), 405, "method_not_allowed")
        let big = Data(repeating: UInt8(ascii: " "), count: 64 * 1024 + 1)
        expectProblem(try await api.request("POST", "/api/v1/actions", raw: big), 413, "body_too_large")
        let fits = Data(#"{"action": "discard", "filter": {"service": "x"}, "dryRun": true}"#.utf8)
        let padded = fits + Data(repeating: UInt8(ascii: " "), count: 64 * 1024 - fits.count)
        #expect(try await api.request("POST", "/api/v1/actions", raw: padded).status == 200, "64 KiB exactly is read")
        expectProblem(try await api.request("POST", "/api/v1/executions/\(id)/actions", raw: Data("{not json".utf8)), 400, "invalid_body")
        expectProblem(try await api.request("POST", "/api/v1/executions/\(id)/actions", raw: Data("discard".utf8), contentType: "text/plain"),
                      415, "unsupported_media_type")
        // Times out of RFC 3339's ranges are refused, not rolled over (schemathesis found minute 99 accepted).
        for bad in ["2024-01-01T12:99:00Z", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
                    "2024-01-01T24:00:00Z", "2024-01-01T00:00:61Z", "2024-01-01T00:00:00+25:00", "2024-01-01T00:00:00"] {
            let answer = try await api.post("/api/v1/actions", ["action": "discard", "filter": ["until": bad], "dryRun": true])
            #expect(answer.status == 400, "\(bad) gave \(answer.status)")
        }
        for good in ["2024-02-29T23:59:59.5Z", "2024-01-01T00:00:00+05:30"] {
            let answer = try await api.post("/api/v1/actions", ["action": "discard", "filter": ["until": good], "dryRun": true])
            #expect(answer.status == 200, "\(good) gave \(answer.status)")
        }
        let html = try await api.request("GET", "/api/v1/stats", accept: "text/html")
        expectProblem(html, 406, "not_acceptable")
        #expect(try await execution(api, id)["status"] as? String == "failed", "nothing changed")
        #expect(api.broker.stop() == 0)
    }

    @Test("an action while commits fail on a full disk is 503 storage_failure, and works again once the disk has room",
          .enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func storageFailure() async throws {
        let base = try TemporaryDirectory()
        defer { base.remove() }
        let mountPoint = base.path + "/disk"
        let disk = try SmallDisk(at: mountPoint)
        defer { disk.unmount() }
        let port = try freeLoopbackPort()
        let broker = BrokerProcess(dataDirectory: mountPoint + "/data", extraArguments: ["--http", "127.0.0.1:\(port)"],
                                   logDirectory: base.path)
        try broker.start()
        let api = APIBroker(broker: broker, base: "http://127.0.0.1:\(port)")
        #expect(await poll(30) { (try? await httpGet(api.base + "/readyz"))?.status == 200 })
        let ids = try seed(broker, (0..<3).map { failureRecord(eventId: "d\($0)") })
        let filler = disk.fill()
        let reporter = Reporter(connection: try broker.connect(), attempts: 1)
        for index in 0..<50 {
            _ = try? reporter.send([failureRecord(eventId: "full-\(index)", payload: [UInt8](repeating: 1, count: 4000))])
        }
        #expect(await poll(30) { (try? await httpGet(api.base + "/readyz"))?.status == 503 })
        // While the disk stays full an action fails to commit sooner or later (a small one may still fit).
        var refused: APIAnswer?
        for index in 0..<200 where refused == nil {
            let answer = try await api.post("/api/v1/executions/\(ids[0])/actions", ["action": index % 2 == 0 ? "park" : "retry"])
            #expect(answer.status == 200 || answer.status == 503, "\(answer.text)")
            if answer.status == 503 { refused = answer }
            _ = try? reporter.send([failureRecord(eventId: "more-\(index)", payload: [UInt8](repeating: 1, count: 4000))])
        }
        expectProblem(try #require(refused, "no action failed while the disk was full"), 503, "storage_failure")
        try FileManager.default.removeItem(atPath: filler)
        #expect(await poll(30) { (try? await api.post("/api/v1/executions/\(ids[ids.count - 1])/actions", ["action": "discard"]))?.status == 200 })
        #expect(broker.stop() == 0)
    }
}
