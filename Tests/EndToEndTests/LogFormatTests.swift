import CompClient
import CompWire
import Foundation
import Testing

/// `--log-format json` through a real compd: every line of its standard error is one JSON object with
/// `ts`, `level`, `label`, `message` and the metadata as string fields; bad values are refused.
@Suite(.serialized)
struct LogFormatTests {
    @Test("with --log-format json every stderr line is a JSON object, and a park line carries the execution's fields")
    func everyLineIsJSON() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = try SettingsBroker(
            directory: directory, arguments: ["--log-format", "json", "--log-level", "notice"], environment: [:])
        defer { broker.stop() }
        let reporter = try broker.reporter()
        let parked = try #require(try reporter.send([
            failureRecord(eventId: "json-park", correlationId: "corr-json", code: "CARD_DECLINED", recoverable: 2),
        ]).first)
        // A name with a quote, a backslash, a line break, a control character and non-ASCII text: the line
        // must still be one JSON object whose field decodes to exactly that name.
        let oddService = "we\"ird\\name\nline\u{01}tab\tü✓"
        let rejected = try #require(try reporter.send([failureRecord(service: oddService, function: "", eventId: "json-bad")]).first)
        #expect(rejected.status == .rejected)

        var park: [String: String]?
        var odd: [String: String]?
        let found = eventually(30) {
            let lines = jsonLines(broker.log)
            park = lines.first { $0["message"] == "execution parked" && $0["event_id"] == "json-park" }
            odd = lines.first { $0["message"] == "record rejected" && $0["event_id"] == "json-bad" }
            return park != nil && odd != nil
        }
        #expect(found, "log: \(broker.log)")
        let line = try #require(park)
        #expect(line["level"] == "notice")
        #expect(line["label"] == "compd")
        #expect(line["service"] == "orders")
        #expect(line["function"] == "charge")
        #expect(line["event_id"] == "json-park")
        #expect(line["correlation_id"] == "corr-json")
        #expect(line["execution_id"] == "\(parked.executionId)")
        #expect(line["reason"] == "unrecoverable")
        #expect(odd?["service"] == oddService)

        // Every line, to the last one written before compd exited, parses.
        broker.stop()
        let log = broker.log
        #expect(!log.isEmpty)
        for text in log.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let object = try #require(jsonObject(String(text)), "not a JSON object: \(text)")
            for key in ["ts", "level", "label", "message"] {
                #expect(object[key] is String, "\(key) missing in \(text)")
            }
            #expect(object.values.allSatisfy { $0 is String }, "a field that is not a string in \(text)")
            let ts = try #require(object["ts"] as? String)
            #expect(ts.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "ts \(ts)")
        }
        #expect(log.hasSuffix("\n"))
    }

    @Test("lines written by several threads at once are never torn: every line of a storm parses")
    func concurrentLines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = try SettingsBroker(
            directory: directory, arguments: ["--log-format", "json", "--log-level", "debug"], environment: [:])
        defer { broker.stop() }
        // Several clients at once: rejected records (ingress thread), parks (core thread), and the
        // debug lines of every request, from several threads of compd.
        let clients = 4
        let done = DispatchGroup()
        let failures = Locked(0)
        let listen = broker.listen
        for client in 0..<clients {
            done.enter()
            Thread {
                defer { done.leave() }
                do {
                    let reporter = Reporter(connection: try BrokerConnection(address: listen))
                    for round in 0..<25 {
                        _ = try reporter.send([
                            failureRecord(service: "storm", function: "", eventId: "bad-\(client)-\(round)"),
                            failureRecord(eventId: "park-\(client)-\(round)", recoverable: 2),
                        ])
                    }
                } catch {
                    failures.with { $0 += 1 }
                }
            }.start()
        }
        #expect(done.wait(timeout: .now() + 120) == .success)
        #expect(failures.with { $0 } == 0)
        broker.stop()
        let lines = broker.log.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count > 20)
        for text in lines {
            #expect(jsonObject(String(text)) != nil, "not a JSON object: \(text)")
        }
        #expect(jsonLines(broker.log).contains { $0["message"] == "execution parked" })
    }

    @Test("a bad log-format is refused with exit 64, naming the setting, from an option, the environment or the file")
    func badValues() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.path + "/data"
        let option = try runCompd(["--data", data, "--log-format", "xml"])
        #expect(option.status == 64)
        #expect(option.err.contains("invalid log-format `xml` (from option --log-format): must be text or json"), "\(option.err)")
        let variable = try runCompd(["--data", data], environment: ["COMPD_LOG_FORMAT": "yaml"])
        #expect(variable.status == 64)
        #expect(variable.err.contains("invalid log-format `yaml` (from environment variable COMPD_LOG_FORMAT)"), "\(variable.err)")
        let config = directory.path + "/compd.conf"
        try "log-format = logfmt\n".write(toFile: config, atomically: true, encoding: .utf8)
        let file = try runCompd(["--data", data, "--config", config])
        #expect(file.status == 64)
        #expect(file.err.contains("invalid log-format `logfmt` (from config file \(config), line 1)"), "\(file.err)")
        let help = try runCompd(["--help"])
        #expect(help.out.contains("--log-format <text|json>"))
    }

    @Test("COMPD_LOG_FORMAT=JSON (any case) and the default text format")
    func environmentAndDefault() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let json = try SettingsBroker(directory: directory, arguments: [], environment: ["COMPD_LOG_FORMAT": "JSON"])
        #expect(eventually(30) { jsonLines(json.log).contains { $0["message"] == "compd serving" } }, "\(json.log)")
        json.stop()
        let textDirectory = try TemporaryDirectory()
        defer { textDirectory.remove() }
        let text = try SettingsBroker(directory: textDirectory, arguments: [], environment: [:])
        defer { text.stop() }
        #expect(eventually(30) { text.log.contains(" info compd: ") && text.log.contains("compd serving") }, "\(text.log)")
        #expect(jsonLines(text.log).isEmpty)
    }
}

/// A line parsed as a JSON object, or nil.
private func jsonObject(_ line: String) -> [String: Any]? {
    guard let data = line.data(using: .utf8),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
    return object
}

/// The lines of a JSON log that parse, with their string fields.
func jsonLines(_ log: String) -> [[String: String]] {
    log.split(separator: "\n").compactMap { jsonObject(String($0)) }.map { object in
        object.compactMapValues { $0 as? String }
    }
}
