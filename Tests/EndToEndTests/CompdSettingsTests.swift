import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// compd's settings through real compd processes: precedence of option, environment and config file,
/// names with dashes or underscores, bad values and unknown names, repeated --listen, the example
/// config file of the repository, and the help.
@Suite(.serialized)
struct CompdSettingsTests {
    @Test("an option wins over COMPD_* which wins over the config file, which wins over the default")
    func precedence() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = directory.path + "/compd.conf"
        try """
            max-retries = 3
            min-backoff = 7s
            jitter = 100
            in-flight = 7
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let broker = try SettingsBroker(
            directory: directory, arguments: ["--config", config, "--max-retries", "9"],
            environment: ["COMPD_MAX_RETRIES": "5", "COMPD_JITTER": "150", "COMPD_MAX_RETRY": "1"])
        defer { broker.stop() }
        let id = try #require(try broker.reporter().send([failureRecord(eventId: "p-1")]).first).executionId
        let spec = try broker.admin().show(id).execution.spec
        #expect(spec.maxRetries == 9)  // option over environment and file
        #expect(spec.jitterPermille == 150)  // environment over file
        #expect(spec.minBackoffMs == 7000)  // file over default
        #expect(spec.maxBackoffMs == 7_200_000)  // default
        #expect(broker.log.contains("in_flight=7"))
        // A variable that names no setting is warned about, not applied.
        #expect(broker.log.contains("ignoring environment variable COMPD_MAX_RETRY: no setting has that name"))
    }

    @Test("COMPD_CONFIG names the config file, whose names may use dashes or underscores in any case")
    func fileNames() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = directory.path + "/compd.conf"
        try """
            # names as the options write them, or with underscores
            max_retries = 4   # a comment after a value
            MIN_BACKOFF = 5s
            execution-timeout = 90s
            in_flight = 6
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let broker = try SettingsBroker(directory: directory, arguments: [], environment: ["COMPD_CONFIG": config])
        defer { broker.stop() }
        let id = try #require(try broker.reporter().send([failureRecord(eventId: "n-1")]).first).executionId
        let spec = try broker.admin().show(id).execution.spec
        #expect(spec.maxRetries == 4)
        #expect(spec.minBackoffMs == 5000)
        #expect(spec.executionTimeoutMs == 90_000)
        #expect(broker.log.contains("in_flight=6"))
    }

    @Test("--listen repeated: compd answers on every address")
    func repeatedListen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let second = TransportAddress.temporaryIPC(prefix: "compd-req2")
        let broker = try SettingsBroker(directory: directory, arguments: ["--listen", second], environment: [:])
        defer { broker.stop() }
        for address in [broker.listen, second] {
            let reply = try BrokerConnection(address: address, timeoutMilliseconds: 5000).request(.heartbeat(Heartbeat(sentAt: 0)))
            guard case .heartbeatReply = reply else {
                Issue.record("\(address) answered \(reply)")
                continue
            }
        }
        #expect(broker.log.contains("listen=\(broker.listen),\(second)"))
    }

    @Test("the repository's compd.conf.example is accepted as it is")
    func exampleFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let example = packageRoot.appendingPathComponent("compd.conf.example").path
        // Options win over the file's data, listen and events, so the test binds only its own addresses.
        let broker = try SettingsBroker(directory: directory, arguments: ["--config", example], environment: [:])
        defer { broker.stop() }
        let id = try #require(try broker.reporter().send([failureRecord(eventId: "x-1")]).first).executionId
        let spec = try broker.admin().show(id).execution.spec
        #expect(spec.maxRetries == 10)
        #expect(spec.minBackoffMs == 180_000)
        #expect(broker.log.contains("retention=7d"))
    }

    @Test("a bad value exits 64 naming the setting, the value, where it came from and the rule")
    func badValues() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.path + "/data"
        let option = try runCompd(["--data", data, "--jitter", "2000"])
        #expect(option.status == 64)
        #expect(option.err.contains("invalid jitter `2000` (from option --jitter): must be an integer in 0...1000"), "\(option.err)")

        let variable = try runCompd(["--data", data], environment: ["COMPD_MIN_BACKOFF": "soon"])
        #expect(variable.status == 64)
        #expect(variable.err.contains(
            "invalid min-backoff `soon` (from environment variable COMPD_MIN_BACKOFF): must be a duration"), "\(variable.err)")

        let config = directory.path + "/bad.conf"
        try "sync = full\nsync_mode = full\n".write(toFile: config, atomically: true, encoding: .utf8)
        let unknown = try runCompd(["--data", data, "--config", config])
        #expect(unknown.status == 64)
        #expect(unknown.err.contains("\(config):2: unknown setting `sync_mode`"), "\(unknown.err)")

        try "\nretention = 1h\n".write(toFile: config, atomically: true, encoding: .utf8)
        let short = try runCompd(["--data", data, "--config", config])
        #expect(short.status == 64)
        #expect(short.err.contains("invalid retention `1h` (from config file \(config), line 2): must be"), "\(short.err)")
        #expect(short.err.contains("at least 24h"))

        let unknownOption = try runCompd(["--data", data, "--max-retry", "3"])
        #expect(unknownOption.status == 64)
        #expect(unknownOption.err.contains("unknown option --max-retry"), "\(unknownOption.err)")

        let missing = try runCompd(["--data", data, "--max-retries"])
        #expect(missing.status == 64)
        #expect(missing.err.contains("option --max-retries needs a value"), "\(missing.err)")

        let backwards = try runCompd(["--data", data, "--min-backoff", "10m", "--max-backoff", "1m"])
        #expect(backwards.status == 64)
        #expect(backwards.err.contains("invalid max-backoff `1m` (from option --max-backoff)"), "\(backwards.err)")
        #expect(!FileManager.default.fileExists(atPath: data))  // nothing was started
    }

    @Test("compd --help lists every setting with its environment variable")
    func help() throws {
        let help = try runCompd(["--help"])
        #expect(help.status == 0)
        for name in ["data", "listen", "events", "sync", "max-retries", "min-backoff", "max-backoff",
                     "execution-timeout", "jitter", "in-flight", "max-frame-bytes", "retention", "log-level"] {
            #expect(help.out.contains("--\(name) <"), "--\(name) missing from the help")
            let variable = "COMPD_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            #expect(help.out.contains(variable), "\(variable) missing from the help")
        }
        #expect(help.out.contains("--config <file>"))
        #expect(help.out.contains("COMPD_CONFIG"))
    }
}

