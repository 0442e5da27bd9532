import CompModel
import Testing

@testable import CompJournal

struct LeaseBudgetTests {
    /// A budget that counts each execution's payload bytes.
    private func payloadBudget(_ bytes: Int) -> LeaseBudget {
        LeaseBudget(bytes: bytes, size: { $0.payload.count })
    }

    private func lease(_ fixture: TestJournal, budget: LeaseBudget, limit: Int = 100) throws -> [Execution] {
        let command = JournalCommand.leaseDue(service: "orders", holder: "node-1", limit: limit, budget: budget)
        guard case .leased(let executions)? = try fixture.commit([command]).results.first else { return [] }
        return executions
    }

    @Test("leaseDue stops before the byte budget would be passed and leases nothing it would not send")
    func stopsAtBudget() throws {
        let fixture = try TestJournal()
        var ids: [ExecutionID] = []
        for index in 0..<5 {
            var record = fixture.failure("e\(index)")
            record.payload = Array(repeating: UInt8(index), count: 100)
            ids.append(try fixture.create(record))
            fixture.advance(seconds: 1)
        }
        fixture.advance(seconds: 60)
        // 250 bytes hold two payloads of 100, not three.
        let first = try lease(fixture, budget: payloadBudget(250))
        #expect(first.map(\.id) == Array(ids[0..<2]))
        for id in ids[2...] {
            let waiting = try fixture.execution(id)
            #expect(waiting.status == .failed)
            #expect(waiting.retries == 0)
        }
        #expect(try fixture.journal.history(of: ids[2]).map(\.kind) == ["failure"])
        // Exactly at the budget: three fit in 300.
        #expect(try lease(fixture, budget: payloadBudget(300)).map(\.id) == Array(ids[2..<5]))
    }

    @Test("the first due execution is leased even when it alone is larger than the budget")
    func firstAlwaysFits() throws {
        let fixture = try TestJournal()
        var big = fixture.failure("big")
        big.payload = Array(repeating: 7, count: 5000)
        let id = try fixture.create(big)
        _ = try fixture.create(fixture.failure("small"))
        fixture.advance(seconds: 60)
        #expect(try lease(fixture, budget: payloadBudget(100)).map(\.id) == [id])
    }

    @Test("the size is measured on the execution as leased (with its lease)")
    func measuredAsLeased() throws {
        let fixture = try TestJournal()
        _ = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 60)
        let budget = LeaseBudget(bytes: 10, size: { $0.lease == nil ? 1_000_000 : 1 })
        _ = try fixture.create(fixture.failure("e2"))
        fixture.advance(seconds: 60)
        #expect(try lease(fixture, budget: budget).count == 2)
    }

    @Test("leasedExecutions lists every PREPARED execution with its service")
    func leasedExecutions() throws {
        let fixture = try TestJournal()
        let a = try fixture.create(fixture.failure("a"))
        let b = try fixture.create(fixture.failure("b", service: "billing"))
        _ = try fixture.create(fixture.failure("c"))
        #expect(try fixture.journal.leasedExecutions().isEmpty)
        fixture.advance(seconds: 60)
        _ = try fixture.lease(service: "orders", limit: 1)
        _ = try fixture.lease(service: "billing")
        let leased = try fixture.journal.leasedExecutions()
        #expect(leased.map(\.id) == [a, b])
        #expect(leased.map(\.service) == ["orders", "billing"])
    }
}
