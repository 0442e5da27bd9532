import CompModel
import Testing

@testable import CompNotify

/// The delivery's decisions as values: how an HTTP answer is classified, and which failures are logged.
struct DeliveryDecisionTests {
    @Test("2xx is delivered; 408, 429 and 5xx are retried; any other status is refused")
    func classify() {
        for status in [200, 201, 202, 204, 299] { #expect(DeliveryOutcome.classify(status: status) == .delivered) }
        for status in [408, 429, 500, 502, 503, 504, 599] {
            #expect(DeliveryOutcome.classify(status: status) == .retry(reason: "HTTP \(status)"))
        }
        for status in [400, 401, 403, 404, 405, 410, 413, 422, 300, 301, 304, 100] {
            #expect(DeliveryOutcome.classify(status: status) == .refused(reason: "HTTP \(status)"))
        }
        #expect(DeliveryOutcome.classify(status: 400, detail: "bad key") == .refused(reason: "HTTP 400: bad key"))
    }

    @Test("the first failure is logged, then one line a minute with the count, then the recovery")
    func failureLines() {
        var gate = FailureLogGate()
        let start = Timestamp(milliseconds: 1_000_000)
        #expect(gate.failed(now: start) == .first)
        #expect(gate.failed(now: start.adding(.seconds(1))) == .quiet)
        #expect(gate.failed(now: start.adding(.seconds(30))) == .quiet)
        #expect(gate.failed(now: start.adding(.seconds(59))) == .quiet)
        #expect(gate.failed(now: start.adding(.seconds(60))) == .summary(failures: 4))
        #expect(gate.failed(now: start.adding(.seconds(61))) == .quiet)
        #expect(gate.failed(now: start.adding(.seconds(125))) == .summary(failures: 2))
        let recovered = gate.recovered(now: start.adding(.seconds(130)))
        #expect(recovered?.failures == 7)
        #expect(recovered?.since == start)
        // A new streak starts with a line of its own; a success without failures logs nothing.
        #expect(gate.recovered(now: start.adding(.seconds(131))) == nil)
        #expect(gate.failed(now: start.adding(.seconds(140))) == .first)
    }
}

/// What `compctl notifications` shows of a notifier's URL.
struct NotifierTargetTests {
    @Test("the target is scheme://host[:port], never the path, query or user info")
    func target() {
        #expect(NotificationDelivery.target(of: "https://hooks.slack.com/services/T0/B0/secret") == "https://hooks.slack.com")
        #expect(NotificationDelivery.target(of: "http://127.0.0.1:9000/hook?token=s3cret") == "http://127.0.0.1:9000")
        #expect(NotificationDelivery.target(of: "HTTPS://user:pw@example.com:8443/x") == "https://example.com:8443")
        #expect(NotificationDelivery.target(of: "http://[::1]:7000/x") == "http://[::1]:7000")
    }
}