/// The environment of a compd started by a test: this process's, without any COMPD_ variable.
func compdEnvironment(_ extra: [String: String]) -> [String: String] {
    ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("COMPD_") }.merging(extra) { _, new in new }
}

/// Runs compd to its exit (for arguments it refuses, and --help).
func runCompd(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try builtProduct("compd"))
    process.arguments = arguments
    process.environment = compdEnvironment(environment)
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// A real compd started with its own data directory and ipc addresses (as options), extra arguments
/// and environment variables; standard error goes to `compd.log` in the directory.
final class SettingsBroker {
    let listen = TransportAddress.temporaryIPC(prefix: "compd-req")
    let events = TransportAddress.temporaryIPC(prefix: "compd-evt")
    private let process = Process()
    private let logPath: String

    init(directory: TemporaryDirectory, arguments: [String], environment: [String: String]) throws {
        logPath = directory.path + "/compd.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: try builtProduct("compd"))
        let http = arguments.contains { $0.hasPrefix("--http") } || environment["COMPD_HTTP"] != nil ? [] : ["--http", "off"]
        process.arguments = ["--data", directory.path + "/data", "--listen", listen, "--events", events] + http + arguments
        process.environment = compdEnvironment(environment)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = log
        process.standardOutput = log
        try process.run()
        let connection = try BrokerConnection(address: listen, timeoutMilliseconds: 200)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !process.isRunning { throw TestFailure("compd exited at start: \(self.log)") }
            if (try? connection.request(.heartbeat(Heartbeat(sentAt: 0)))) != nil { return }
        }
        stop()
        throw TestFailure("compd did not answer within 30 s: \(self.log)")
    }

    /// What compd logged.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func reporter() throws -> Reporter { Reporter(connection: try BrokerConnection(address: listen)) }
    func admin() throws -> AdminClient { AdminClient(connection: try BrokerConnection(address: listen)) }
    func subscriber(service: String, instance: String) throws -> Subscriber {
        Subscriber(connection: try BrokerConnection(address: listen), service: service, instance: instance)
    }

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
    }
}
