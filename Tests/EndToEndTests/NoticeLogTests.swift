import CompClient
import CompWire
import Foundation
import Testing

/// compd's notice lines, read from a real compd's standard error: parks, lease expiries, operator
/// actions and rejected records, with their metadata, and the rate limit of a storm.
@Suite(.serialized)
struct NoticeLogTests {
    @Test("a park, a rejected record, a lease expiry and operator actions each log a notice with their fields")
    func notices() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = try SettingsBroker(directory: directory, arguments: ["--log-level", "notice"], environment: [:])
        defer { broker.stop() }
        let reporter = try broker.reporter()

        // A failure reported as unrecoverable parks at once.
        let parked = try #require(try reporter.send([
            failureRecord(eventId: "park-1", correlationId: "corr-park", code: "CARD_DECLINED", recoverable: 2),
        ]).first)
        let park = try #require(try waitForNotice(broker, "execution parked", ["event_id": "park-1"]))
        #expect(park["service"] == "orders")
        #expect(park["function"] == "charge")
        #expect(park["correlation_id"] == "corr-park")
        #expect(park["execution_id"] == "\(parked.executionId)")
        #expect(park["reason"] == "unrecoverable")
        #expect(park["cause"] == "failure")
        #expect(park["error_code"] == "CARD_DECLINED")
        #expect(park["notice"] == "park")

        // A record without a function is rejected by the broker before the journal.
        let rejectedOutcome = try #require(try reporter.send([
            failureRecord(function: "", eventId: "bad-1", correlationId: "corr-bad"),
        ]).first)
        #expect(rejectedOutcome.status == .rejected)
        let rejected = try #require(try waitForNotice(broker, "record rejected", ["event_id": "bad-1"]))
        #expect(rejected["service"] == "orders")
        #expect(rejected["function"] == "")
        #expect(rejected["correlation_id"] == "corr-bad")
        #expect(rejected["code"] == "\(ErrorCode(rawValue: rejectedOutcome.code).map { "\($0)" } ?? "?")")
        #expect(rejected["code_number"] == "\(rejectedOutcome.code)")

        // A result for an execution the journal does not know is rejected by the journal.
        var orphan = failureRecord(eventId: "orphan-1", correlationId: "corr-orphan")
        orphan.lease = LeaseRef(executionId: 987_654, token: 1)
        let orphanOutcome = try #require(try reporter.send([orphan]).first)
        #expect(orphanOutcome.status == .rejected)
        let journalRejected = try #require(try waitForNotice(broker, "record rejected", ["event_id": "orphan-1"]))
        #expect(journalRejected["correlation_id"] == "corr-orphan")
        #expect(journalRejected["function"] == "charge")
        #expect(journalRejected["code_number"] == "\(orphanOutcome.code)")

        // A lease that runs out.
        _ = try reporter.send([failureRecord(
            service: "leases", function: "ship", eventId: "lease-1", correlationId: "corr-lease",
            spec: quickSpec(minBackoffMs: 10, timeoutMs: 300))])
        let holder = try broker.subscriber(service: "leases", instance: "slow")
        let command = try #require(try holder.fetch(max: 1, waitMilliseconds: 5000).first)
        let expiry = try #require(try waitForNotice(broker, "lease expired", ["event_id": "lease-1"]))
        #expect(expiry["service"] == "leases")
        #expect(expiry["function"] == "ship")
        #expect(expiry["correlation_id"] == "corr-lease")
        #expect(expiry["execution_id"] == "\(command.executionId)")
        #expect(expiry["status"] == "FAILED")

        // Operator actions, each with who acted (`by`: the request's actor): a discard of the parked
        // execution by http:ops, a pause of a service by compctl:alice, a resume naming no actor.
        let admin = try broker.admin()
        #expect(try admin.act(.discard, on: .execution(parked.executionId), actor: "http:ops").changed == 1)
        let discard = try #require(try waitForNotice(broker, "operator action", ["event_id": "park-1"]))
        #expect(discard["action"] == "discard")
        #expect(discard["by"] == "http:ops")
        #expect(discard["service"] == "orders")
        #expect(discard["function"] == "charge")
        #expect(discard["correlation_id"] == "corr-park")
        #expect(discard["execution_id"] == "\(parked.executionId)")
        #expect(discard["status"] == "DISCARDED")
        _ = try admin.act(.pause, on: .service("leases"), actor: "compctl:alice")
        let pause = try #require(try waitForNotice(broker, "operator action", ["action": "pause"]))
        #expect(pause["service"] == "leases")
        #expect(pause["by"] == "compctl:alice")
        _ = try admin.act(.resume, on: .service("leases"))
        let resume = try #require(try waitForNotice(broker, "operator action", ["action": "resume"]))
        #expect(resume["service"] == "leases")
        #expect(resume["by"] == "unknown")  // the request named no actor

        // compctl names its OS user: a park by the real compctl is logged by compctl:<user>.
        let waiting = try #require(try reporter.send([failureRecord(eventId: "park-2", correlationId: "corr-park-2")]).first)
        let park2 = try compctl(["park", "\(waiting.executionId)", "--broker", broker.listen])
        #expect(park2.status == 0, "\(park2.err)")
        let byCompctl = try #require(try waitForNotice(broker, "operator action", ["event_id": "park-2"]))
        #expect(byCompctl["action"] == "park")
        #expect(byCompctl["by"] == "compctl:\(osUser())")
        #expect(byCompctl["execution_id"] == "\(waiting.executionId)")
        #expect(byCompctl["correlation_id"] == "corr-park-2")
        #expect(byCompctl["function"] == "charge")

        // Accepted records are not logged at notice level.
        #expect(noticeLines(broker.log).filter { $0.fields["event_id"] == "lease-1" }.map(\.message) == ["lease expired"])
    }

    @Test("a storm of rejected records is rate-limited: every record is logged or counted in a summary")
    func storm() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = try SettingsBroker(directory: directory, arguments: [], environment: [:])
        defer { broker.stop() }
        let records = (0..<60).map { failureRecord(service: "storm", function: "", eventId: "storm-\($0)") }
        let outcomes = try broker.reporter().send(records)
        #expect(outcomes.allSatisfy { $0.status == .rejected })
        // The ingress flushes summaries at least every 100 ms once a window has ended.
        var logged = 0
        var suppressed = 0
        let accounted = eventually(30) {
            let lines = noticeLines(broker.log)
            logged = lines.filter { $0.message == "record rejected" && $0.fields["service"] == "storm" }.count
            suppressed = lines.filter { $0.fields["notice"] == "record_rejected" && $0.fields["suppressed"] != nil }
                .compactMap { $0.fields["suppressed"].flatMap { Int($0) } }.reduce(0, +)
            return logged + suppressed == records.count
        }
        #expect(accounted, "logged \(logged) + suppressed \(suppressed) != \(records.count)")
        #expect(logged < records.count)
    }
}

