import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// A TCP port on the loopback interface that nothing listens on right now (the kernel picks it).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed: \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw TestFailure("bind failed: \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw TestFailure("getsockname failed: \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The CLI's answers (issue 10): what compctl says when the broker is down, an address has no
/// scheme, a retry spec or a name breaks a rule, and which durations it takes.
@Suite(.serialized)
struct CompctlAnswersTests {
    private let nobody = "ipc:///tmp/compd-nobody-\(getpid()).sock"
    private let record = ["--service", "orders", "--processor", "billing", "--function", "charge"]

    @Test("with no broker, report names its attempts and the time they took, within --timeout")
    func brokerDown() throws {
        let run = try compctl(["report", "failure"] + record + ["--event-id", "down-1", "--error-code", "E",
            "--broker", nobody, "--timeout", "1s"])
        #expect(run.status == 69)
        #expect(run.err.contains("no reply from \(nobody): 2 attempts over "), "\(run.err)")
        #expect(run.err.contains("--timeout 1s bounds the whole command"), "\(run.err)")
        let list = try compctl(["list", "--broker", nobody, "--timeout", "300ms"])
        #expect(list.status == 69)
        #expect(list.err.contains("1 attempt over "), "\(list.err)")
    }

    @Test("an address without a scheme is taken as tcp, by compctl and by compd; others are refused naming the forms")
    func addressWithoutScheme() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = try freeLoopbackPort()
        let broker = BrokerProcess(dataDirectory: directory.path, listen: "127.0.0.1:\(port)")
        try broker.start()
        let stats = try compctl(["stats", "--broker", "127.0.0.1:\(port)"])
        #expect(stats.status == 0, "\(stats.err)")
        #expect(stats.out.contains("uptime"))
        for bad in ["localhost", "http://127.0.0.1:7450", "127.0.0.1:99999", "ipc://"] {
            let run = try compctl(["stats", "--broker", bad])
            #expect(run.status == 64, "\(bad)")
            #expect(run.err.contains("expected tcp://HOST:PORT or ipc:///path"), "\(bad): \(run.err)")
        }
        #expect(TransportAddress.normalized("127.0.0.1:7450") == "tcp://127.0.0.1:7450")
        #expect(TransportAddress.normalized("ipc:///tmp/x") == "ipc:///tmp/x")
        #expect(TransportAddress.problem(with: "tcp://*:7450") == nil)
        #expect(TransportAddress.problem(with: "tcp://[::1]:7450") == nil)
        #expect(TransportAddress.problem(with: "7450") != nil)
    }

    @Test("compd refuses a malformed --listen address naming the expected forms")
    func compdBadListen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("compd"))
        process.arguments = ["--data", directory.path, "--listen", "nonsense", "--events", "off"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("expected tcp://HOST:PORT or ipc:///path; got `nonsense`"), "\(text)")
    }

    @Test("a negative or out-of-range retry spec option names the option and its rule")
    func badSpecOptions() throws {
        let cases: [([String], String)] = [
            (["--max-retries", "-1"], "--max-retries must be a whole number in 0...1000000; got `-1`"),
            (["--max-retries", "2000000"], "--max-retries must be a whole number in 0...1000000"),
            (["--min-backoff", "-5s"], "--min-backoff must not be negative; got `-5s`"),
            (["--min-backoff", "5s", "--max-backoff", "1s"], "--max-backoff must be at least --min-backoff"),
            (["--execution-timeout", "0"], "--execution-timeout must be in 1ms...366d"),
            (["--jitter", "1001"], "--jitter must be a whole number in 0...1000"),
            (["--min-backoff", "soon"], "--min-backoff must be a duration like 250ms, 1.5s, 2m, 1h30m or 500us"),
        ]
        for (options, message) in cases {
            let run = try compctl(["report", "failure"] + record + ["--event-id", "e", "--error-code", "E"] + options
                + ["--broker", nobody])
            #expect(run.status == 64, "\(options)")
            #expect(run.err.contains(message), "\(options): \(run.err)")
            let apply = try compctl(["apply-spec", "7"] + options + ["--broker", nobody])
            #expect(apply.status == 64, "\(options)")
            #expect(apply.err.contains(message), "\(options): \(apply.err)")
        }
        let empty = try compctl(["report", "failure", "--service", "", "--processor", "p", "--function", "f",
            "--event-id", "e", "--error-code", "E", "--broker", nobody])
        #expect(empty.status == 64)
        #expect(empty.err.contains("--service must not be empty"), "\(empty.err)")
    }

    @Test("a failure report without --error-code is refused, saying what to add")
    func failureNeedsCode() throws {
        let run = try compctl(["report", "failure"] + record + ["--event-id", "e", "--broker", nobody])
        #expect(run.status == 64)
        #expect(run.err.contains("report failure needs --error-code CODE"), "\(run.err)")
    }

    @Test("the broker's rejection of a record names the field and the rule (RecordOutcome detail)")
    func rejectionDetail() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let badSpec = failureRecord(eventId: "spec-1", spec: RetrySpecPatch(minBackoffMs: 5000, maxBackoffMs: 1000))
        var emptyService = failureRecord(eventId: "empty-1")
        emptyService.service = ""
        var noError = failureRecord(eventId: "no-error-1")
        noError.error = nil
        let outcomes = try broker.reporter().send([badSpec, emptyService, noError])
        #expect(outcomes.map(\.code) == [21, 20, 20])
        #expect(outcomes[0].detail?.hasPrefix("retrySpec.maxBackoff: must be in minBackoff...") == true, "\(outcomes[0])")
        #expect(outcomes[1].detail == "service: must not be empty")
        #expect(outcomes[2].detail == "error: a failure must carry an error")
        let run = try compctl(["report", "failure", "--service", "orders", "--processor", "billing", "--function", "charge",
            "--event-id", "big", "--error-code", "E", "--min-backoff", "300d", "--broker", broker.listen])
        #expect(run.status == 0, "\(run.err)")  // 300d lifts the default cap: accepted
    }

    @Test("durations as Go writes them are accepted by compctl and compd")
    func goDurations() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path, extraArguments: ["--min-backoff", "1.5s", "--max-backoff", "1h30m"])
        try broker.start()
        let report = try compctl(["report", "failure"] + record + ["--event-id", "go-1", "--error-code", "E",
            "--execution-timeout", "2m30s", "--broker", broker.listen, "--timeout", "2.5s", "--json"])
        #expect(report.status == 0, "\(report.err)")
        let id = try #require(try json(report.out)["executionId"] as? Int)
        let shown = try compctl(["show", "\(id)", "--broker", broker.listen, "--json"])
        let spec = try #require((try json(shown.out)["execution"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(spec["minBackoff"] as? String == "1500ms")
        #expect(spec["maxBackoff"] as? String == "90m")
        #expect(spec["executionTimeout"] as? String == "150s")
    }

    @Test("--version on both binaries prints the release and the commit baked beside the binary")
    func version() throws {
        for product in ["compctl", "compd"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try builtProduct(product))
            process.arguments = ["--version"]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(text.hasPrefix("0.1.0 (commit "), "\(product): \(text)")
        }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let copy = directory.path + "/compctl"
        try FileManager.default.copyItem(atPath: try builtProduct("compctl"), toPath: copy)
        try Data("1a2b3c4\n".utf8).write(to: URL(fileURLWithPath: directory.path + "/compd-build-commit"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: copy)
        process.arguments = ["--version"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text == "0.1.0 (commit 1a2b3c4)\n")
    }
}
