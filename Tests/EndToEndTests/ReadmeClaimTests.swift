import CompTransport
import Foundation
import Testing

/// What README.md tells a new user, checked against real compd and compctl processes: the example config
/// file names every setting, the exit codes, the line `compctl load` prints about the broker it loads,
/// and the walk-through's answers (list header and legend, not found, a failure without an error code).
/// (That compd accepts the example file as it is: CompdSettingsTests.)
struct ReadmeClaimTests {
    private var exampleConfig: String { packageRoot.appendingPathComponent("compd.conf.example").path }

    /// Runs compd with `arguments` until it exits (at most 60 s); returns its status and what it printed.
    private func compdUntilExit(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("compd"))
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = Locked(Data())
        let reader = DispatchSemaphore(value: 0)
        Thread {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            output.with { $0 = data }
            reader.signal()
        }.start()
        let ended = eventually(60) { !process.isRunning }
        if !ended { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        _ = reader.wait(timeout: .now() + 10)
        #expect(ended, "compd \(arguments.joined(separator: " ")) did not exit within 60 s")
        return (process.terminationStatus, String(decoding: output.with { $0 }, as: UTF8.self))
    }

    @Test("compd.conf.example has a line for every setting compd --help lists")
    func exampleConfigComplete() throws {
        let help = try compdUntilExit(["--help"])
        #expect(help.status == 0)
        // The settings' lines of the help: `  --max-retries <count>`.
        let options = Set(help.output.split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("--") && $0.contains(" <") }
            .compactMap { $0.split(separator: " ").first.map { String($0.dropFirst(2)) } })
            .subtracting(["config", "help", "version"])
        #expect(options.count >= 10)  // the help text was read
        let text = try String(contentsOfFile: exampleConfig, encoding: .utf8)
        let named = Set(text.split(separator: "\n")
            .filter { !$0.hasPrefix("#") && $0.contains("=") }
            .map { $0.split(separator: "=")[0].trimmingCharacters(in: .whitespaces) })
        #expect(options.subtracting(named).isEmpty, "settings missing from compd.conf.example")
    }

    @Test("compd exits 64 (EX_USAGE) for a bad option value and 75 (EX_TEMPFAIL) for a data directory in use")
    func exitCodes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bad = try compdUntilExit([
            "--data", directory.path, "--listen", TransportAddress.temporaryIPC(prefix: "compd-exit"),
            "--events", "off", "--min-backoff", "soon",
        ])
        #expect(bad.status == 64)
        #expect(bad.output.contains("min-backoff"))

        let first = BrokerProcess(dataDirectory: directory.path)
        try first.start()
        let second = try compdUntilExit([
            "--data", directory.path, "--listen", TransportAddress.temporaryIPC(prefix: "compd-exit"),
            "--events", "off",
        ])
        #expect(second.status == 75)
        #expect(second.output.contains("is in use by another compd"))
        #expect(first.stop(signal: SIGINT) == 0)
    }

    @Test("compctl load says on stderr which broker it loads, before sending; stdout stays the JSON summary")
    func loadNamesBroker() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let run = try compctl(["load", "--broker", broker.listen, "--max", "--count", "20", "--json"])
        #expect(run.status == 0)
        #expect(run.err.contains("loading the broker at \(broker.listen): 20 records"))
        #expect(run.err.contains("every record goes into that broker's journal"))
        let summary = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any]
        #expect(summary?["sent"] as? Int == 20)

        // Nobody answering: no claim that a broker is being loaded.
        let nobody = try compctl([
            "load", "--broker", TransportAddress.temporaryIPC(prefix: "compd-none"), "--max", "--count", "1",
            "--timeout", "300ms",
        ])
        #expect(nobody.status != 0)
        #expect(!nobody.err.contains("loading the broker"))
    }

    @Test("README's walk-through shows what compctl prints: list header and legend, ids, not found (exit 3), --error-code required (exit 64)")
    func walkThroughAnswers() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let report = try compctl([
            "report", "failure", "--broker", broker.listen, "--service", "orders", "--processor", "billing",
            "--function", "charge", "--event-id", "evt-1", "--correlation-id", "order-42", "--error-code", "DB_DOWN",
            "--error-message", "connection refused", "--min-backoff", "3s", "--max-retries", "4",
        ])
        #expect(report.status == 0)
        #expect(report.out.contains("accepted: execution 1"))
        #expect(readme.contains("accepted: execution 1"))

        let list = try compctl(["list", "--broker", broker.listen, "--status", "FAILED"])
        #expect(list.status == 0)
        let lines = list.out.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "header, one row, legend: \(list.out)")
        #expect(readme.contains(lines[0] + "\n"), "README's list header differs from `\(lines[0])`")
        #expect(lines[1].hasPrefix("1   FAILED  0/4          orders/billing/charge       evt-1  correlation=order-42  next="))
        #expect(readme.contains("1   FAILED  0/4          orders/billing/charge       evt-1  correlation=order-42  next="))
        #expect(readme.contains(lines[2] + "\n"), "README's list legend differs from `\(lines[2])`")

        let missing = try compctl(["show", "99", "--broker", broker.listen])
        #expect(missing.status == 3)
        #expect(missing.err.contains("compctl: execution 99 not found"))
        #expect(readme.contains("compctl: execution 99 not found"))

        let anonymous = try compctl([
            "report", "failure", "--broker", broker.listen, "--service", "orders", "--processor", "billing",
            "--function", "charge", "--event-id", "evt-9",
        ])
        #expect(anonymous.status == 64)
        #expect(anonymous.err.contains("--error-code"))
        #expect(broker.stop(signal: SIGINT) == 0)
    }
}
