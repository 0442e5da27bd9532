import CompModel
import Testing
@testable import CompNotify

struct NotifierConfigTests {
    @Test("KIND=URL alone gives the default filter, every service, digest 10/60s and a hashed name")
    func defaults() throws {
        let config = try NotifierConfig.parse("webhook=http://127.0.0.1:9000/hook")
        #expect(config.kind == .webhook)
        #expect(config.url == "http://127.0.0.1:9000/hook")
        #expect(config.events == [.failureCreated, .retryFailed, .succeeded, .parked])
        #expect(config.services.isEmpty)
        #expect(config.digestThreshold == 10)
        #expect(config.digestWindow == .seconds(60))
        // SHA-256("http://127.0.0.1:9000/hook") starts with these 8 hex digits (sha256sum agrees).
        #expect(config.name == "webhook-\(URLDigest.shortHex(of: "http://127.0.0.1:9000/hook"))")
        #expect(config.name.count == "webhook-".count + 8)
        #expect(!config.name.contains("9000"))
    }

    @Test("the default name is the first 8 hex digits of SHA-256 of the URL")
    func defaultNameDigest() {
        // printf %s 'https://example.com/x' | sha256sum → 54cef8f4…
        #expect(URLDigest.shortHex(of: "https://example.com/x") == "54cef8f4")
        #expect(NotifierConfig.defaultName(kind: .slack, url: "https://example.com/x") == "slack-54cef8f4")
    }

    @Test("every option is read: events, services, name and digest")
    func options() throws {
        let config = try NotifierConfig.parse(
            "slack=https://hooks.slack.com/services/T/B/X  events=parked,lease_expired\tservices=orders,billing "
                + "name=ops-alerts digest=5/5m")
        #expect(config.kind == .slack)
        #expect(config.events == [.parked, .leaseExpired])
        #expect(config.services == ["orders", "billing"])
        #expect(config.name == "ops-alerts")
        #expect(config.digestThreshold == 5)
        #expect(config.digestWindow == .seconds(300))
    }

    @Test("events=all selects every event; the window takes 1s and 1h at the edges")
    func allAndEdges() throws {
        let all = try NotifierConfig.parse("wecom=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k events=all digest=1/1s")
        #expect(all.events == Set(NotificationKind.allCases))
        #expect(all.digestThreshold == 1)
        #expect(all.digestWindow == .seconds(1))
        let hour = try NotifierConfig.parse("webhook=http://h/x digest=10/1h")
        #expect(hour.digestWindow == .seconds(3600))
        let name = String(repeating: "a", count: 64)
        #expect(try NotifierConfig.parse("webhook=http://h/x name=\(name)").name == name)
    }