/// The user compctl names itself after (`compctl:<user>`): the effective user's name, else `$USER`.
private func osUser() -> String {
    if let entry = getpwuid(geteuid()), let raw = entry.pointee.pw_name, let name = String(validatingCString: raw),
       !name.isEmpty {
        return name
    }
    return ProcessInfo.processInfo.environment["USER"] ?? "unknown"
}

/// One notice line of compd's log: its message and its `key=value` metadata.
struct NoticeLine {
    var message: String
    var fields: [String: String]
}

/// The notice lines of a StreamLogHandler log: `<time> notice compd: k=v k=v [CompBroker] message`.
func noticeLines(_ log: String) -> [NoticeLine] {
    log.split(separator: "\n").compactMap { line -> NoticeLine? in
        guard let head = line.range(of: " notice compd: "), let source = line.range(of: " [CompBroker] ") else { return nil }
        guard head.upperBound <= source.lowerBound else { return nil }
        var fields: [String: String] = [:]
        for token in line[head.upperBound..<source.lowerBound].split(separator: " ") {
            guard let equals = token.firstIndex(of: "=") else { continue }
            fields[String(token[..<equals])] = String(token[token.index(after: equals)...])
        }
        return NoticeLine(message: String(line[source.upperBound...]), fields: fields)
    }
}

/// Waits (up to 30 s) for a notice line with `message` whose fields include `matching`; its fields.
func waitForNotice(_ broker: SettingsBroker, _ message: String, _ matching: [String: String]) throws -> [String: String]? {
    var found: [String: String]?
    _ = eventually(30) {
        found = noticeLines(broker.log).first { line in
            line.message == message && matching.allSatisfy { line.fields[$0.key] == $0.value }
        }?.fields
        return found != nil
    }
    return found
}
