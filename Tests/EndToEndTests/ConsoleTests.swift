import CompClient
import Foundation
import Testing

/// The web console's pages and its live feed, through a real compd and real sockets. (The console in a
/// real browser: tools/console-test, run by tools/test.)
@Suite(.serialized)
struct ConsoleTests {
    /// A compd with HTTP on a free loopback port, once `/healthz` answers; returns it and the port.
    private func startBroker(_ directory: TemporaryDirectory) async throws -> (BrokerProcess, Int) {
        let (broker, _, port) = try await startHTTPBroker(dataDirectory: directory.path + "/data", logDirectory: directory.path)
        return (broker, port)
    }

    @Test("every console path serves the page with a content security policy; the script and style sheet are served and revalidate by ETag")
    func pages() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (broker, port) = try await startBroker(directory)
        for path in ["/", "/executions?status=failed", "/executions/42", "/timeline?correlationId=order-1"] {
            let page = try RawHTTPStream(port: port, path: path, headers: ["Connection": "close"])
            defer { page.close() }
            page.read(for: 20) { $0.contains("</html>") }
            #expect(page.status == 200, "\(path): \(page.received.prefix(300))")
            #expect(page.received.contains("Content-Type: text/html; charset=utf-8"), "\(path)")
            #expect(page.received.contains("Content-Security-Policy: default-src 'self'"), "\(path)")
            #expect(page.received.contains("<script src=\"/console/app.js\" defer></script>"), "\(path)")
        }
        for (path, type, text) in [("/console/app.js", "text/javascript", "function connectFeed()"),
                                   ("/console/app.css", "text/css", ".badge")] {
            let asset = try RawHTTPStream(port: port, path: path, headers: ["Connection": "close"])
            defer { asset.close() }
            asset.read(for: 20) { _ in false }  // until the server closes
            #expect(asset.status == 200, "\(path)")
            #expect(asset.received.contains("Content-Type: \(type)"), "\(path)")
            #expect(asset.received.contains(text), "\(path)")
            let tag = try #require(asset.received.split(separator: "\r\n").first { $0.hasPrefix("ETag: ") }?.dropFirst(6))
            let again = try RawHTTPStream(port: port, path: path, headers: ["Connection": "close", "If-None-Match": String(tag)])
            defer { again.close() }
            again.read(for: 20) { _ in false }
            #expect(again.status == 304, "\(path): \(again.received.prefix(300))")
            #expect(!again.received.contains(text))
        }
        let missing = try await httpGet("http://127.0.0.1:\(port)/console/nothing.js")
        #expect(missing.status == 404)
        #expect(broker.stop() == 0)
    }

    @Test("the feed sends an execution event for a reported failure and a service event for a pause, as they happen")
    func feedEvents() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (broker, port) = try await startBroker(directory)
        let feed = try RawHTTPStream(port: port, path: "/api/v1/feed")
        defer { feed.close() }
        #expect(feed.read(for: 20) { $0.contains("retry: 3000") }, "\(feed.received)")
        #expect(feed.received.contains("Content-Type: text/event-stream"))

        let reporter = try broker.reporter()
        let acks = try reporter.send([failureRecord(eventId: "feed-1", correlationId: "order-feed")])
        let id = try #require(acks.first?.executionId)
        #expect(feed.read(for: 30) { _ in !feed.events("execution").isEmpty }, "\(feed.received)")
        let event = try #require(feed.events("execution").first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any])
        #expect(json["executionId"] as? Int == Int(id))
        #expect(json["status"] as? String == "failed")
        #expect(json["kind"] as? String == "failure")
        #expect(json["correlationId"] as? String == "order-feed")
        #expect(json["errorCode"] as? String == "DB_DOWN")
        #expect(json.keys.contains("parkReason"))
        #expect((json["at"] as? String)?.hasSuffix("Z") == true)

        let paused = try compctl(["pause", "--broker", broker.listen, "--service", "orders"])
        #expect(paused.status == 0, "\(paused.out)\(paused.err)")
        #expect(feed.read(for: 30) { _ in !feed.events("service").isEmpty }, "\(feed.received)")
        let service = try #require(feed.events("service").first)
        #expect(service.contains("\"kind\":\"pause\""))
        #expect(service.contains("\"service\":\"orders\""))
        #expect(broker.stop() == 0)
    }

    @Test("a feed client that reads nothing never holds up ingest; it is told to resync")
    func slowClientResyncs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (broker, port) = try await startBroker(directory)
        let stalled = try RawHTTPStream(port: port, path: "/api/v1/feed", receiveBuffer: 4096)
        defer { stalled.close() }
        #expect(stalled.read(for: 20) { $0.contains("retry: 3000") })
        // Far more events than the socket buffers and the listener's queue (1024 events) hold together.
        let load = try compctl(["load", "--broker", broker.listen, "--max", "--count", "30000", "--failure-ratio", "1"])
        #expect(load.status == 0, "\(load.out)\(load.err)")
        #expect(load.out.contains("acknowledged 30000"), "\(load.out)")
        #expect(stalled.read(for: 60, untilReceived: "event: resync"), "no resync in \(stalled.received.utf8.count) bytes")
        // The feed goes on after the resync: a new failure arrives as an event.
        stalled.read(for: 2) { _ in false }
        stalled.forget()
        let reporter = try broker.reporter()
        _ = try reporter.send([failureRecord(eventId: "after-resync")])
        #expect(stalled.read(for: 30) { _ in stalled.events("execution").contains { $0.contains("\"eventId\":\"after-resync\"") } },
                "\(stalled.received.suffix(2000))")
        #expect(broker.stop() == 0)
    }

    @Test("compd stops promptly while a feed is open")
    func shutdownWithOpenFeed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (broker, port) = try await startBroker(directory)
        let feed = try RawHTTPStream(port: port, path: "/api/v1/feed")
        defer { feed.close() }
        #expect(feed.read(for: 20) { $0.contains("retry: 3000") })
        let stopped = Locked<Int32?>(nil)
        // stop() waits for the exit: on another thread, so a hang fails the test instead of hanging it (the
        // test's thread touches the broker no more).
        Thread { stopped.with { $0 = broker.stop() } }.start()
        #expect(eventually(30) { stopped.with { $0 } != nil }, "compd did not stop with a feed open")
        #expect(stopped.with { $0 } == 0)
        feed.read(for: 10) { _ in false }
        #expect(feed.closedByPeer, "the feed did not end with the server")
    }
}
