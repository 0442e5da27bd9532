import CSQLite
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A client's local spool of records not yet acknowledged by the broker: `DIR/spool.sqlite`, WAL,
/// `synchronous=FULL`, so a record appended here survives `kill -9` and power loss before the call
/// that appended it returns.
///
/// Records are kept as opaque bytes (the SDK stores each record's wire encoding) under their 16-byte
/// record id, in the order they were appended; `oldest` hands them out in that order and `settle`
/// removes the ones the broker answered. A record appended twice (same id) is kept once.
///
/// Bounded by `limitBytes` of pending record bytes: an append that would pass it is refused whole
/// (`SpoolError.full`) and nothing of it is written; nothing is ever dropped to make room. Records the
/// broker refused (a rejected outcome: resending them would fail again) move to `spool_rejected` with
/// their code and detail, where `status` counts them and `rejected` lists them, until `clearRejected`.
///
/// Several processes may use one spool file (a reporter and a `compctl spool flush`): every write is
/// one IMMEDIATE transaction, and the pending byte count lives in the file, not in memory.
///
/// Not `Sendable`: one owner at a time (the SDK wraps it in a `Mutex`).
public final class SpoolFile {
    /// One pending record.
    public struct Entry: Sendable, Equatable {
        /// The order it was appended in (1, 2, ...; never reused).
        public var seq: Int64
        /// The record id, 16 bytes.
        public var recordId: [UInt8]
        /// The stored bytes.
        public var bytes: [UInt8]
    }

    /// One record the broker refused.
    public struct Refused: Sendable, Equatable {
        public var seq: Int64
        public var recordId: [UInt8]
        public var bytes: [UInt8]
        /// The broker's error code.
        public var code: UInt16
        /// The broker's `field: rule` detail.
        public var detail: String
        /// When it was refused (ms since the epoch).
        public var at: Int64

        /// Creates a refusal (the record's seq and id, the stored bytes, the broker's answer, the time).
        public init(seq: Int64, recordId: [UInt8], bytes: [UInt8], code: UInt16, detail: String, at: Int64) {
            self.seq = seq
            self.recordId = recordId
            self.bytes = bytes
            self.code = code
            self.detail = detail
            self.at = at
        }
    }

    /// What the spool holds.
    public struct Status: Sendable, Equatable {
        /// Records waiting to be forwarded.
        public var pending: Int
        /// Their stored bytes (what `limitBytes` bounds).
        public var pendingBytes: Int64
        /// When the oldest pending record was appended (ms since the epoch), nil when none is.
        public var oldestAppendedAt: Int64?
        /// Records the broker refused, kept for an operator.
        public var rejected: Int
        /// The bound on `pendingBytes`.
        public var limitBytes: Int64
    }

    /// The spool's file name inside its directory.
    public static let fileName = "spool.sqlite"

    private let connection: Connection
    /// The bound on pending bytes.
    public let limitBytes: Int64

