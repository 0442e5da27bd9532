import CompClient
import CompWire
import Foundation
import Testing

/// Intents (persist before call) against a real compd: `started` records, `Reporter.intent`, `compctl report
/// started`, lease expiry into retries through Fetch, and a kill -9 of compd after the Ack.
struct IntentTests {
    /// The `started` record of a test intent of service orders.
    func intent(_ eventId: String, timeoutMs: UInt64 = 800, payload: [UInt8]? = [1, 2, 3]) -> Intent {
        Intent(
            service: "orders", processor: "billing", function: "charge", eventId: eventId, correlationId: "order-7",
            timeoutMilliseconds: timeoutMs,
            retrySpec: RetrySpecPatch(maxRetries: 3, minBackoffMs: 100, maxBackoffMs: 1000, jitterPermille: 0),
            payload: payload)
    }

    /// Fetches until one command arrives (30 s at most).
    func fetchOne(_ subscriber: Subscriber) throws -> RetryCommand? {
        var found: RetryCommand?
        _ = try eventually(30) {
            found = try subscriber.fetch(max: 1, waitMilliseconds: 500).first
            return found != nil
        }
        return found
    }

    @Test("an intent whose caller never reports is retried through Fetch after its timeout; the retry's success closes it")
    func callerNeverReports() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        // A reporter process that records the intent and exits without a result: the caller died.
        let run = try compctl([
            "report", "started", "--broker", broker.listen, "--service", "orders", "--processor", "billing",
            "--function", "charge", "--event-id", "e-never", "--execution-timeout", "700ms", "--min-backoff", "100ms",
            "--max-retries", "3",
        ])
        #expect(run.status == 0, "\(run.err)")
        let match = try #require(run.out.firstMatch(of: /accepted: execution (\d+), lease (\d+):(\d+)/))
        let id = try #require(Int64(match.1))
        #expect(Int64(match.2) == id)

