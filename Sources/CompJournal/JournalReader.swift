import CompModel

/// A read-only connection to the journal file for admin and monitoring queries.
///
/// With WAL, its reads see the last committed state and never block the writer (nor wait for it).
/// Not `Sendable`: give each reading thread its own reader.
public final class JournalReader: JournalConnection, BrokerQueries {
    /// Opens the journal file read-only; the writer (`Journal`) must have created it.
    ///
    /// - Parameters:
    ///   - path: the journal file.
    ///   - cacheKiB: the connection's SQLite page cache, in KiB.
    /// - Throws: `JournalError` when the file cannot be opened or is not a migrated journal.
    public init(path: String, cacheKiB: Int = 4096) throws(JournalError) {
        let connection = try Connection(path: path, readOnly: true, create: false, busyTimeoutMilliseconds: 5000)
        try connection.execute("PRAGMA query_only = ON; PRAGMA cache_size = -\(max(64, cacheKiB));")
        let version = try connection.scalarInt("PRAGMA user_version") ?? 0
        guard version == Schema.latestVersion else {
            throw .misuse("\(path) has journal schema version \(version), expected \(Schema.latestVersion)")
        }
        super.init(connection: connection)
    }

    /// The services whose dispatch is paused.
    public func pausedServices() throws(JournalError) -> Set<String> { try queries.pausedServices() }
}
