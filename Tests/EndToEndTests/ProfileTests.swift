import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// `compd --profile small`: applied from the option, the environment and the config file; no HTTP unless
/// asked for; the whole loop served.
@Suite(.serialized)
struct ProfileTests {
    @Test("--profile small is logged with its cache sizes, serves no HTTP without --http, and serves the whole loop")
    func smallServesTheLoop() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // No --http at all: the profile decides.
        let broker = try ProfileBroker(directory: directory, arguments: ["--profile", "small"])
        defer { broker.stop() }
        #expect(broker.log.contains("profile=small"))
        #expect(broker.log.contains("sqlite_cache=2048KiB+512KiB"))
        #expect(broker.log.contains("checkpoint_busy_ms=200"))
        #expect(!broker.log.contains("HTTP serving"))
        // A second after serving, the small profile gives back the clean pages start-up touched, and says so
        // with its resident memory before and after; everything below is served after that.
        #expect(eventually(30) { broker.log.contains("gave back start-up pages") })
        let figures = Self.kib(in: broker.log)
        let before = try #require(figures["resident_kib_before"])
        let after = try #require(figures["resident_kib_after"])
        #expect(try #require(figures["released_kib"]) > 0)
        #expect(after < before)

        let connection = try BrokerConnection(address: broker.listen)
        let outcome = try #require(try Reporter(connection: connection).send([
            failureRecord(eventId: "small-1", spec: quickSpec(minBackoffMs: 100))
        ]).first)
        #expect(outcome.status == .accepted)
        let subscriber = Subscriber(connection: try BrokerConnection(address: broker.listen), service: "orders", instance: "node-1")
        var commands: [RetryCommand] = []
        let deadline = nowMs() + 30_000
        while commands.isEmpty, nowMs() < deadline {
            commands = try subscriber.fetch(max: 10, waitMilliseconds: 2000)
        }
        let command = try #require(commands.first)
        #expect(command.executionId == outcome.executionId)
        #expect(try subscriber.succeeded(command).status == .accepted)
        let shown = try AdminClient(connection: connection).show(outcome.executionId)
        #expect(shown.execution.status == 3)  // SUCCEEDED
    }

    /// The `name=N` figures of the "gave back start-up pages" line.
    static func kib(in log: String) -> [String: Int] {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("gave back start-up pages") }) else { return [:] }
        var figures: [String: Int] = [:]
        for field in line.split(separator: " ") {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1]) { figures[String(parts[0])] = value }
        }
        return figures
    }

    @Test("the default profile is logged as default with 4 MiB + 4 MiB of cache, and gives back start-up pages")
    func defaultProfile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = try SettingsBroker(directory: directory, arguments: [], environment: [:])
        defer { broker.stop() }
        #expect(broker.log.contains("profile=default"))
        #expect(broker.log.contains("sqlite_cache=4096KiB+4096KiB"))
        #expect(broker.log.range(of: #"checkpoint_busy_ms=2(?![0-9])"#, options: .regularExpression) != nil)
        // The default profile gives back start-up's pages too (they were a sixth of its peak under load).
        #expect(eventually(30) { broker.log.contains("gave back start-up pages") })
        #expect(try #require(Self.kib(in: broker.log)["released_kib"]) > 0)
    }

    @Test("COMPD_PROFILE and the config file's profile line set the profile, in any case")
    func environmentAndFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fromEnvironment = try SettingsBroker(directory: directory, arguments: [], environment: ["COMPD_PROFILE": "SMALL"])
        #expect(fromEnvironment.log.contains("profile=small"))
        fromEnvironment.stop()

        let other = try TemporaryDirectory()
        defer { other.remove() }
        let config = other.path + "/compd.conf"
        try "profile = small\n".write(toFile: config, atomically: true, encoding: .utf8)
        let fromFile = try SettingsBroker(directory: other, arguments: ["--config", config], environment: [:])
        defer { fromFile.stop() }
        #expect(fromFile.log.contains("profile=small"))
    }

    @Test("--profile small with an explicit --http still serves HTTP")
    func smallWithHTTP() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = try TCPRelay.freePort()
        let broker = try ProfileBroker(directory: directory, arguments: ["--profile", "small", "--http", "127.0.0.1:\(port)"])
        defer { broker.stop() }
        #expect(eventually(30) { broker.log.contains("HTTP serving on 127.0.0.1:\(port)") })
        #expect(broker.log.contains("profile=small"))
    }

    @Test("an unknown profile is refused with exit 64 and the valid values")
    func unknownProfile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try runCompd(["--data", directory.path + "/data", "--profile", "tiny"])
        #expect(result.status == 64)
        #expect(result.err.contains("invalid profile `tiny` (from option --profile): must be default or small"))
        let variable = try runCompd(["--data", directory.path + "/data"], environment: ["COMPD_PROFILE": "huge"])
        #expect(variable.status == 64)
        #expect(variable.err.contains("invalid profile `huge`"))
        #expect(variable.err.contains("COMPD_PROFILE"))
    }
}

/// A compd started with exactly the given settings besides its data directory and ipc addresses (no
/// `--http` added, so the profile's HTTP default shows); standard error goes to `compd.log`.
final class ProfileBroker {
    let listen = TransportAddress.temporaryIPC(prefix: "compd-req")
    private let process = Process()
    private let logPath: String

    init(directory: TemporaryDirectory, arguments: [String]) throws {
        logPath = directory.path + "/compd.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: try builtProduct("compd"))
        process.arguments = ["--data", directory.path + "/data", "--listen", listen, "--events", "off"] + arguments
        process.environment = compdEnvironment([:])
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = log
        process.standardOutput = log
        try process.run()
        let connection = try BrokerConnection(address: listen, timeoutMilliseconds: 200)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !process.isRunning { throw TestFailure("compd exited at start: \(self.log)") }
            if (try? connection.heartbeat(timeoutMilliseconds: 200)) != nil { return }
        }
        stop()
        throw TestFailure("compd did not answer within 30 s: \(self.log)")
    }

    /// What compd logged.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits for the exit.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if let path = TransportAddress.ipcPath(of: listen) { unlink(path) }
    }
}
