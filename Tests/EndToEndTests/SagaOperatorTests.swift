import CompClient
import CompWire
import Foundation
import Testing

/// `compctl saga list | show | abort` and `/api/v1/sagas` on sagas made by real records (SagaRef, Record tag 7),
/// against a real compd; the compensations are run by `compctl subscribe`.
@Suite(.serialized)
struct SagaOperatorTests {
    /// A saga step's record: `kind` of `service`/`function` for event `evt-<saga>`, step `step` of saga `saga`
    /// (the correlation id), undone by `compensation`.
    private func step(_ kind: RecordKind, saga: String, step: UInt16, service: String, function: String,
                      compensation: String, recoverable: UInt8? = nil) -> Record {
        Record(
            id: RecordIdentifier.next(), kind: kind, service: service, processor: "p", function: function,
            eventId: "evt-\(saga)", occurredAt: nowMs(), correlationId: saga,
            error: kind == .failure ? ErrorDetails(code: "DOWN", message: "\(service) is down") : nil,
            recoverable: recoverable, retrySpec: kind == .failure ? quickSpec(minBackoffMs: 60_000) : nil,
            saga: SagaRef(sagaId: "", step: step, compensation: compensation))
    }

    @Test("saga list, show and abort show real sagas: an abort by a failed step, an operator's abort, their compensations run by a subscriber")
    func listShowAbort() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        defer { broker.stop() }
        let outcomes = try broker.reporter().send([
            step(.success, saga: "order-1", step: 0, service: "orders", function: "charge", compensation: "refund"),
            step(.failure, saga: "order-1", step: 1, service: "points", function: "add", compensation: "remove", recoverable: 2),
            step(.failure, saga: "order-2", step: 0, service: "orders", function: "charge", compensation: "refund"),
        ])
        #expect(outcomes.allSatisfy { $0.status == .accepted }, "\(outcomes)")
        let forwardOfOrder2 = outcomes[2].executionId

        // order-1 aborted when its step 1 failed unrecoverably; order-2 runs.
        let list = try compctl(["saga", "list", "--broker", broker.listen])
        #expect(list.status == 0, "\(list.err)")
        let lines = list.out.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ID       STATUS    STEPS  UPDATED") == true, "\(list.out)")
        #expect(lines.contains { $0.hasPrefix("order-1  ABORTING  2 ") && $0.hasSuffix("aborted: step 1 failed") }, "\(list.out)")
        #expect(lines.contains { $0.hasPrefix("order-2  RUNNING   1 ") }, "\(list.out)")
        let running = try json(try compctl(["saga", "list", "--status", "running", "--json", "--broker", broker.listen]).out)
        #expect((running["sagas"] as? [[String: Any]])?.map { $0["id"] as? String } == ["order-2"])

