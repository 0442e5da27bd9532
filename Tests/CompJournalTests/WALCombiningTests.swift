import CSQLite
import Foundation
import Testing

@testable import CompJournal

/// The WAL write-combining VFS (`comp-wal` in the CSQLite shim) that the journal's writer opens through: what a
/// transaction writes reaches the WAL file before its commit is published, whatever the transaction's size and
/// whatever SQLite writes inside it (spilled pages, frames overwritten in place, checksums rewritten).
@Suite struct WALCombiningTests {
    /// A folder of its own with a database file in it.
    final class Files {
        let folder: String
        var path: String { folder + "/db.sqlite" }

        init() throws {
            folder = NSTemporaryDirectory() + "walcombining-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }

        /// Copies the database and its WAL as they are on disk now (what `kill -9` would leave), into `name`.
        func snapshot(_ name: String) throws -> String {
            let copy = folder + "/" + name
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
            return copy
        }
    }

    /// A writer through the VFS: WAL, `synchronous=NORMAL` (as the broker's writer) and a page cache of `cachePages`.
    static func writer(_ path: String, cachePages: Int) throws -> Connection {
        let writer = try Connection(
            path: path, readOnly: false, create: true, busyTimeoutMilliseconds: 5000, combining: .wal)
        #expect(try writer.pragma("journal_mode = WAL")?.lowercased() == "wal")
        try writer.execute("""
            PRAGMA synchronous = NORMAL;
            PRAGMA cache_size = \(cachePages);
            PRAGMA wal_autocheckpoint = 0;
            CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, round INTEGER NOT NULL, body BLOB NOT NULL);
            """)
        return writer
    }

