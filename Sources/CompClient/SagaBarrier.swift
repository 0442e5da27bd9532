/// What a `SagaBarrier` decided about one forward or compensation call.
public enum BarrierDecision: Sendable, Equatable {
    /// The effect ran (and committed with the barrier row).
    case ran
    /// This call ran before (a redelivered command or a resent result): the effect was skipped.
    case duplicate
    /// A compensation whose forward never ran here: nothing to undo, the effect was skipped (null
    /// compensation). The barrier remembers it, so a late forward is skipped too.
    case nullCompensation
    /// A forward that arrived after its step was compensated (or found to need none): the effect was skipped,
    /// so nothing is left half done (hanging).
    case compensated
}

/// The saga barrier (DTM's): rows in the service's own database, written in the same transaction as the
/// service's effect, that make each forward and compensation run at most once and in a safe order.
///
/// Table `compd_barrier(saga_id, step, op, reason)`, primary key `(saga_id, step, op)`, insert-ignore:
/// - **forward**: insert `(forward, forward)`. 0 rows: the forward ran before (duplicate), or the step's
///   compensation already inserted that row (hanging): skip the effect.
/// - **compensation**: first insert the origin row `(forward, compensate)`. 1 row: the forward never ran here
///   (null compensation): skip the effect; the row now also stops a late forward. Then insert
///   `(compensate, compensate)`. 0 rows: the compensation ran before (duplicate): skip.
///
/// The effect runs inside the same transaction: if it throws, the barrier rows roll back with it, and the
/// next delivery of the command runs it again. A compensation command marked `forwardUnknown` needs nothing
/// special: the origin row tells whether the forward committed here.
///
/// PostgreSQL: the same table (`step INTEGER`, `TEXT` columns) and the same order, in the service's transaction,
/// with `INSERT INTO compd_barrier (saga_id, step, op, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
/// reading the affected row count (see docs/SAGAS.md).
public struct SagaBarrier {
    /// The barrier table; created by `init` when missing.
    public static let createTableSQL = """
        CREATE TABLE IF NOT EXISTS compd_barrier (
            saga_id TEXT NOT NULL,
            step    INTEGER NOT NULL,
            op      TEXT NOT NULL,
            reason  TEXT NOT NULL,
            PRIMARY KEY (saga_id, step, op)
        ) WITHOUT ROWID
        """

    static let insertSQL = "INSERT OR IGNORE INTO compd_barrier (saga_id, step, op, reason) VALUES (?1, ?2, ?3, ?4)"

    /// The database the barrier rows live in (the service's own).
    public let database: ServiceDatabase

    /// Uses `database` for the barrier, creating the table when missing.
    ///
    /// - Throws: `ServiceDatabaseError` when the table cannot be created.
    public init(database: ServiceDatabase) throws(ServiceDatabaseError) {
        self.database = database
        try database.execute(Self.createTableSQL)
    }

    /// Runs the forward of step `step` of saga `sagaId` once: in one transaction, the barrier row and, unless
    /// it ran before or the step was already compensated, `effect` (the service's writes, on `database`).
    ///
    /// - Returns: `.ran`, `.duplicate` or `.compensated` (skipped: the compensation came first).
    /// - Throws: what `effect` threw (nothing committed), or `ServiceDatabaseError`.
    public func forward(sagaId: String, step: Int, _ effect: (ServiceDatabase) throws -> Void) throws -> BarrierDecision {
        try database.transaction { db in
            guard try insert(db, sagaId, step, op: "forward", reason: "forward") else {
                let reason = try db.query(
                    "SELECT reason FROM compd_barrier WHERE saga_id = ?1 AND step = ?2 AND op = 'forward'",
                    .text(sagaId), .integer(Int64(step))).first?.first?.text
                return reason == "compensate" ? .compensated : .duplicate
            }
            try effect(db)
            return .ran
        }
    }

    /// Runs the compensation of step `step` of saga `sagaId` once, and only when its forward ran here: in one
    /// transaction, the barrier rows and, unless it is a duplicate or a null compensation, `effect`.
    ///
    /// - Returns: `.ran`, `.duplicate` or `.nullCompensation` (skipped: the forward never ran here).
    /// - Throws: what `effect` threw (nothing committed), or `ServiceDatabaseError`.
    public func compensate(sagaId: String, step: Int, _ effect: (ServiceDatabase) throws -> Void) throws -> BarrierDecision {
        try database.transaction { db in
            let forwardNeverRan = try insert(db, sagaId, step, op: "forward", reason: "compensate")
            guard try insert(db, sagaId, step, op: "compensate", reason: "compensate") else { return .duplicate }
            if forwardNeverRan { return .nullCompensation }
            try effect(db)
            return .ran
        }
    }

    /// Insert-ignore of one barrier row; true when it was inserted.
    private func insert(_ db: ServiceDatabase, _ sagaId: String, _ step: Int, op: String, reason: String) throws(ServiceDatabaseError) -> Bool {
        try db.run(Self.insertSQL, .text(sagaId), .integer(Int64(step)), .text(op), .text(reason)) == 1
    }
}
