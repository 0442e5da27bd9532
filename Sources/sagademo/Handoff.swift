import CompClient

/// The hand-off between roles: a small SQLite file of messages (one per order), written by the role before
/// and read by the role after. The order role's inbox is written by whoever places orders (the tests).
///
/// `messages(seq, saga_id UNIQUE, amount)`: a message written twice (a role that ran a message again) stays one.
struct Handoff {
    /// One order travelling between roles.
    struct Message: Equatable {
        var seq: Int64
        var sagaId: String
        var amount: Int64
    }

    static let createTableSQL = """
        CREATE TABLE IF NOT EXISTS messages (
            seq     INTEGER PRIMARY KEY,
            saga_id TEXT NOT NULL UNIQUE,
            amount  INTEGER NOT NULL
        )
        """

    let database: ServiceDatabase

    /// Opens (creating when missing) the hand-off file at `path`.
    init(path: String) throws(ServiceDatabaseError) {
        database = try ServiceDatabase(path: path)
        try database.execute(Self.createTableSQL)
    }

    /// Appends the message of saga `sagaId`, unless it is there already.
    func post(sagaId: String, amount: Int64) throws(ServiceDatabaseError) {
        _ = try database.run(
            "INSERT OR IGNORE INTO messages (saga_id, amount) VALUES (?1, ?2)", .text(sagaId), .integer(amount))
    }

    /// The messages after `seq`, oldest first.
    func messages(after seq: Int64, limit: Int = 20) throws(ServiceDatabaseError) -> [Message] {
        try database.query(
            "SELECT seq, saga_id, amount FROM messages WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            .integer(seq), .integer(Int64(limit))
        ).compactMap { row in
            guard row.count == 3, let seq = row[0].integer, let sagaId = row[1].text, let amount = row[2].integer
            else { return nil }
            return Message(seq: seq, sagaId: sagaId, amount: amount)
        }
    }
}