    /// Rounds of transactions from a few rows to some 3 MB (past the buffer and the largest single write), each
    /// checked right after its COMMIT from another connection that does not use the VFS.
    @Test func everyCommitIsInTheFileWhenItReturns() throws {
        let files = try Files()
        let writer = try Self.writer(files.path, cachePages: 2000)
        let reader = try Connection(path: files.path, readOnly: true, create: false, busyTimeoutMilliseconds: 5000)
        var expected: Int64 = 0
        for (round, rows) in [1, 7, 40, 300, 1, 2500, 13, 6000].enumerated() {
            try writer.execute("BEGIN IMMEDIATE")
            try writer.execute("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
                INSERT INTO rows (round, body) SELECT \(round), randomblob(500) FROM n;
                """)
            try writer.execute("COMMIT")
            expected += Int64(rows)
            #expect(try reader.scalarInt("SELECT count(*) FROM rows") == expected, "round \(round)")
            let copy = try files.snapshot("round-\(round).sqlite")
            let recovered = try Connection(path: copy, readOnly: false, create: false, busyTimeoutMilliseconds: 5000)
            #expect(try recovered.scalarInt("SELECT count(*) FROM rows") == expected, "round \(round), copied")
            #expect(try recovered.pragma("integrity_check") == "ok")
        }
    }

    /// With a page cache of 10 pages, a transaction that writes and rewrites the same rows spills pages into
    /// the WAL before its commit, overwrites those frames in place and makes SQLite rewrite the frames'
    /// checksums at the commit. A copy of the files taken right after the commit must pass recovery (which
    /// checks every frame's checksum) with all of it.
    @Test func spilledAndOverwrittenFramesRecover() throws {
        let files = try Files()
        let writer = try Self.writer(files.path, cachePages: 10)
        try writer.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
            INSERT INTO rows (round, body) SELECT 0, randomblob(300) FROM n;
            """)
        for round in 1...6 {
            try writer.execute("BEGIN IMMEDIATE")
            for pass in 0..<4 {
                try writer.execute("UPDATE rows SET round = \(round * 10 + pass), body = randomblob(300) WHERE id % 3 = \(pass % 3)")
            }
            try writer.execute("COMMIT")
            let copy = try files.snapshot("spill-\(round).sqlite")
            let recovered = try Connection(path: copy, readOnly: false, create: false, busyTimeoutMilliseconds: 5000)
            #expect(try recovered.pragma("integrity_check") == "ok")
            #expect(try recovered.scalarInt("SELECT count(*) FROM rows") == 2000)
            // The last pass (3) updated the rows with id % 3 = 0; passes 1 and 2 the others, all in this round.
            #expect(try recovered.scalarInt("SELECT count(*) FROM rows WHERE round / 10 = \(round)") == 2000)
            #expect(try recovered.scalarInt("SELECT count(*) FROM rows WHERE round = \(round * 10 + 3)") == 666)
        }
    }

    /// A rolled-back transaction leaves nothing behind, and the WAL restarts (after a checkpoint by the
    /// checkpointer's connection, through `comp-ckpt`) and is truncated as it is without the VFSes.
    @Test func rollbackCheckpointAndRestart() throws {
        let files = try Files()
        let writer = try Self.writer(files.path, cachePages: 10)
        try writer.execute("PRAGMA journal_size_limit = 0")
        let checkpointer = try Connection(
            path: files.path, readOnly: false, create: false, busyTimeoutMilliseconds: 5000, combining: .database)
        _ = try checkpointer.pragma("journal_mode = WAL")  // a WAL participant, as `JournalCheckpointer` makes it
        var expected: Int64 = 0
        for round in 1...5 {
            try writer.execute("BEGIN IMMEDIATE")
            try writer.execute("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                INSERT INTO rows (round, body) SELECT \(-round), randomblob(400) FROM n;
                """)
            writer.rollback()
            try writer.execute("BEGIN IMMEDIATE")
            try writer.execute("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
                INSERT INTO rows (round, body) SELECT \(round), randomblob(400) FROM n;
                """)
            try writer.execute("COMMIT")
            expected += 1000
            var frames: Int32 = 0
            var copied: Int32 = 0
            #expect(sqlite3_wal_checkpoint_v2(checkpointer.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied) == SQLITE_OK)
            #expect(frames > 0 && frames == copied)
            let copy = try files.snapshot("restart-\(round).sqlite")
            let recovered = try Connection(path: copy, readOnly: false, create: false, busyTimeoutMilliseconds: 5000)
            #expect(try recovered.scalarInt("SELECT count(*) FROM rows") == expected)
            #expect(try recovered.scalarInt("SELECT count(*) FROM rows WHERE round < 0") == 0)
            #expect(try recovered.pragma("integrity_check") == "ok")
        }
    }

    /// What a checkpoint through `comp-ckpt` copied is in the database file when the checkpoint returns: the
    /// database file alone, copied right then, holds every row, and so does a new reader after the writer
    /// restarted the WAL over the copied frames.
    @Test func checkpointedPagesAreInTheDatabaseFile() throws {
        let files = try Files()
        let writer = try Self.writer(files.path, cachePages: 2000)
        let checkpointer = try Connection(
            path: files.path, readOnly: false, create: false, busyTimeoutMilliseconds: 5000, combining: .database)
        _ = try checkpointer.pragma("journal_mode = WAL")  // a WAL participant, as `JournalCheckpointer` makes it
        var expected: Int64 = 0
        for (round, rows) in [5, 900, 4000, 1].enumerated() {
            try writer.execute("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
                INSERT INTO rows (round, body) SELECT \(round), randomblob(700) FROM n;
                """)
            expected += Int64(rows)
            var frames: Int32 = 0
            var copied: Int32 = 0
            #expect(sqlite3_wal_checkpoint_v2(checkpointer.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied) == SQLITE_OK)
            #expect(frames > 0 && frames == copied, "round \(round)")
            let copy = files.folder + "/alone-\(round).sqlite"
            try FileManager.default.copyItem(atPath: files.path, toPath: copy)
            let alone = try Connection(path: copy, readOnly: false, create: false, busyTimeoutMilliseconds: 5000)
            #expect(try alone.scalarInt("SELECT count(*) FROM rows") == expected, "round \(round), database file alone")
            #expect(try alone.pragma("integrity_check") == "ok")
            // The next write starts the WAL over from its beginning, overwriting the copied frames.
            try writer.execute("INSERT INTO rows (round, body) VALUES (-1, x'00')")
            try writer.execute("DELETE FROM rows WHERE round = -1")
            let reader = try Connection(path: files.path, readOnly: true, create: false, busyTimeoutMilliseconds: 5000)
            #expect(try reader.scalarInt("SELECT count(*) FROM rows") == expected, "round \(round), after the restart")
        }
    }

    /// A checkpoint whose page writes fail (a full disk) records no progress, also though SQLite ignores the
    /// result of the checkpoint-done hint that first writes them out: the pages stay buffered and the checkpoint
    /// fails at its sync. Once there is room again nothing is lost and the file is sound. (When the buffer was
    /// dropped at the failed write, the checkpoint recorded its progress, the WAL restarted over frames the
    /// database file did not have, and compd's full-disk test found "database disk image is malformed".)
    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func aCheckpointThatCannotWriteRecordsNoProgress() throws {
        let files = try Files()
        let disk = files.folder + "/disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        #expect(Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", disk]) == 0)
        defer { _ = Self.run("/bin/umount", ["-l", disk]) }
        let path = disk + "/db.sqlite"
        let writer = try Self.writer(path, cachePages: 2000)
        let checkpointer = try Connection(
            path: path, readOnly: false, create: false, busyTimeoutMilliseconds: 5000, combining: .database)
        _ = try checkpointer.pragma("journal_mode = WAL")
        try writer.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
            INSERT INTO rows (round, body) SELECT 1, randomblob(600) FROM n;
            """)
        // Fill the disk: the checkpoint cannot grow the database file now.
        let filler = disk + "/filler"
        let descriptor = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while chunk.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        close(descriptor)
        var frames: Int32 = 0
        var copied: Int32 = 0
        let full = sqlite3_wal_checkpoint_v2(checkpointer.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
        #expect(full != SQLITE_OK || copied < frames, "a checkpoint on a full disk must not report all frames copied")
        unlink(filler)
        // Room again: the next checkpoint copies everything, the writer restarts the WAL over it.
        #expect(sqlite3_wal_checkpoint_v2(checkpointer.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied) == SQLITE_OK)
        #expect(frames > 0 && frames == copied)
        try writer.execute("INSERT INTO rows (round, body) VALUES (2, x'00')")
        let reader = try Connection(path: path, readOnly: true, create: false, busyTimeoutMilliseconds: 5000)
        #expect(try reader.scalarInt("SELECT count(*) FROM rows") == 1501)
        #expect(try reader.pragma("integrity_check") == "ok")
    }

    private static func run(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The journal's writer opens through the VFS.
    @Test func theJournalWriterUsesIt() throws {
        let journal = try TestJournal()
        var vfs: UnsafeMutablePointer<sqlite3_vfs>?
        #expect(sqlite3_file_control(journal.journal.connection.handle, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) == SQLITE_OK)
        #expect(vfs.map { String(cString: $0.pointee.zName) } == "comp-wal")
    }
}
