import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The checks made when the writer opens the journal file, so a wrong file or a file it cannot write is
/// refused at start with a message naming what to fix, never at the first record.
enum JournalFile {
    /// The tables every compd journal has.
    static let tables: Set<String> = ["journal", "executions", "status_counts", "services", "meta"]

    /// Refuses a journal file, its WAL or shared-memory file, or its directory that this process cannot write.
    ///
    /// - Throws: `JournalError` (SQLITE_READONLY) naming the file or directory.
    static func checkWritable(path: String) throws(JournalError) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if access(directory, W_OK) != 0 {
            throw readOnly(directory, "the directory", what: "the journal, its WAL and shared-memory files there")
        }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            if access(file, W_OK) != 0 { throw readOnly(file, "", what: "it") }
        }
    }

    /// Refuses a connection that SQLite opened read-only although read-write was asked (a file it cannot write).
    static func checkWritable(_ connection: Connection) throws(JournalError) {
        if sqlite3_db_readonly(connection.handle, "main") == 1 {
            throw readOnly(connection.path, "", what: "it")
        }
    }

    private static func readOnly(_ path: String, _ kind: String, what: String) -> JournalError {
        let subject = kind.isEmpty ? path : "\(kind) \(path)"
        return JournalError(
            code: SQLITE_READONLY,
            message: "\(subject) is read-only: compd needs to write \(what) (check its permissions and the file system)")
    }

    /// Refuses a file that is not a compd journal: another application's `application_id`, or an SQLite
    /// database with tables but without the journal's tables. Accepts an empty file (new journal), a file
    /// with our `application_id`, and a journal of the first schema version (no `application_id` yet, all
    /// journal tables present). The error never contains the file's schema.
    static func checkIsJournal(_ connection: Connection) throws(JournalError) {
        let applicationId: Int64
        var names: Set<String> = []
        do {
            applicationId = try connection.scalarInt("PRAGMA application_id") ?? 0
            let statement = try connection.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
            while try statement.step() { names.insert(statement.text(0)) }
        } catch {
            guard error.primaryCode == SQLITE_NOTADB else { throw error }
            throw JournalError(code: error.code, message: "\(connection.path) is not an SQLite database, nor a compd journal")
        }
        if applicationId == Int64(Schema.applicationId) { return }
        let notJournal = JournalError(
            code: SQLITE_NOTADB, message: "\(connection.path) is an SQLite database but not a compd journal")
        guard applicationId == 0 else { throw notJournal }
        if names.isEmpty { return }  // a new (or empty) file: the migration makes it a journal
        guard tables.isSubset(of: names) else { throw notJournal }
    }
}