        let shown = try compctl(["saga", "show", "order-1", "--json", "--broker", broker.listen])
        #expect(shown.status == 0, "\(shown.err)")
        let detail = try json(shown.out)
        let saga = try #require(detail["saga"] as? [String: Any])
        #expect(saga["status"] as? String == "ABORTING")
        #expect(saga["abortCause"] as? String == "step failed")
        #expect(saga["abortStep"] as? Int == 1)
        let steps = try #require(detail["steps"] as? [[String: Any]])
        #expect(steps.map { $0["forwardState"] as? String } == ["succeeded", "failed"])
        #expect(steps.map { $0["compensationState"] as? String } == ["running", "not-needed"])
        let compensation = try #require(steps[0]["compensationExecutionId"] as? Int)
        #expect(steps[1]["forwardExecutionId"] as? Int == Int(outcomes[1].executionId))
        let history = try #require(detail["history"] as? [[String: Any]])
        let seqs = history.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted() && seqs.count == history.count, "\(history)")
        let kinds = Set(history.compactMap { $0["kind"] as? String })
        #expect(kinds.isSuperset(of: ["failure", "saga-status", "compensate"]), "\(kinds)")
        #expect(history.contains { $0["executionId"] as? Int == compensation })

        let text = try compctl(["saga", "show", "order-1", "--broker", broker.listen])
        #expect(text.status == 0)
        #expect(text.out.hasPrefix("saga order-1  ABORTING  steps=2  created="), "\(text.out)")
        #expect(text.out.contains("\nsteps:\nSTEP  SERVICE/PROCESSOR  FORWARD  COMPENSATION  FORWARD-STATE  COMPENSATION-STATE  EXECUTIONS\n"), "\(text.out)")
        #expect(text.out.contains("compensation=\(compensation)"), "\(text.out)")
        #expect(text.out.contains("\nrecords and changes, in time order:\n"), "\(text.out)")

        // An operator aborts order-2: its running forward is fenced and compensated with forwardUnknown.
        let abort = try compctl(["saga", "abort", "order-2", "--actor", "compctl:test", "--broker", broker.listen])
        #expect(abort.status == 0, "\(abort.err)")
        #expect(abort.out == "aborted: saga order-2 is ABORTING\n")
        let again = try compctl(["saga", "abort", "order-2", "--broker", broker.listen])
        #expect(again.status == 1)
        #expect(again.err == "compctl: not allowed: SagaAbortRequest.sagaId: saga order-2 is ABORTING\n")
        let order2 = try json(try compctl(["saga", "show", "order-2", "--json", "--broker", broker.listen]).out)
        #expect((order2["saga"] as? [String: Any])?["abortCause"] as? String == "operator")
        let order2Steps = try #require(order2["steps"] as? [[String: Any]])
        #expect(order2Steps.first?["forwardUnknown"] as? Bool == true, "\(order2Steps)")
        #expect(order2Steps.first?["forwardExecutionId"] as? Int == Int(forwardOfOrder2))
        #expect((order2["history"] as? [[String: Any]])?.contains { $0["actor"] as? String == "compctl:test" } == true, "\(order2)")

        // A subscriber of orders runs both refunds: both sagas end COMPENSATED.
        let subscribe = try compctl(["subscribe", "--service", "orders", "--succeed", "--count", "2", "--wait", "30s",
                                     "--broker", broker.listen])
        #expect(subscribe.status == 0, "\(subscribe.out)\(subscribe.err)")
        #expect(try eventually(30) {
            let page = try broker.admin().sagas(status: 4)
            return Set(page.sagas.map(\.id)) == ["order-1", "order-2"]
        })
        let done = try compctl(["saga", "show", "order-1", "--json", "--broker", broker.listen])
        #expect((try json(done.out)["steps"] as? [[String: Any]])?.first?["compensationState"] as? String == "succeeded")
    }

    @Test("/api/v1/sagas lists, shows and aborts real sagas; aborting one that no longer runs is 409 not_allowed")
    func httpAPI() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try await APIBroker.start(directory)
        let outcomes = try api.broker.reporter().send([
            step(.failure, saga: "order-9", step: 0, service: "orders", function: "charge", compensation: "refund"),
        ])
        #expect(outcomes.allSatisfy { $0.status == .accepted }, "\(outcomes)")
        let list = try await api.get("/api/v1/sagas")
        #expect(list.status == 200, "\(list.text)")
        let sagas = try #require(list.json["sagas"] as? [[String: Any]])
        #expect(sagas.map { $0["id"] as? String } == ["order-9"])
        #expect(sagas.first?["status"] as? String == "running")
        let detail = try await api.get("/api/v1/sagas/order-9")
        #expect(detail.status == 200, "\(detail.text)")
        let steps = try #require(detail.json["steps"] as? [[String: Any]])
        #expect(steps.first?["forwardState"] as? String == "running")
        #expect((steps.first?["forwardExecutionId"] as? NSNumber)?.int64Value == outcomes[0].executionId)
        #expect(detail.json["omittedEntries"] as? Int == 0)
        let abort = try await api.request("POST", "/api/v1/sagas/order-9/abort")
        #expect(abort.status == 200, "\(abort.text)")
        #expect(abort.json["status"] as? String == "aborting")
        expectProblem(try await api.request("POST", "/api/v1/sagas/order-9/abort"), 409, "not_allowed")
        let aborting = try await api.get("/api/v1/sagas?status=aborting")
        #expect((aborting.json["sagas"] as? [[String: Any]])?.count == 1, "\(aborting.text)")
    }
}
