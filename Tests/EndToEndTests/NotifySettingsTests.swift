import Foundation
import Testing

/// compd's `notify` and `console-url` settings through real compd processes: repeated options and
/// config file lines (never split on commas), bad values naming the part to fix, duplicate names.
@Suite(.serialized)
struct NotifySettingsTests {
    @Test("--notify repeats and the config file has several notify lines; the log names each notifier and kind, never its URL")
    func severalNotifiers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let config = directory.path + "/compd.conf"
        try """
            notify = wecom=\(receiver.url("wecom?key=s3cret")) events=parked,discarded services=orders,billing name=team-a
            notify = slack=\(receiver.url("slack")) events=all name=team-b
            console-url = https://console.example.com
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let broker = try await startNotifyingBroker(
            directory, notify: ["webhook=\(receiver.url("one")) name=one", "webhook=\(receiver.url("two")) events=all"],
            extraArguments: ["--config", config], consoleURL: nil)
        defer { broker.stop() }
        // The options win over the file for a list too: the two --notify notifiers run, not the file's.
        #expect(broker.log.contains("one (webhook)"))
        #expect(broker.log.contains(" (webhook)"))
        #expect(!broker.log.contains("team-a"))
        #expect(!broker.log.contains(receiver.url("one")) && !broker.log.contains("s3cret"))
        try reportFailures(broker, count: 1, prefix: "several")
        #expect(await waitUntil(60) { Set(receiver.accepted.map(\.path)) == ["/one", "/two"] }, "\(broker.log)")
        #expect(receiver.accepted.allSatisfy { $0.bodyText.contains("https://console.example.com/executions/") })
    }

    @Test("the config file's notify lines: one notifier a line, commas inside its options")
    func fileLines() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let receiver = HookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let config = directory.path + "/compd.conf"
        try """
            notify = webhook=\(receiver.url("a")) events=failure_created,parked services=orders,billing name=a
            notify = webhook=\(receiver.url("b")) name=b
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let broker = try await startNotifyingBroker(directory, notify: [], extraArguments: ["--config", config])
        defer { broker.stop() }
        #expect(broker.log.contains("a (webhook), b (webhook)"))
        try reportFailures(broker, count: 1, prefix: "lines", service: "billing")
        #expect(await waitUntil(60) { Set(receiver.accepted.map(\.path)) == ["/a", "/b"] }, "\(broker.log)")
    }

    @Test("a bad notifier exits 64 naming notify, where it came from and the part to fix, never the URL")
    func badNotifier() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.path + "/data"
        let kind = try runCompd(["--data", data, "--notify", "pager=https://example.com/s3cret"])
        #expect(kind.status == 64)
        #expect(kind.err.contains("invalid notify (from option --notify): unknown notifier kind `pager`"), "\(kind.err)")
        #expect(!kind.err.contains("s3cret"))

        let second = try runCompd(["--data", data, "--notify", "webhook=http://127.0.0.1:9/a",
                                   "--notify", "webhook=http://127.0.0.1:9/b events=parked,nonsense"])
        #expect(second.status == 64)
        #expect(second.err.contains("invalid notify (from option --notify, the 2nd): unknown event `nonsense`"), "\(second.err)")

        let config = directory.path + "/bad.conf"
        try "notify = webhook=http://127.0.0.1:9/a\n\nnotify = webhook=ftp://127.0.0.1/b\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let file = try runCompd(["--data", data, "--config", config])
        #expect(file.status == 64)
        #expect(file.err.contains("invalid notify (from config file \(config), line 3)"), "\(file.err)")
        #expect(file.err.contains("http:// or https://"), "\(file.err)")

        let variable = try runCompd(["--data", data], environment: ["COMPD_NOTIFY": "webhook=http://127.0.0.1:9/a digest=0/1s"])
        #expect(variable.status == 64)
        #expect(variable.err.contains("invalid notify (from environment variable COMPD_NOTIFY): digest=0/1s"), "\(variable.err)")
    }

    @Test("two notifiers with one name are refused")
    func duplicateNames() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let same = try runCompd(["--data", directory.path + "/data",
                                 "--notify", "webhook=http://127.0.0.1:9/a name=ops", "--notify", "slack=http://127.0.0.1:9/b name=ops"])
        #expect(same.status == 64)
        #expect(same.err.contains("a notifier named `ops` is already given (from option --notify, the 1st)"), "\(same.err)")
        // The same URL twice without names: the same default name.
        let twice = try runCompd(["--data", directory.path + "/data",
                                  "--notify", "webhook=http://127.0.0.1:9/a", "--notify", "webhook=http://127.0.0.1:9/a events=all"])
        #expect(twice.status == 64)
        #expect(twice.err.contains("is already given"), "\(twice.err)")
    }

    @Test("a console-url that is not an http(s) URL exits 64")
    func badConsoleURL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bad = try runCompd(["--data", directory.path + "/data", "--console-url", "console.example.com"])
        #expect(bad.status == 64)
        #expect(bad.err.contains("invalid console-url `console.example.com` (from option --console-url): must be an http://"), "\(bad.err)")
    }
}
