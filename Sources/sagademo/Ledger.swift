import CompClient

/// A role's own database: its business rows (`ledger`: one row per effect that committed: create, deduct,
/// cancel, refund), how far it read its inbox (`inbox_cursor`), and the saga barrier's table.
struct Ledger {
    static let createTablesSQL = """
        CREATE TABLE IF NOT EXISTS ledger (
            saga_id TEXT NOT NULL,
            op      TEXT NOT NULL,
            amount  INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS inbox_cursor (
            id  INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL
        );
        """

    let database: ServiceDatabase

    /// Opens (creating when missing) the role's database at `path`.
    init(path: String) throws(ServiceDatabaseError) {
        database = try ServiceDatabase(path: path)
        try database.execute(Self.createTablesSQL)
    }

    /// Records one effect; called inside the barrier's transaction, so it commits with the barrier row.
    static func record(_ db: ServiceDatabase, sagaId: String, op: String, amount: Int64) throws(ServiceDatabaseError) {
        _ = try db.run("INSERT INTO ledger (saga_id, op, amount) VALUES (?1, ?2, ?3)", .text(sagaId), .text(op), .integer(amount))
    }

    /// The amount of saga `sagaId`'s forward effect, or 0 when there is none.
    static func forwardAmount(_ db: ServiceDatabase, sagaId: String, op: String) throws(ServiceDatabaseError) -> Int64 {
        try db.query(
            "SELECT amount FROM ledger WHERE saga_id = ?1 AND op = ?2 LIMIT 1", .text(sagaId), .text(op)
        ).first?.first?.integer ?? 0
    }

    /// The last inbox message this role handled.
    func cursor() throws(ServiceDatabaseError) -> Int64 {
        try database.query("SELECT seq FROM inbox_cursor WHERE id = 1").first?.first?.integer ?? 0
    }

    /// Moves the cursor past `seq`.
    func advance(to seq: Int64) throws(ServiceDatabaseError) {
        _ = try database.run(
            "INSERT INTO inbox_cursor (id, seq) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq",
            .integer(seq))
    }
}