        let admin = try broker.admin()
        #expect(try admin.show(id).execution.status == 2)  // PREPARED, held by the intent
        let subscriber = try broker.subscriber(instance: "node-1")
        let command = try #require(try fetchOne(subscriber))
        #expect(command.executionId == id)
        #expect(command.attempt == 1)
        #expect(command.lastError.code == "TIMEOUT")
        #expect(command.lastError.message.contains("intent"))
        #expect(try subscriber.succeeded(command).status == .accepted)
        let shown = try admin.show(id)
        #expect(shown.execution.status == 3)
        #expect(shown.history.map(\.kind) == ["started", "timeout", "leased", "success-result"])
        #expect(broker.stop() == 0)
    }

    @Test("Reporter.intent runs the call after the Ack and closes the execution with the lease; a success by key closes another")
    func successClosesWithAndWithoutLease() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let reporter = try broker.reporter()
        let admin = try broker.admin()
        let statusDuringCall = Locked<UInt8>(0)
        let (value, report) = try reporter.intent(intent("e-ok", timeoutMs: 30_000)) {
            // The intent is durable before the call runs.
            statusDuringCall.with { $0 = (try? admin.listOne(eventId: "e-ok"))?.status ?? 0 }
            return 42
        }
        #expect(value == 42)
        #expect(statusDuringCall.with { $0 } == 2)
        #expect(report.lease == LeaseRef(executionId: report.executionId, token: UInt64(report.executionId)))
        #expect(report.result.status == .accepted)
        #expect(try admin.show(report.executionId).execution.status == 3)
        #expect(try admin.show(report.executionId).history.map(\.kind) == ["started", "success-result"])

        // Without the lease: a success by key closes the key's open execution.
        let started = try #require(try reporter.send([intent("e-key", timeoutMs: 30_000).startedRecord()]).first)
        #expect(started.status == .accepted)
        let closed = try #require(try reporter.send([intent("e-key").resultRecord(lease: nil)]).first)
        #expect(closed == RecordOutcome(status: .accepted, executionId: started.executionId))
        #expect(try admin.show(started.executionId).history.map(\.kind) == ["started", "success"])
        #expect(broker.stop() == 0)
    }

    @Test("a call that throws is reported as a failed attempt and rethrown; the retry comes through Fetch")
    func throwingCallFails() throws {
        struct PaymentDown: ReportableError {
            var errorDetails: ErrorDetails { ErrorDetails(code: "PAYMENT_DOWN", message: "503") }
            var recoverable: UInt8 { 1 }
        }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let reporter = try broker.reporter()
        #expect(throws: PaymentDown.self) {
            _ = try reporter.intent(intent("e-fail", timeoutMs: 30_000)) { () throws -> Int in throw PaymentDown() }
        }
        let subscriber = try broker.subscriber(instance: "node-1")
        let command = try #require(try fetchOne(subscriber))
        #expect(command.lastError.code == "PAYMENT_DOWN")
        #expect(command.payload == [1, 2, 3])
        #expect(try broker.admin().show(command.executionId).history.map(\.kind) == ["started", "failure-result", "leased"])
        #expect(broker.stop() == 0)
    }

    @Test("a resent started record is a duplicate with the same execution and lease token")
    func resendIsDuplicate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let reporter = try broker.reporter()
        let record = intent("e-dup", timeoutMs: 30_000).startedRecord()
        let first = try #require(try reporter.send([record]).first)
        #expect(first.status == .accepted)
        #expect(first.leaseToken == UInt64(first.executionId))
        let again = try #require(try reporter.send([record]).first)
        #expect(again == RecordOutcome(status: .duplicate, executionId: first.executionId, leaseToken: first.leaseToken))
        #expect(try broker.admin().show(first.executionId).history.map(\.kind) == ["started"])
        #expect(broker.stop() == 0)
    }

    @Test("started on a key with an open execution is key_conflict, and Reporter.intent does not run the call")
    func openKeyConflicts() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let reporter = try broker.reporter()
        let failed = try #require(try reporter.send([failureRecord(eventId: "e-open", spec: quickSpec(minBackoffMs: 60_000))]).first)
        #expect(failed.status == .accepted)
        let outcome = try #require(try reporter.send([intent("e-open").startedRecord()]).first)
        #expect(outcome.status == .rejected)
        #expect(outcome.code == ErrorCode.keyConflict.rawValue)
        #expect(outcome.detail == "eventId: an open execution holds this key")
        #expect(outcome.leaseToken == nil)
        let ran = Locked(false)
        #expect(throws: IntentError.refused(code: 24, detail: "eventId: an open execution holds this key")) {
            _ = try reporter.intent(intent("e-open")) { ran.with { $0 = true } }
        }
        #expect(ran.with { $0 } == false)
        #expect(try broker.admin().show(failed.executionId).history.map(\.kind) == ["failure"])
        #expect(broker.stop() == 0)
    }

    @Test("kill -9 of compd after the Ack keeps the intent: after the restart it times out and is retried")
    func survivesKill() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let outcome = try #require(try broker.reporter().send([intent("e-kill", timeoutMs: 1500).startedRecord()]).first)
        #expect(outcome.status == .accepted)
        #expect(broker.stop(signal: SIGKILL) == SIGKILL)

        let restarted = BrokerProcess(dataDirectory: directory.path, listen: broker.listen, events: broker.events)
        try restarted.start()
        let view = try restarted.admin().show(outcome.executionId).execution
        #expect(view.status == 2 || view.status == 1)  // still leased to the intent, or already timed out
        let subscriber = try restarted.subscriber(instance: "node-1")
        let command = try #require(try fetchOne(subscriber))
        #expect(command.executionId == outcome.executionId)
        #expect(command.lastError.code == "TIMEOUT")
        #expect(try subscriber.succeeded(command).status == .accepted)
        #expect(restarted.stop() == 0)
    }

    @Test("compctl report started prints the execution and its lease; report success --lease ID:TOKEN closes it")
    func compctlStartedAndLease() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let key = ["--broker", broker.listen, "--service", "orders", "--processor", "billing", "--function", "charge",
                   "--event-id", "e-cli"]
        let started = try compctl(["report", "started"] + key + ["--execution-timeout", "1m"])
        #expect(started.status == 0)
        let match = try #require(started.out.firstMatch(of: /^accepted: execution (\d+), lease (\d+:\d+)\n$/))
        let lease = String(match.2)
        #expect(lease == "\(match.1):\(match.1)")
        let json = try compctl(["report", "started", "--json"] + key.map { $0 == "e-cli" ? "e-cli-2" : $0 })
        #expect(json.out.contains("\"leaseToken\""))

        let done = try compctl(["report", "success"] + key + ["--lease", lease])
        #expect(done.out == "accepted: execution \(match.1)\n")
        let stale = try compctl(["report", "success"] + key + ["--lease", lease])
        #expect(stale.out == "stale: execution \(match.1)\n")

        let bad = try compctl(["report", "success"] + key + ["--lease", "12"])
        #expect(bad.status == 64)
        #expect(bad.err.contains("--lease must be EXECUTION-ID:TOKEN"))
        let withLease = try compctl(["report", "started"] + key + ["--lease", lease])
        #expect(withLease.status == 64)
        #expect(withLease.err.contains("report started creates the lease"))
        #expect(broker.stop() == 0)
    }
}

extension AdminClient {
    /// The newest execution of `eventId` (of any status), or nil.
    func listOne(eventId: String) throws -> ExecutionView? {
        try list(Filter(eventId: eventId), limit: 1).executions.first
    }
}