    @Test("an unknown kind names itself and lists the known ones")
    func unknownKind() {
        #expect(throws: NotifierConfigError.unknownKind("sms")) { try NotifierConfig.parse("sms=http://h/x") }
        #expect(NotifierConfigError.unknownKind("sms").description
            == "unknown notifier kind `sms` (known: webhook, slack, wecom)")
    }

    @Test("a URL that is not http(s) with a host is refused without repeating the URL")
    func badURLs() {
        for url in ["ftp://h/x", "h/x", "http://", "", "mailto:a@b", "http:///path", "http://a\u{7f}b"] {
            #expect(throws: NotifierConfigError.badURL(kind: .webhook), "\(url)") {
                try NotifierConfig.parse("webhook=\(url)")
            }
        }
        let message = NotifierConfigError.badURL(kind: .slack).description
        #expect(message == "the URL of the slack notifier must be an http:// or https:// URL with a host")
        #expect(throws: Never.self) { try NotifierConfig.parse("webhook=HTTPS://H:8443/x?token=s") }
    }

    @Test("an unknown or empty event is named, with the list of event names")
    func unknownEvent() {
        #expect(throws: NotifierConfigError.unknownEvent("failed")) {
            try NotifierConfig.parse("webhook=http://h/x events=parked,failed")
        }
        #expect(throws: NotifierConfigError.unknownEvent("")) {
            try NotifierConfig.parse("webhook=http://h/x events=parked,")
        }
        #expect(throws: NotifierConfigError.unknownEvent("")) { try NotifierConfig.parse("webhook=http://h/x events=") }
        let message = NotifierConfigError.unknownEvent("failed").description
        #expect(message.hasPrefix("unknown event `failed` in events= (known: failure_created, retry_failed, parked,"))
        #expect(message.hasSuffix("service_resumed, or all)"))
    }

    @Test("an empty service is refused")
    func emptyService() {
        for services in ["services=", "services=orders,", "services=,orders", "services=a,,b"] {
            #expect(throws: NotifierConfigError.emptyService, "\(services)") {
                try NotifierConfig.parse("webhook=http://h/x \(services)")
            }
        }
    }

    @Test("digest must be N/WINDOW with N >= 1 and a window from 1s to 1h")
    func badDigests() {
        for digest in ["10", "0/60s", "-1/60s", "10/0", "10/999ms", "10/61m", "10/2h", "x/60s", "10/60", "10/", "/60s",
                       "10/60s/1", "99999999/60s", "10/-5s"] {
            #expect(throws: NotifierConfigError.badDigest(digest), "\(digest)") {
                try NotifierConfig.parse("webhook=http://h/x digest=\(digest)")
            }
        }
        #expect(NotifierConfigError.badDigest("0/60s").description
            == "digest=0/60s is not N/WINDOW with N at least 1 and a window from 1s to 1h (for example digest=10/60s)")
    }

    @Test("retry= sets the first and the longest delay between attempts, from 100ms to 1h, the first not above the longest")
    func retryDelays() throws {
        let config = try NotifierConfig.parse("webhook=http://h/x retry=250ms/30s")
        #expect(config.retryMin == .milliseconds(250))
        #expect(config.retryMax == .seconds(30))
        let plain = try NotifierConfig.parse("webhook=http://h/x")
        #expect(plain.retryMin == .seconds(1))
        #expect(plain.retryMax == .seconds(300))
        for retry in ["1s", "1s/", "/5m", "50ms/1s", "1s/2h", "10s/5s", "x/5m", "1s/5m/1", ""] {
            #expect(throws: NotifierConfigError.badRetry(retry), "\(retry)") {
                try NotifierConfig.parse("webhook=http://h/x retry=\(retry)")
            }
        }
        #expect(NotifierConfigError.badRetry("10s/5s").description
            == "retry=10s/5s is not MIN/MAX with 100ms <= MIN <= MAX <= 1h (for example retry=1s/5m)")
    }

    @Test("an option given twice is refused")
    func duplicate() {
        #expect(throws: NotifierConfigError.duplicateOption("events")) {
            try NotifierConfig.parse("webhook=http://h/x events=parked events=all")
        }
        #expect(NotifierConfigError.duplicateOption("name").description == "option name= is given twice")
    }

    @Test("a name outside [A-Za-z0-9._-]{1,64} is refused")
    func badNames() {
        for name in ["", "a/b", "ü", "a:b", String(repeating: "a", count: 65)] {
            #expect(throws: NotifierConfigError.badName(name), "\(name)") {
                try NotifierConfig.parse("webhook=http://h/x name=\(name)")
            }
        }
    }

    @Test("empty text, a missing target and unknown options are named")
    func structure() {
        #expect(throws: NotifierConfigError.empty) { try NotifierConfig.parse("   ") }
        #expect(throws: NotifierConfigError.missingTarget(word: "webhook")) { try NotifierConfig.parse("webhook") }
        #expect(throws: NotifierConfigError.missingTarget(word: "events=all")) {
            try NotifierConfig.parse("events=all webhook=http://h/x")
        }
        #expect(throws: NotifierConfigError.unknownOption("retries=3")) {
            try NotifierConfig.parse("webhook=http://h/x retries=3")
        }
        #expect(throws: NotifierConfigError.unknownOption("loud")) { try NotifierConfig.parse("webhook=http://h/x loud") }
        #expect(NotifierConfigError.unknownOption("loud").description
            == "unknown option `loud` (known: events=, services=, name=, digest=, retry=)")
    }

    @Test("filters: events and services decide what passes")
    func filters() throws {
        let config = try NotifierConfig.parse("webhook=http://h/x events=parked services=orders")
        #expect(config.accepts(.parked, service: "orders"))
        #expect(!config.accepts(.parked, service: "billing"))
        #expect(!config.accepts(.failureCreated, service: "orders"))
        let everyService = try NotifierConfig.parse("webhook=http://h/x")
        #expect(everyService.accepts(.failureCreated, service: "anything"))
    }
}
