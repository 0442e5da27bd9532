import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes the journal's committed WAL frames durable from a thread other than the writer's: `fdatasync` of
/// the `-wal` file, through a descriptor of its own.
///
/// `fdatasync`, as SQLite's own `synchronous=FULL` does on Linux (Debian's libsqlite3 calls no `fsync` at
/// all): it flushes the frames and the file's size when the WAL grew, which is all recovery reads; it skips
/// only the file's times. `fsync` wrote the modification time back too, a journal commit of the file
/// system on every flush: side by side, new failures at half the max rate, the p99 of ack latency was
/// 3.5-6.7 ms with `fsync` and 2.2-3.3 ms with `fdatasync` (5 pairs), the max rate unchanged.
///
/// With `JournalOptions.callerSyncsWAL`, the writer commits with `synchronous=NORMAL`: COMMIT writes the
/// transaction's frames into the WAL (the page cache) and returns without an fsync. One `sync()` after
/// that makes every frame written before it durable, since `fdatasync` flushes the file, whichever
/// descriptor names it. That is what `synchronous=FULL` does inside COMMIT, moved off the writer: the writer
/// applies the next group while the disk flushes the previous one, and several commits can share one flush.
///
/// Why nothing acknowledged can be lost:
/// - A frame SQLite overwrites when it restarts the WAL was copied into the database file by a
///   checkpoint first, and a checkpoint syncs the WAL before it copies and the database after it.
/// - Frames of a later, unsynced commit that a crash leaves half written fail the WAL's checksums and
///   are ignored by recovery, as with `NORMAL`; they were not acknowledged.
/// - The WAL file keeps its inode while the writer's connection is open (a checkpoint truncates it,
///   never replaces it), so the descriptor opened once stays valid; the directory is synced once after
///   that open, for the file's own entry.
///
/// Not `Sendable`: owned by the one thread that syncs.
public struct WALSync: ~Copyable {
    /// The `-wal` file.
    public let path: String
    private var descriptor: Int32 = -1

    /// For the journal at `databasePath`; opens nothing until the first `sync()`.
    public init(databasePath: String) { path = databasePath + "-wal" }

    /// Flushes the WAL file to disk. Call after the commits to make durable have returned.
    ///
    /// - Throws: `JournalError` (SQLITE_IOERR) when the file cannot be opened or flushed: the commits
    ///   since the last successful `sync()` must not be acknowledged then.
    public mutating func sync() throws(JournalError) {
        if descriptor < 0 {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else { throw Self.failure("open", path) }
            descriptor = opened
            let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
            let directoryDescriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard directoryDescriptor >= 0 else { throw Self.failure("open", directory) }
            defer { close(directoryDescriptor) }
            guard fsync(directoryDescriptor) == 0 else { throw Self.failure("fsync", directory) }
        }
        guard fdatasync(descriptor) == 0 else { throw Self.failure("fdatasync", path) }
    }

    private static func failure(_ operation: String, _ path: String) -> JournalError {
        JournalError(code: SQLITE_IOERR, message: "\(operation) \(path): \(String(cString: strerror(errno)))")
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }
}
