import CompClient
import CompModel
import CompTransport
import CompWire
import Foundation
import Testing

/// The package root, found from this file.
let packageRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}()

/// A built executable of this package (tools/test builds them before the tests run).
func builtProduct(_ name: String) throws -> String {
    for configuration in ["debug", "release"] {
        let path = packageRoot.appendingPathComponent(".build/\(configuration)/\(name)").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw TestFailure("\(name) is not built; run `swift build` first (tools/test does)")
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "compd-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A real compd process on its own data directory and ipc addresses.
///
/// `@unchecked Sendable`: other threads only call `connect` and the factories, which read
/// immutable fields; `start` and `stop` stay on the test's own thread.
final class BrokerProcess: @unchecked Sendable {
    let dataDirectory: String
    let listen: String
    let events: String
    let extraArguments: [String]
    private(set) var process: Process?
    private let logURL: URL

    /// A broker on `dataDirectory`; `listen` and `events` default to fresh ipc addresses (pass another
    /// broker's to restart on the same ones with other arguments); `compd.log` goes to `logDirectory`
    /// (default: the data directory).
    init(
        dataDirectory: String, listen: String? = nil, events: String? = nil, extraArguments: [String] = [],
        logDirectory: String? = nil
    ) {
        self.dataDirectory = dataDirectory
        self.listen = listen ?? TransportAddress.temporaryIPC(prefix: "compd-req")
        self.events = events ?? TransportAddress.temporaryIPC(prefix: "compd-evt")
        self.extraArguments = extraArguments
        logURL = URL(fileURLWithPath: logDirectory ?? dataDirectory).appendingPathComponent("compd.log")
    }

    /// Starts compd and waits until it answers a heartbeat.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("compd"))
        process.arguments =
            ["--data", dataDirectory, "--listen", listen, "--events", events, "--log-level", "info"]
            + (extraArguments.contains { $0.hasPrefix("--http") } ? [] : ["--http", "off"])  // many run at once
            + extraArguments
        if !FileManager.default.fileExists(atPath: logURL.path) {
            FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
        let connection = try BrokerConnection(address: listen, timeoutMilliseconds: 200)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning { throw TestFailure("compd exited at start: \(self.log)") }
            if (try? connection.request(.heartbeat(Heartbeat(sentAt: 0)))) != nil { return }
        }
        throw TestFailure("compd did not answer within 20 s: \(self.log)")
    }

    /// Sends `signal` and waits for the exit; returns the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard let process else { return -1 }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    /// What compd logged.
    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// A new connection to the request socket.
    func connect(timeoutMilliseconds: Int = 5000) throws -> BrokerConnection {
        try BrokerConnection(address: listen, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// An admin client on a new connection.
    func admin() throws -> AdminClient { AdminClient(connection: try connect()) }

    /// A subscriber on a new connection.
    func subscriber(service: String = "orders", instance: String) throws -> Subscriber {
        Subscriber(connection: try connect(), service: service, instance: instance)
    }

    /// A reporter on a new connection.
    func reporter() throws -> Reporter { Reporter(connection: try connect()) }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for address in [listen, events] {
            if let path = TransportAddress.ipcPath(of: address) { unlink(path) }
        }
    }
}

/// Milliseconds since the epoch.
func nowMs() -> Int64 { WallClock.now().milliseconds }

/// A failure record for tests.
func failureRecord(
    service: String = "orders", function: String = "charge", eventId: String,
    correlationId: String? = nil, code: String = "DB_DOWN", recoverable: UInt8? = nil,
    spec: RetrySpecPatch? = nil, payload: [UInt8]? = nil
) -> Record {
    Record(
        id: RecordIdentifier.next(), kind: .failure, service: service, processor: "billing",
        function: function, eventId: eventId, occurredAt: nowMs(), correlationId: correlationId,
        error: ErrorDetails(code: code, message: "connection refused"), recoverable: recoverable,
        retrySpec: spec, payload: payload)
}

/// A spec patch with short times for tests.
func quickSpec(maxRetries: UInt32 = 3, minBackoffMs: UInt64 = 200, timeoutMs: UInt64 = 2000) -> RetrySpecPatch {
    RetrySpecPatch(
        maxRetries: maxRetries, minBackoffMs: minBackoffMs, maxBackoffMs: max(1000, minBackoffMs),
        executionTimeoutMs: timeoutMs, jitterPermille: 0)
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// A value shared between test threads.
///
/// `@unchecked Sendable`: every access goes through `lock`.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Reads or changes the value under the lock.
    @discardableResult
    func with<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try lock.withLock { try body(&value) }
    }
}

/// A compd started on a fresh temporary directory (the caller removes the directory).
func startedBroker() throws -> (TemporaryDirectory, BrokerProcess) {
    let directory = try TemporaryDirectory()
    let broker = BrokerProcess(dataDirectory: directory.path)
    try broker.start()
    return (directory, broker)
}

/// `text` read as a JSON object (the test fails when it is not one).
func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}
