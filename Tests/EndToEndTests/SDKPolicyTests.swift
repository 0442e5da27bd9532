import CompClient
import CompWire
import Testing

/// `RetryPolicy` without a broker: classification by exact type, and the spec patch it sends.
struct SDKPolicyTests {
    private struct Hinted: ReportableError {
        var errorDetails: ErrorDetails { ErrorDetails(code: "HINTED", message: "says itself") }
        var recoverable: UInt8 { 1 }
    }

    private struct Other: Error {}

    @Test("errors are classified by their exact type, unrecoverable first; a self-describing error keeps its hint")
    func classification() {
        let policy = RetryPolicy(recoverable: [DependencyTimeout.self, InvalidOrder.self], unrecoverable: [InvalidOrder.self])
        #expect(policy.classify(DependencyTimeout()) == .recoverable)
        #expect(policy.classify(InvalidOrder(reason: "x")) == .unrecoverable)
        #expect(policy.classify(Other()) == .unknown)
        #expect(policy.classify(Hinted()) == .recoverable)
        #expect(RetryPolicy(unrecoverable: [Hinted.self]).classify(Hinted()) == .unrecoverable)
    }

    @Test("the spec patch carries exactly the values the policy sets, in milliseconds")
    func specPatch() {
        #expect(RetryPolicy.standard.specPatch == nil)
        let policy = RetryPolicy(maxRetries: 5, minBackoff: .seconds(60), executionTimeout: .milliseconds(10_500))
        #expect(policy.specPatch == RetrySpecPatch(maxRetries: 5, minBackoffMs: 60_000, executionTimeoutMs: 10_500))
        #expect(RetryPolicy.disabled.enabled == false)
    }
}
