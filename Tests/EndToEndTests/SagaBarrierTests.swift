import CompClient
import Foundation
import Testing

/// The saga barrier on a real SQLite file: each forward and compensation runs once, null compensation and
/// hanging are skipped, and a failing effect rolls its barrier row back.
struct SagaBarrierTests {
    /// A service database with an `accounts` table (balance 100) and the barrier.
    func database(_ directory: TemporaryDirectory) throws -> (ServiceDatabase, SagaBarrier) {
        let database = try ServiceDatabase(path: directory.path + "/service.db")
        try database.execute("""
            CREATE TABLE accounts (id TEXT PRIMARY KEY, balance INTEGER NOT NULL);
            INSERT INTO accounts VALUES ('a', 100);
            """)
        return (database, try SagaBarrier(database: database))
    }

    func balance(_ database: ServiceDatabase) throws -> Int64? {
        try database.query("SELECT balance FROM accounts WHERE id = 'a'").first?.first?.integer
    }

    func debit(_ amount: Int64) -> (ServiceDatabase) throws -> Void {
        { db in try db.run("UPDATE accounts SET balance = balance - ?1 WHERE id = 'a'", .integer(amount)) }
    }

    @Test("a forward runs once; its compensation runs once and undoes it")
    func forwardThenCompensation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (database, barrier) = try database(directory)
        #expect(try barrier.forward(sagaId: "s1", step: 0, debit(30)) == .ran)
        #expect(try barrier.forward(sagaId: "s1", step: 0, debit(30)) == .duplicate)
        #expect(try balance(database) == 70)
        #expect(try barrier.compensate(sagaId: "s1", step: 0, debit(-30)) == .ran)
        #expect(try barrier.compensate(sagaId: "s1", step: 0, debit(-30)) == .duplicate)
        #expect(try balance(database) == 100)
        let rows = try database.query("SELECT op, reason FROM compd_barrier WHERE saga_id = 's1' ORDER BY op")
        #expect(rows == [[.text("compensate"), .text("compensate")], [.text("forward"), .text("forward")]])
    }

    @Test("a compensation before its forward is a null compensation, and the late forward is skipped (hanging)")
    func nullCompensationAndHanging() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (database, barrier) = try database(directory)
        #expect(try barrier.compensate(sagaId: "s2", step: 1, debit(-30)) == .nullCompensation)
        #expect(try barrier.compensate(sagaId: "s2", step: 1, debit(-30)) == .duplicate)
        #expect(try barrier.forward(sagaId: "s2", step: 1, debit(30)) == .compensated)
        #expect(try balance(database) == 100)
    }

    @Test("an effect that throws rolls back its barrier row: the next delivery runs it")
    func failingEffectRollsBack() throws {
        struct Boom: Error {}
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (database, barrier) = try database(directory)
        #expect(throws: Boom.self) {
            try barrier.forward(sagaId: "s3", step: 0) { db in
                try debit(30)(db)
                throw Boom()
            }
        }
        #expect(try balance(database) == 100)
        #expect(try database.query("SELECT count(*) FROM compd_barrier").first?.first?.integer == 0)
        #expect(try barrier.forward(sagaId: "s3", step: 0, debit(30)) == .ran)
        #expect(try balance(database) == 70)
    }

    @Test("steps and sagas are separate rows; the barrier survives reopening the file")
    func separateAndDurable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let (_, barrier) = try database(directory)
            #expect(try barrier.forward(sagaId: "s4", step: 0, debit(1)) == .ran)
            #expect(try barrier.forward(sagaId: "s4", step: 1, debit(1)) == .ran)
            #expect(try barrier.forward(sagaId: "s5", step: 0, debit(1)) == .ran)
        }
        let reopened = try ServiceDatabase(path: directory.path + "/service.db")
        let barrier = try SagaBarrier(database: reopened)
        #expect(try barrier.forward(sagaId: "s4", step: 1, debit(1)) == .duplicate)
        #expect(try barrier.compensate(sagaId: "s5", step: 0, debit(-1)) == .ran)
        #expect(try balance(reopened) == 98)
    }

    @Test("a bad statement throws an error naming the SQL and SQLite's message; nothing is committed")
    func badSQL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (database, barrier) = try database(directory)
        do {
            _ = try barrier.forward(sagaId: "s6", step: 0) { db in try db.run("UPDATE nowhere SET x = 1") }
            Issue.record("no error")
        } catch let error as ServiceDatabaseError {
            #expect(error.sql == "UPDATE nowhere SET x = 1")
            #expect(error.message.contains("no such table"))
        }
        #expect(try barrier.forward(sagaId: "s6", step: 0, debit(1)) == .ran)
        #expect(try balance(database) == 99)
    }
}
