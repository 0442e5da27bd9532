import CompModel
import Testing

@testable import CompJournal

/// The dedupe lookup is skipped for a record id above every stored one (`Store.newestRecordId`); these pin
/// that no duplicate is missed because of it, in whatever order ids arrive.
struct DedupeSkipTests {
    @Test("ids arriving out of order: each new one is accepted, each resend is a duplicate, before and after a reopen")
    func outOfOrder() throws {
        let fixture = try TestJournal()
        let low = RecordID(high: 0x0000_0100_0000_7001, low: 0x8000_0000_0000_0001)
        let high = RecordID(high: 0x0000_0100_0000_7002, low: 0x8000_0000_0000_0001)
        let middle = RecordID(high: 0x0000_0100_0000_7001, low: 0x8000_0000_0000_0002)
        let a = try fixture.create(fixture.failure("a", id: high))
        let b = try fixture.create(fixture.failure("b", id: low))  // below the newest: looked up, new
        #expect(fixture.journal.store.newestRecordId == high)
        #expect(try fixture.records([fixture.failure("a", id: high), fixture.failure("b", id: low)])
            == [.duplicate(a), .duplicate(b)])
        try fixture.reopen()
        #expect(fixture.journal.store.newestRecordId == high)
        #expect(try fixture.records([fixture.failure("b", id: low), fixture.failure("a", id: high)])
            == [.duplicate(b), .duplicate(a)])
        let c = try fixture.create(fixture.failure("c", id: middle))
        #expect(c != a && c != b)
    }

    @Test("a record resent in the same group commit is a duplicate, and the newest id rolls forward only")
    func sameBatch() throws {
        let fixture = try TestJournal()
        let id = fixture.newRecordId()
        let first = fixture.failure("x", id: id)
        let results = try fixture.records([first, first])
        guard case .accepted(let created) = results.first else {
            Issue.record("unexpected \(results)")
            return
        }
        #expect(results == [.accepted(created), .duplicate(created)])
        let older = RecordID(high: id.high - (1 << 16), low: id.low)
        _ = try fixture.create(fixture.failure("y", id: older))
        #expect(fixture.journal.store.newestRecordId == id)
    }

    @Test("within one unit, resends among ids in any order are duplicates of the right execution, also after lookups that found nothing")
    func sameUnitAnyOrder() throws {
        let fixture = try TestJournal()
        let ids = (0..<6).map { RecordID(high: 0x0000_0100_0000_8000 + UInt64($0), low: 0x8000_0000_0000_0001) }
        // New ids below the unit's newest are looked up (and found nowhere) before the resends come.
        let results = try fixture.records([
            fixture.failure("e3", id: ids[3]), fixture.failure("e1", id: ids[1]), fixture.failure("e5", id: ids[5]),
            fixture.failure("e3", id: ids[3]), fixture.failure("e0", id: ids[0]), fixture.failure("e1", id: ids[1]),
            fixture.failure("e4", id: ids[4]), fixture.failure("e5", id: ids[5]), fixture.failure("e0", id: ids[0]),
        ])
        let created = results.prefix(3).compactMap { result -> ExecutionID? in
            if case .accepted(let id) = result { return id }
            return nil
        }
        guard created.count == 3, case .accepted(let e0) = results[4], case .accepted(let e4) = results[6] else {
            Issue.record("unexpected \(results)")
            return
        }
        #expect(results[3] == .duplicate(created[0]))
        #expect(results[5] == .duplicate(created[1]))
        #expect(results[7] == .duplicate(created[2]))
        #expect(results[8] == .duplicate(e0))
        #expect(Set(created + [e0, e4]).count == 5)
        #expect(try fixture.allExecutions().count == 5)
    }

    @Test("an empty journal has no newest id, so its first record is not looked up; a journal of operator rows has none")
    func empty() throws {
        let fixture = try TestJournal()
        #expect(fixture.journal.store.newestRecordId == nil)
        #expect(fixture.journal.store.mayHaveRecord(fixture.newRecordId()) == false)
    }
}