    /// Opens (creating when missing) the spool in `directory`.
    ///
    /// - Parameters:
    ///   - directory: the spool's directory; created when missing.
    ///   - limitBytes: the most pending record bytes (at least 1).
    /// - Throws: `JournalError` when the directory or file cannot be created or opened.
    public init(directory: String, limitBytes: Int64) throws(JournalError) {
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw JournalError(code: SQLITE_CANTOPEN, message: "cannot create \(directory): \(error)")
            }
        }
        let path = directory.hasSuffix("/") ? directory + Self.fileName : directory + "/" + Self.fileName
        self.limitBytes = max(1, limitBytes)
        connection = try Connection(path: path, readOnly: false, create: true, busyTimeoutMilliseconds: 10_000)
        do {
            try connection.execute("""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                CREATE TABLE IF NOT EXISTS spool (
                    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                    record_id   BLOB NOT NULL UNIQUE,
                    bytes       BLOB NOT NULL,
                    appended_at INTEGER NOT NULL
                ) STRICT;
                CREATE TABLE IF NOT EXISTS spool_rejected (
                    seq       INTEGER PRIMARY KEY,
                    record_id BLOB NOT NULL,
                    bytes     BLOB NOT NULL,
                    code      INTEGER NOT NULL,
                    detail    TEXT NOT NULL,
                    at        INTEGER NOT NULL
                ) STRICT;
                CREATE TABLE IF NOT EXISTS spool_meta (
                    name  TEXT PRIMARY KEY,
                    value INTEGER NOT NULL
                ) STRICT, WITHOUT ROWID;
                INSERT OR IGNORE INTO spool_meta (name, value) VALUES ('pending_bytes', 0);
                """)
        } catch {
            connection.close()
            throw error
        }
    }

    /// Appends `records` in one transaction, in order; durable when this returns.
    ///
    /// A record whose id is already pending is skipped (a caller that appends again after a crash
    /// repeats nothing).
    ///
    /// - Parameters:
    ///   - records: (16-byte id, bytes) pairs.
    ///   - at: the time (ms since the epoch), kept for `status`.
    /// - Returns: how many were new.
    /// - Throws: `SpoolError.full` when the new records would take the pending bytes above the limit
    ///   (nothing is appended then); `SpoolError.storage` when SQLite fails (nothing is appended).
    @discardableResult
    public func append(_ records: [(recordId: [UInt8], bytes: [UInt8])], at: Int64) throws(SpoolError) -> Int {
        guard !records.isEmpty else { return 0 }
        var full: SpoolError?
        do {
            try connection.execute(Connection.TransactionKind.immediate.rawValue)
            let used = try pendingBytes()
            let insert = try connection.cached(
                "INSERT OR IGNORE INTO spool (record_id, bytes, appended_at) VALUES (?1, ?2, ?3)")
            var added = 0
            var addedBytes: Int64 = 0
            for record in records {
                try insert.bind(blob: record.recordId, at: 1)
                try insert.bind(blob: record.bytes, at: 2)
                try insert.bind(at, at: 3)
                try insert.run()
                if connection.changes == 1 {
                    added += 1
                    addedBytes += Int64(record.bytes.count)
                }
            }
            if used + addedBytes > limitBytes {
                full = .full(pendingBytes: used, adding: addedBytes, limitBytes: limitBytes)
            } else {
                try addPendingBytes(addedBytes)
                try connection.execute("COMMIT")
                return added
            }
        } catch {
            connection.rollback()
            throw .storage(error)
        }
        // Refused whole: none of the inserts stays.
        connection.rollback()
        throw full ?? .storage(JournalError(code: SQLITE_ERROR, message: "append ended without an outcome"))
    }

    /// The oldest pending records, in append order.
    ///
    /// - Throws: `SpoolError.storage` when the read fails.
    public func oldest(limit: Int) throws(SpoolError) -> [Entry] {
        do {
            let statement = try connection.cached("SELECT seq, record_id, bytes FROM spool ORDER BY seq LIMIT ?1")
            defer { statement.reset() }
            try statement.bind(max(1, limit), at: 1)
            var entries: [Entry] = []
            while try statement.step() {
                entries.append(Entry(seq: statement.int64(0), recordId: statement.blob(1), bytes: statement.blob(2)))
            }
            return entries
        } catch {
            throw .storage(error)
        }
    }

    /// Removes the pending records the broker answered, in one transaction: those in `delivered` are
    /// gone, those in `refused` move to the rejected list.
    ///
    /// - Throws: `SpoolError.storage` when SQLite fails (nothing changed; a later forward resends them
    ///   and the broker answers `duplicate`).
    public func settle(delivered: [Int64], refused: [Refused]) throws(SpoolError) {
        guard !delivered.isEmpty || !refused.isEmpty else { return }
        do {
            try connection.inTransaction { () throws(JournalError) in
                let remove = try connection.cached("DELETE FROM spool WHERE seq = ?1 RETURNING length(bytes)")
                var removedBytes: Int64 = 0
                for seq in delivered + refused.map(\.seq) {
                    try remove.bind(seq, at: 1)
                    if try remove.step() { removedBytes += remove.int64(0) }
                    remove.reset()
                }
                let keep = try connection.cached("""
                    INSERT OR REPLACE INTO spool_rejected (seq, record_id, bytes, code, detail, at)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                    """)
                for record in refused {
                    try keep.bind(record.seq, at: 1)
                    try keep.bind(blob: record.recordId, at: 2)
                    try keep.bind(blob: record.bytes, at: 3)
                    try keep.bind(Int64(record.code), at: 4)
                    try keep.bind(record.detail, at: 5)
                    try keep.bind(record.at, at: 6)
                    try keep.run()
                }
                try addPendingBytes(-removedBytes)
            }
        } catch {
            throw .storage(error)
        }
    }

    /// What the spool holds now.
    ///
    /// - Throws: `SpoolError.storage` when the read fails.
    public func status() throws(SpoolError) -> Status {
        do {
            return try connection.inTransaction(.deferred) { () throws(JournalError) -> Status in
                let pending = try connection.scalarInt("SELECT count(*) FROM spool") ?? 0
                let oldest = try connection.scalarInt("SELECT appended_at FROM spool ORDER BY seq LIMIT 1")
                let rejected = try connection.scalarInt("SELECT count(*) FROM spool_rejected") ?? 0
                return Status(pending: Int(pending), pendingBytes: try pendingBytes(), oldestAppendedAt: oldest,
                              rejected: Int(rejected), limitBytes: limitBytes)
            }
        } catch {
            throw .storage(error)
        }
    }

    /// The records the broker refused, oldest first.
    ///
    /// - Throws: `SpoolError.storage` when the read fails.
    public func rejected(limit: Int) throws(SpoolError) -> [Refused] {
        do {
            let statement = try connection.cached(
                "SELECT seq, record_id, bytes, code, detail, at FROM spool_rejected ORDER BY seq LIMIT ?1")
            defer { statement.reset() }
            try statement.bind(max(1, limit), at: 1)
            var result: [Refused] = []
            while try statement.step() {
                result.append(Refused(
                    seq: statement.int64(0), recordId: statement.blob(1), bytes: statement.blob(2),
                    code: UInt16(clamping: statement.int64(3)), detail: statement.text(4), at: statement.int64(5)))
            }
            return result
        } catch {
            throw .storage(error)
        }
    }

    /// Forgets the refused records (an operator has dealt with them).
    ///
    /// - Returns: how many were removed.
    /// - Throws: `SpoolError.storage` when the write fails.
    @discardableResult
    public func clearRejected() throws(SpoolError) -> Int {
        do {
            return try connection.inTransaction { () throws(JournalError) -> Int in
                try connection.execute("DELETE FROM spool_rejected")
                return connection.changes
            }
        } catch {
            throw .storage(error)
        }
    }

    /// Closes the file; the spool must not be used afterwards.
    public func close() { connection.close() }

    private func pendingBytes() throws(JournalError) -> Int64 {
        try connection.scalarInt("SELECT value FROM spool_meta WHERE name = 'pending_bytes'") ?? 0
    }

    private func addPendingBytes(_ delta: Int64) throws(JournalError) {
        guard delta != 0 else { return }
        let statement = try connection.cached("UPDATE spool_meta SET value = value + ?1 WHERE name = 'pending_bytes'")
        try statement.bind(delta, at: 1)
        try statement.run()
    }
}

/// Why a spool operation failed.
public enum SpoolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The records would take the spool past its bound; nothing was appended.
    case full(pendingBytes: Int64, adding: Int64, limitBytes: Int64)
    /// SQLite failed; nothing was changed.
    case storage(JournalError)

    public var description: String {
        switch self {
        case .full(let pending, let adding, let limit):
            "the spool is full: \(pending) bytes pending + \(adding) new > the limit of \(limit) bytes; "
                + "nothing was spooled (forward the spool to the broker, or raise its limit)"
        case .storage(let error): "the spool's file failed: \(error)"
        }
    }
}
