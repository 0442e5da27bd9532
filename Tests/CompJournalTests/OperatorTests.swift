import CompModel
import Testing

@testable import CompJournal

struct OperatorTests {
    @Test("operator actions apply, are journaled with their kind, and return the execution after")
    func actions() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        #expect(try fixture.operate(id, .park).map(\.status) == .success(.parked))
        #expect(try fixture.operate(id, .retryNow).map(\.nextRetryAt) == .success(fixture.now))
        #expect(try fixture.operate(id, .mark(.recoverable)).map(\.markedByOperator) == .success(true))
        let spec = RetrySpec(maxRetries: 1, minBackoff: .seconds(5), maxBackoff: .seconds(5), jitterPermille: 0)
        #expect(try fixture.operate(id, .applySpec(spec)).map(\.spec) == .success(spec))
        #expect(try fixture.operate(id, .changeFunction("ship-v2")).map(\.key.function) == .success("ship-v2"))
        #expect(try fixture.operate(id, .discard).map(\.status) == .success(.discarded))
        #expect(try fixture.journal.history(of: id).map(\.kind) == [
            "failure", "park", "retry", "mark", "apply-spec", "change-function", "discard",
        ])
        #expect(try fixture.journal.history(of: id)[2].summary == "retry (operator)")
        // The key change is stored: the new key is found, the old one is not.
        #expect(try fixture.journal.matchingIds(filter: ExecutionFilter(function: "ship-v2"), limit: 5) == [id])
    }

    @Test("operator errors: unknown execution, model refusals, non-operator inputs")
    func refusals() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        #expect(try fixture.operate(77_777, .retryNow) == .failure(.unknownExecution))
        #expect(try fixture.operate(id, .changeFunction("ship")) == .failure(.model(.unchanged)))
        #expect(try fixture.operate(id, .expireLease) == .failure(.model(.notAllowed(input: "lease expiry", status: .failed))))
        _ = try fixture.operate(id, .discard)
        #expect(try fixture.operate(id, .retryNow) == .failure(.model(.notAllowed(input: "retry", status: .discarded))))
        #expect(try fixture.journal.history(of: id).map(\.kind) == ["failure", "discard"])
    }

    @Test("changing the function to a key another open execution has is a key conflict")
    func keyConflict() throws {
        let fixture = try TestJournal()
        let a = try fixture.create(fixture.failure("e1", function: "ship"))
        let b = try fixture.create(fixture.failure("e1", function: "bill"))
        #expect(try fixture.operate(a, .changeFunction("bill")) == .failure(.keyConflict))
        #expect(try fixture.execution(a).key.function == "ship")
        // Once the other one is finished, the change is allowed, and failures by the new key join it.
        _ = try fixture.operate(b, .discard)
        #expect(try fixture.operate(a, .changeFunction("bill")).map(\.id) == .success(a))
        #expect(try fixture.records([fixture.failure("e1", function: "bill")]) == [.accepted(a)])
    }
}
