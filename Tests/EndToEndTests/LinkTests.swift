import CompClient
import CompModel
import CompWire
import Foundation
import Testing

/// Heartbeats over a real half-open link: a TCP relay between the client and a real compd that
/// freezes (forwards nothing, closes nothing) and thaws.
@Suite(.serialized)
struct LinkTests {
    @Test("a frozen link is declared dead, comes back alive when it thaws, and a report spooled meanwhile is forwarded exactly once")
    func halfOpenLink() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = try TCPRelay.freePort()
        let broker = BrokerProcess(dataDirectory: directory.path + "/data", listen: "tcp://127.0.0.1:\(port)",
                                   logDirectory: directory.path)
        try broker.start()
        let relay = try TCPRelay(targetPort: port)
        defer { relay.stop() }
        let address = "tcp://127.0.0.1:\(relay.port)"

        let monitor = LinkMonitor(
            connection: try BrokerConnection(address: address, timeoutMilliseconds: 1000),
            interval: .milliseconds(200), missedLimit: 3,
            backoff: ReconnectBackoff(first: .milliseconds(50), cap: .milliseconds(400)))
        let changes = Locked<[LinkState]>([])
        monitor.observe { state in changes.with { $0.append(state) } }
        monitor.start()
        defer { monitor.stop() }
        #expect(eventually(30) { monitor.linkState == .alive })

        let spool = try RecordSpool(directory: directory.path + "/spool")
        let connection = try BrokerConnection(address: address, timeoutMilliseconds: 300)
        let forwarder = SpoolForwarder(
            spool: spool, connection: connection, link: monitor, attempts: 1,
            backoff: ReconnectBackoff(first: .milliseconds(50), cap: .milliseconds(400)), idleCheck: .milliseconds(100))
        forwarder.start()
        defer { forwarder.stop() }

        let reopensBeforeFreeze = connection.reopenCount
        relay.freeze()
        let frozenAt = Date()
        #expect(eventually(30) { monitor.linkState == .dead })
        let detection = Date().timeIntervalSince(frozenAt)
        print("link declared dead \(Int(detection * 1000)) ms after the freeze (stated bound \(monitor.deadBound) after the last answer)")

        // A report made while the link is dead stays in the spool; the forwarder does not try.
        #expect(try spool.append([failureRecord(eventId: "while-dead")]) == 1)
        forwarder.nudge()
        #expect(eventually(30) { forwarder.linkWaits >= 3 })
        #expect(try spool.status().pending == 1)
        #expect(connection.reopenCount > reopensBeforeFreeze)  // the forwarder left the old socket behind

        relay.thaw()
        #expect(eventually(30) { monitor.linkState == .alive })
        #expect(try eventually(30) { try spool.status().pending == 0 })
        let stats = try broker.admin().stats()
        #expect(stats.recordsAccepted == 1)
        #expect(stats.counts.filter { $0.status == 1 }.reduce(0) { $0 + $1.count } == 1)
        let seen = changes.with { $0 }
        #expect(seen.first == .alive)
        #expect(seen.contains(.dead))
        #expect(seen.last == .alive)
        #expect(seen.firstIndex(of: .suspect).map { $0 < (seen.firstIndex(of: .dead) ?? 0) } == true)
    }

    @Test("a monitor started before its broker reports dead, then alive once the broker comes up, and learns its interval")
    func brokerComesUp() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path + "/data", logDirectory: directory.path)
        let monitor = LinkMonitor(
            connection: try broker.connect(timeoutMilliseconds: 1000), interval: nil, missedLimit: 2,
            backoff: ReconnectBackoff(first: .milliseconds(50), cap: .milliseconds(300)))
        // Until the broker answered a Hello, the monitor beats at its default interval: 10 s, too slow for a
        // test; so watch a monitor with a fixed short interval for the outage, and this one for the interval.
        let fast = LinkMonitor(
            connection: try broker.connect(timeoutMilliseconds: 1000), interval: .milliseconds(150), missedLimit: 2,
            backoff: ReconnectBackoff(first: .milliseconds(50), cap: .milliseconds(300)))
        fast.start()
        defer { fast.stop() }
        #expect(eventually(30) { fast.linkState == .dead })
        try broker.start()
        #expect(eventually(30) { fast.linkState == .alive })
        monitor.start()
        defer { monitor.stop() }
        #expect(eventually(30) { monitor.linkState == .alive })
        let reply = try broker.connect().request(.hello(Hello(clientName: "test")))
        guard case .helloReply(let hello) = reply else { throw TestFailure("expected a hello reply") }
        #expect(monitor.health.interval == .milliseconds(Int64(hello.heartbeatIntervalMs)))
    }

    @Test("a heartbeat returns the broker's clock; a heartbeat to no broker times out")
    func heartbeat() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path + "/data", logDirectory: directory.path)
        try broker.start()
        let before = nowMs()
        let serverTime = try broker.connect().heartbeat(timeoutMilliseconds: 5000)
        #expect(serverTime >= before - 60_000 && serverTime <= nowMs() + 60_000)
        broker.stop()
        #expect(throws: ClientError.self) { try broker.connect().heartbeat(timeoutMilliseconds: 200) }
    }
}
