import CompModel
import Foundation
import Testing

@testable import CompJournal

struct CloseTests {
    @Test("closing the writer, a reader and the checkpointer leaves no WAL behind and keeps the data")
    func cleanClose() throws {
        let fixture = try TestJournal()
        let reader = try JournalReader(path: fixture.path)
        let checkpointer = try JournalCheckpointer(path: fixture.path, intervalMilliseconds: 10)
        checkpointer.start()
        let id = try fixture.create(fixture.failure("e1"))
        #expect(try reader.execution(id) != nil)
        #expect(FileManager.default.fileExists(atPath: fixture.path + "-wal"))
        fixture.journal.close()
        reader.close()
        checkpointer.stop()
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "-wal"))
        try fixture.reopen()
        #expect(try fixture.journal.execution(id)?.key.eventId == "e1")
    }

    @Test("a background checkpoint copies committed pages into the database file")
    func backgroundCheckpoint() throws {
        let fixture = try TestJournal()
        let checkpointer = try JournalCheckpointer(path: fixture.path)
        for index in 0..<20 { _ = try fixture.create(fixture.failure("e\(index)")) }
        let result = checkpointer.checkpoint()
        #expect(result.walFrames > 0)
        #expect(result.copied == result.walFrames)
        checkpointer.stop()
    }
}
