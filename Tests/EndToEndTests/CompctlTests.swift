import CompWire
import Foundation
import Testing

/// The compctl binary against a real compd: output and exit codes.
@Suite(.serialized)
struct CompctlTests {
    private func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test("report, list, show, mark, retry and discard through the CLI, with JSON output")
    func operatorFlow() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let common = ["--broker", broker.listen, "--json"]

        let report = try compctl(["report", "failure", "--service", "orders", "--processor", "billing",
            "--function", "charge", "--event-id", "cli-1", "--correlation-id", "order-7",
            "--error-code", "DB_DOWN", "--error-message", "connection refused", "--min-backoff", "3s",
            "--max-retries", "4"] + common)
        #expect(report.status == 0, "\(report.err)")
        let outcome = try #require(try json(report.out) as? [String: Any])
        #expect(outcome["outcome"] as? String == "accepted")
        let id = try #require(outcome["executionId"] as? Int)

        let list = try compctl(["list", "--status", "FAILED", "--correlation-id", "order-7"] + common)
        #expect(list.status == 0)
        let items = try #require((try json(list.out) as? [String: Any])?["executions"] as? [[String: Any]])
        #expect(items.count == 1)
        let item = items[0]
        #expect(item["id"] as? Int == id)
        #expect(item["status"] as? String == "FAILED")
        #expect(item["retries"] as? Int == 0)
        #expect(item["maxRetries"] as? Int == 4)
        #expect(item["service"] as? String == "orders")
        #expect(item["processor"] as? String == "billing")
        #expect(item["function"] as? String == "charge")
        #expect(item["eventId"] as? String == "cli-1")
        #expect(item["correlationId"] as? String == "order-7")
        #expect(item["nextRetryAt"] as? String != nil)
        #expect((item["error"] as? [String: Any])?["code"] as? String == "DB_DOWN")
        #expect(item.keys.contains("parkReason"))

        let mark = try compctl(["mark", "\(id)", "--unrecoverable", "--broker", broker.listen])
        #expect(mark.status == 0)
        #expect(mark.out.contains("1 of 1 changed"))
        let shown = try compctl(["show", "\(id)"] + common)
        let execution = try #require((try json(shown.out) as? [String: Any])?["execution"] as? [String: Any])
        #expect(execution["status"] as? String == "PARKED")
        #expect(execution["parkReason"] as? String == "unrecoverable")

        #expect(try compctl(["retry", "--status", "PARKED", "--broker", broker.listen]).status == 0)
        #expect(try compctl(["discard", "\(id)", "--broker", broker.listen]).status == 0)
        let again = try compctl(["discard", "\(id)", "--broker", broker.listen])
        #expect(again.status == 1)
        #expect(again.err.contains("not_allowed"))
    }

    @Test("bad arguments and an unreachable broker give a message and a non-zero exit")
    func errors() throws {
        let usage = try compctl(["report", "failure", "--service", "s"])
        #expect(usage.status == 64)
        #expect(usage.err.contains("--processor"))
        let badDuration = try compctl(["report", "failure", "--service", "s", "--processor", "p",
            "--function", "f", "--event-id", "e", "--error-code", "E", "--min-backoff", "soon"])
        #expect(badDuration.status == 64)
        #expect(badDuration.err.contains("duration"))
        let unreachable = try compctl(["stats", "--broker", "ipc:///tmp/compd-nobody-\(getpid()).sock", "--timeout", "300ms"])
        #expect(unreachable.status == 69)
        #expect(unreachable.err.contains("no reply"))
        let unknown = try compctl(["show", "123456", "--broker", "ipc:///tmp/compd-nobody-\(getpid()).sock", "--timeout", "200ms"])
        #expect(unknown.status != 0)
    }

    @Test("subscribe --exec runs the command with the retry as JSON and reports its exit status")
    func subscribeExec() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        _ = try broker.reporter().send([
            failureRecord(eventId: "x-ok", spec: quickSpec(minBackoffMs: 50)),
            failureRecord(eventId: "x-bad", spec: quickSpec(minBackoffMs: 50)),
        ])
        let script = "grep -q x-ok || { echo 'handler says no' >&2; exit 3; }"
        let run = try compctl(["subscribe", "--service", "orders", "--instance", "cli", "--count", "2",
            "--wait", "2s", "--exec", script, "--broker", broker.listen, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let lines = run.out.split(separator: "\n").compactMap { try? json(String($0)) as? [String: Any] }
        #expect(lines.count == 2)
        let results = Dictionary(uniqueKeysWithValues: lines.map { ($0["eventId"] as? String ?? "", $0["result"] as? String ?? "") })
        #expect(results == ["x-ok": "success", "x-bad": "failure"])
        let failed = try broker.admin().list(Filter(eventId: "x-bad"), limit: 1).executions.first
        #expect(failed?.error.code == "EXIT_3")
        #expect(failed?.error.message == "handler says no")
    }
}

/// `compctl load` against a real compd (counts only; speed is for benchmarks).
@Suite(.serialized)
struct LoadCommandTests {
    @Test("load sends exactly --count records, and with subscribers every failure is compensated")
    func loadLoop() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let run = try compctl(["load", "--broker", broker.listen, "--max", "--count", "600", "--batch", "50",
            "--connections", "3", "--failure-ratio", "0.5", "--subscribers", "2", "--drain-timeout", "20s", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect(summary["sent"] as? Int == 600)
        #expect(summary["acknowledged"] as? Int == 600)
        #expect(summary["errors"] as? Int == 0)
        #expect(summary["pendingAtEnd"] as? Int == 0)
        let compensations = try #require(summary["compensations"] as? Int)
        #expect(compensations > 150)  // about half of 600 are failures
        let stats = try broker.admin().stats()
        let succeeded = stats.counts.first { $0.status == 3 }?.count ?? 0
        #expect(Int(succeeded) == compensations)
        #expect(stats.successesNotHeld + UInt64(compensations) == 600)
        let lag = try #require(summary["dispatchLag"] as? [String: Any])
        #expect(lag["count"] as? Int == compensations)
        // One delivery after its lease's grant per compensation, under the lease length (30 s): a grant read from the
        // deadline with another length would not be.
        let afterGrant = try #require(summary["deliveryAfterGrant"] as? [String: Any])
        #expect(afterGrant["count"] as? Int == compensations)
        let grantMax = try #require((afterGrant["max"] as? NSNumber)?.doubleValue)
        #expect(grantMax >= 0 && grantMax < 30_000)
    }

    @Test("load refuses contradictory options")
    func loadOptions() throws {
        let both = try compctl(["load", "--max", "--rate", "10"])
        #expect(both.status == 64)
        let neither = try compctl(["load", "--count", "5"])
        #expect(neither.status == 64)
    }
}
