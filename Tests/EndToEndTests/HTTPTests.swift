import CompClient
import Foundation
import Testing

/// compd's HTTP side (issue 11, first slice): health, readiness and metrics through a real compd and a
/// real HTTP client.
@Suite(.serialized)
struct HTTPTests {
    /// A compd with HTTP on a free loopback port; returns it and the base URL once `/healthz` answers.
    private func startBroker(_ directory: TemporaryDirectory, extra: [String] = []) async throws -> (BrokerProcess, String) {
        let (broker, base, _) = try await startHTTPBroker(dataDirectory: directory.path + "/data",
                                                          logDirectory: directory.path, extra: extra)
        return (broker, base)
    }

    @Test("healthz answers 200 ok, readyz 200 while serving, an unknown path 404")
    func probes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (broker, base) = try await startBroker(directory)
        let health = try await httpGet(base + "/healthz")
        #expect(health.status == 200)
        #expect(health.body.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        let ready = try await httpGet(base + "/readyz")
        #expect(ready.status == 200, "\(ready.body)")
        let unknown = try await httpGet(base + "/nothing-here")
        #expect(unknown.status == 404)
        #expect(broker.stop() == 0)
    }

    @Test("metrics is Prometheus text and the records counter rises after compctl load --count 1000")
    func metrics() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (broker, base) = try await startBroker(directory)
        let before = try PrometheusText(try await httpGet(base + "/metrics").body)
        let result = try compctl(["load", "--broker", broker.listen, "--max", "--count", "1000"])
        #expect(result.status == 0, "\(result.out)\(result.err)")
        let response = try await httpGet(base + "/metrics")
        #expect(response.status == 200)
        let after = try PrometheusText(response.body)
        #expect(after.sum("compd_records_total") - before.sum("compd_records_total") >= 1000)
        #expect(after.sum("compd_records_total{kind=\"failure\",outcome=\"accepted\"}") >= 1)
        for name in ["compd_commit_duration_seconds_bucket", "compd_records_per_commit_bucket", "compd_ack_duration_seconds_bucket",
                     "compd_executions{", "compd_queued_records", "compd_journal_bytes", "compd_wal_bytes",
                     "compd_checkpoint_duration_seconds_bucket", "compd_wal_flush_duration_seconds_bucket"] {
            #expect(after.has(name), "no \(name) in:\n\(response.body)")
        }
        #expect(after.sum("compd_journal_bytes") > 0)
        #expect(after.samples.contains { $0.series.contains("http") && $0.series.contains("request") }, "no HTTP request metric")
        #expect(broker.stop() == 0)
    }

    @Test("readyz is 503 naming the journal while commits fail on a full disk, and 200 again once a commit succeeds",
          .enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func readinessFollowsTheJournal() async throws {
        let base = try TemporaryDirectory()
        defer { base.remove() }
        let mountPoint = base.path + "/disk"
        let disk = try SmallDisk(at: mountPoint)
        defer { disk.unmount() }
        let port = try freeLoopbackPort()
        let broker = BrokerProcess(dataDirectory: mountPoint + "/data", extraArguments: ["--http", "127.0.0.1:\(port)"],
                                   logDirectory: base.path)
        try broker.start()
        let url = "http://127.0.0.1:\(port)"
        #expect(await poll(30) { (try? await httpGet(url + "/readyz"))?.status == 200 })
        let reporter = Reporter(connection: try broker.connect(), attempts: 1)
        #expect(try reporter.send([failureRecord(eventId: "before")]).first?.status == .accepted)

        let filler = disk.fill()
        for index in 0..<50 {
            _ = try? reporter.send([failureRecord(eventId: "full-\(index)", payload: [UInt8](repeating: 1, count: 4000))])
        }
        #expect(await poll(30) { (try? await httpGet(url + "/readyz"))?.status == 503 })
        let degraded = try await httpGet(url + "/readyz")
        #expect(degraded.status == 503)
        #expect(degraded.body.contains("journal"), "\(degraded.body)")
        #expect(try await httpGet(url + "/healthz").status == 200)

        unlink(filler)
        let accepted = eventually(30) {
            (try? reporter.send([failureRecord(eventId: "after-\(UInt32.random(in: 0...UInt32.max))")]).first?.status) == .accepted
        }
        #expect(accepted)
        #expect(await poll(30) { (try? await httpGet(url + "/readyz"))?.status == 200 })
        #expect(broker.stop() == 0)
    }

    @Test("--http off serves nothing, even with COMPD_HTTP set")
    func off() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = try freeLoopbackPort()
        let broker = try SettingsBroker(directory: directory, arguments: ["--http", "off"],
                                        environment: ["COMPD_HTTP": "127.0.0.1:\(port)"])
        defer { broker.stop() }
        _ = try broker.admin().stats()  // serving
        #expect(!canConnect(port: port))
    }

    @Test("a non-loopback --http is refused with exit 64 until tokens exist; a malformed one names the setting")
    func refused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for address in ["0.0.0.0:7480", "192.168.1.10:8080", "[::]:7480", "example.com:80"] {
            let result = try runCompd(["--data", directory.path, "--events", "off", "--http", address])
            #expect(result.status == 64, "\(address): \(result.err)")
            #expect(result.err.contains("loopback"), "\(address): \(result.err)")
        }
        for address in ["nonsense", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", ":7480"] {
            let result = try runCompd(["--data", directory.path, "--events", "off", "--http", address])
            #expect(result.status == 64, "\(address): \(result.err)")
            #expect(result.err.contains("invalid http"), "\(address): \(result.err)")
        }
    }

    @Test("an HTTP port in use stops compd with exit 75 and a message naming the address")
    func portInUse() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let holder = try ListeningSocket()
        defer { holder.close() }
        let listen = "ipc://" + directory.path + "/req.sock"
        let result = try runCompd(["--data", directory.path + "/data", "--listen", listen, "--events", "off",
                                   "--http", "127.0.0.1:\(holder.port)"])
        #expect(result.status == 75, "\(result.err)")
        #expect(result.err.contains("127.0.0.1:\(holder.port)"), "\(result.err)")
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is accepted.
    private func canConnect(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func poll(_ seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
