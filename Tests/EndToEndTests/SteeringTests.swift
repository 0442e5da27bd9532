import CompClient
import CompWire
import Foundation
import Testing

/// Operator steering, lease extension, events and configuration against a real compd.
@Suite(.serialized)
struct SteeringTests {
    @Test("a lease holder extends its lease and keeps the command past the original deadline")
    func extendLease() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        _ = try broker.reporter().send([failureRecord(eventId: "x-1", spec: quickSpec(minBackoffMs: 10, timeoutMs: 400))])
        let holder = try broker.subscriber(instance: "holder")
        let command = try #require(try holder.fetch(max: 1, waitMilliseconds: 2000).first)
        let extended = try #require(try holder.extend(command, byMilliseconds: 3000))
        #expect(extended >= command.leaseDeadline + 2000)
        // Past the original deadline nobody else gets it, and the result still applies.
        #expect(try broker.subscriber(instance: "other").fetch(max: 1, waitMilliseconds: 700).isEmpty)
        #expect(try holder.succeeded(command).status == .accepted)
        // Once the execution succeeded, the old lease cannot be extended.
        #expect(try holder.extend(command, byMilliseconds: 1000) == nil)
    }

    @Test("apply-spec reschedules, change-function retargets, park holds, all through compctl")
    func applySpecAndChangeFunction() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let id = try #require(try broker.reporter().send([failureRecord(eventId: "s-1")]).first).executionId
        let admin = try broker.admin()
        let before = try admin.show(id).execution
        #expect(before.spec.minBackoffMs == 180_000)  // the server default

        let apply = try compctl(["apply-spec", "\(id)", "--min-backoff", "100ms", "--max-retries", "2",
            "--broker", broker.listen])
        #expect(apply.status == 0, "\(apply.err)")
        let after = try admin.show(id).execution
        #expect(after.spec.minBackoffMs == 100)
        #expect(after.spec.maxRetries == 2)
        #expect(after.spec.maxBackoffMs == before.spec.maxBackoffMs)
        #expect((after.nextRetryAt ?? .max) < (before.nextRetryAt ?? 0))

        let change = try compctl(["change-function", "\(id)", "--to", "chargeV2", "--broker", broker.listen])
        #expect(change.status == 0, "\(change.err)")
        let command = try #require(try broker.subscriber(instance: "n").fetch(max: 1, waitMilliseconds: 2000).first)
        #expect(command.function == "chargeV2")

        let bad = try compctl(["apply-spec", "\(id)", "--jitter", "2000", "--broker", broker.listen])
        #expect(bad.status == 64)
        let parkLeased = try compctl(["park", "\(id)", "--broker", broker.listen])
        #expect(parkLeased.status == 1)
        #expect(parkLeased.err.contains("not_allowed"))
    }

    @Test("every state change is published as an event that compctl watch prints")
    func events() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let stream = try EventStream(address: broker.events)
        // PUB/SUB drops what is sent before the subscription is up: report until one arrives.
        var first: Event?
        var reported = 0
        while first == nil, reported < 50 {
            _ = try broker.reporter().send([failureRecord(eventId: "ev-\(reported)", recoverable: 2)])
            reported += 1
            first = try stream.next(timeoutMilliseconds: 200)
        }
        let event = try #require(first)
        #expect(event.kind == "failure")
        #expect(event.status == 4)
        #expect(event.parkReason == 2)
        #expect(event.service == "orders")
        #expect(event.errorCode == "DB_DOWN")

        let watcher = Process()
        watcher.executableURL = URL(fileURLWithPath: try builtProduct("compctl"))
        watcher.arguments = ["watch", "--events", broker.events, "--count", "1", "--status", "DISCARDED", "--json", "--for", "120s"]
        let out = Pipe()
        watcher.standardOutput = out
        try watcher.run()
        // The watcher's subscription comes up at a time we cannot see: park and discard a fresh execution
        // each round until the watcher has printed its one event and exited.
        let admin = try broker.admin()
        var round = 0
        while watcher.isRunning, round < 1000 {
            let outcome = try #require(try broker.reporter().send([
                failureRecord(eventId: "discard-\(round)", recoverable: 2),
            ]).first)
            #expect(outcome.status == .accepted)
            #expect(try admin.act(.discard, on: .execution(outcome.executionId)).changed == 1)
            round += 1
            usleep(50_000)  // pace the rounds; nothing waits on this
        }
        watcher.waitUntilExit()
        let line = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["kind"] as? String == "discard")
        #expect(json["status"] as? String == "DISCARDED")
        #expect(watcher.terminationStatus == 0)
    }

    @Test("settings come from flags over environment over the config file")
    func configuration() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configPath = directory.path + "/compd.conf"
        try "# test config\nmin-backoff = 7s\nmax-retries = 3\njitter = 0\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--config", configPath, "--max-retries", "5"])
        try broker.start()
        let id = try #require(try broker.reporter().send([failureRecord(eventId: "c-1")]).first).executionId
        let spec = try broker.admin().show(id).execution.spec
        #expect(spec.minBackoffMs == 7000)
        #expect(spec.maxRetries == 5)
        #expect(spec.jitterPermille == 0)

        let bad = Process()
        bad.executableURL = URL(fileURLWithPath: try builtProduct("compd"))
        bad.arguments = ["--data", directory.path + "/other", "--min-backoff", "later"]
        let err = Pipe()
        bad.standardError = err
        try bad.run()
        bad.waitUntilExit()
        #expect(bad.terminationStatus == 64)
        #expect(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("min-backoff"))
    }
}
