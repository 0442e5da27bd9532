import CompJournal
import Foundation
import Testing

/// The notifiers' cursor file: a real SQLite file in a temporary directory.
struct CursorStoreTests {
    private func temporaryPath() throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("notify-cursor-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (directory, directory.appendingPathComponent("notify.sqlite").path)
    }

    @Test("cursors are written, overwritten and read back after reopening the file")
    func roundTrip() throws {
        let (directory, path) = try temporaryPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let store = try CursorStore(path: path)
            #expect(try store.cursors() == [:])
            try store.write(["ops": 10, "team-b": 0], at: 1)
            try store.write(["ops": 42], at: 2)
            try store.write([:], at: 3)
        }
        let reopened = try CursorStore(path: path)
        #expect(try reopened.cursors() == ["ops": 42, "team-b": 0])
    }

    @Test("a file that is not SQLite is refused with SQLite's error")
    func notSQLite() throws {
        let (directory, path) = try temporaryPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: JournalError.self) { _ = try CursorStore(path: path) }
    }
}
