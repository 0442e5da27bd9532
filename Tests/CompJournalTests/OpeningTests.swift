import CSQLite
import CompModel
import Foundation
import Testing

@testable import CompJournal

/// Makes a file or directory read-only for this process: permission bits, and for root (whom they do not
/// stop) the immutable attribute. `restore` undoes both.
private struct ReadOnly {
    let path: String
    var immutable = false

    init(_ path: String, directory: Bool) throws {
        self.path = path
        chmod(path, directory ? 0o555 : 0o444)
        if access(path, W_OK) == 0 {
            try Self.chattr("+i", path)
            immutable = true
        }
        try #require(access(path, W_OK) != 0, "cannot make \(path) read-only here")
    }

    func restore() {
        if immutable { try? Self.chattr("-i", path) }
        chmod(path, 0o755)
    }

    private static func chattr(_ flag: String, _ path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, path]
        try process.run()
        process.waitUntilExit()
    }
}

struct OpeningTests {
    private func folder() -> String {
        let folder = NSTemporaryDirectory() + "compjournal-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    private func open(_ path: String) throws -> Journal { try Journal(options: JournalOptions(path: path)) }

    @Test("a read-only journal file is refused at start with a message naming it")
    func readOnlyFile() throws {
        let folder = folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/journal.db"
        try open(path).close()
        let guardFile = try ReadOnly(path, directory: false)
        defer { guardFile.restore() }
        #expect { _ = try open(path) } throws: { error in
            let message = (error as? JournalError)?.message ?? ""
            return message.contains(path) && message.contains("is read-only: compd needs to write")
        }
    }

    @Test("a journal in a read-only directory is refused at start with a message naming the directory")
    func readOnlyDirectory() throws {
        let folder = folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let directory = folder + "/data"
        let path = directory + "/journal.db"
        try open(path).close()
        let guardDirectory = try ReadOnly(directory, directory: true)
        defer { guardDirectory.restore() }
        #expect { _ = try open(path) } throws: { error in
            let message = (error as? JournalError)?.message ?? ""
            return message.contains("directory \(directory) is read-only: compd needs to write")
        }
        // A new journal in that directory is refused the same way.
        #expect(throws: JournalError.self) { _ = try open(directory + "/other.db") }
    }

    @Test("an SQLite file of another application is refused by name, without its schema")
    func foreignDatabase() throws {
        let folder = folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/other.db"
        let other = try Connection(path: path, readOnly: false, create: true, busyTimeoutMilliseconds: 100)
        try other.execute("CREATE TABLE secret_customers (card_number TEXT); INSERT INTO secret_customers VALUES ('x');")
        other.close()
        #expect { _ = try open(path) } throws: { error in
            let description = "\(error)"
            return description.contains("\(path) is an SQLite database but not a compd journal")
                && !description.contains("secret_customers") && !description.contains("CREATE")
        }
        // Untouched: still the other application's file.
        let check = try Connection(path: path, readOnly: true, create: false, busyTimeoutMilliseconds: 100)
        #expect(try check.scalarInt("SELECT count(*) FROM secret_customers") == 1)
        #expect(try check.scalarInt("PRAGMA user_version") == 0)
    }

    @Test("a file with another application_id is refused even when it has tables of the same names")
    func foreignApplicationId() throws {
        let folder = folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/journal.db"
        try open(path).close()
        let other = try Connection(path: path, readOnly: false, create: false, busyTimeoutMilliseconds: 100)
        try other.execute("PRAGMA application_id = 1234")
        other.close()
        #expect { _ = try open(path) } throws: { error in
            "\(error)".contains("is an SQLite database but not a compd journal")
        }
    }

    @Test("a file that is not an SQLite database is refused by name")
    func notSQLite() throws {
        let folder = folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/journal.db"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect { _ = try open(path) } throws: { error in
            "\(error)".contains("\(path) is not an SQLite database")
        }
    }

    @Test("a new journal gets the application_id; a version 1 journal without it is accepted and migrated")
    func applicationId() throws {
        let folder = folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/journal.db"
        let journal = try open(path)
        #expect(try journal.connection.scalarInt("PRAGMA application_id") == Int64(Schema.applicationId))
        journal.close()

        // A journal as the first schema version wrote it: no application_id, user_version 1.
        let oldPath = folder + "/old.db"
        let old = try Connection(path: oldPath, readOnly: false, create: true, busyTimeoutMilliseconds: 100)
        try old.execute(Schema.migrations[0].sql)
        try old.execute("PRAGMA user_version = 1")
        try old.execute("""
            INSERT INTO executions (id, service, processor, function, event_id, key_hash, correlation_id, status, \
            recoverable, marked_by_operator, retries, max_retries, min_backoff_ms, max_backoff_ms, \
            execution_timeout_ms, jitter_permille, next_retry_at, error_code, error_message, error_detail, payload, \
            created_at, updated_at) VALUES (1, 's', 'p', 'f', 'e', 0, '', 1, 0, 0, 0, 3, 1000, 10000, 5000, 0, 5, \
            'E', 'm', '', x'', 1, 1)
            """)
        old.close()
        let migrated = try open(oldPath)
        #expect(try migrated.connection.scalarInt("PRAGMA application_id") == Int64(Schema.applicationId))
        #expect(try migrated.connection.scalarInt("PRAGMA user_version") == Schema.latestVersion)
        #expect(try migrated.execution(1)?.returns == 0)
        #expect(try migrated.execution(1)?.key.service == "s")
        migrated.close()
    }
}
