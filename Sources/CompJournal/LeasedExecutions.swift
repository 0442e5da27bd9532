import CompModel

/// The leased (PREPARED) executions as the writer last wrote them, by id, so that the result of an attempt
/// (and a lease extension or return) finds its execution without reading the row back.
///
/// In the whole loop each compensation is leased and then, a few milliseconds later, answered by its result;
/// reading the row back by id (every column, decoded) was about 9 % of the core thread's instructions per
/// compensation in callgrind.
///
/// Exact, never stale: `Store` tells it of every execution it writes and every one it deletes, and it forgets
/// everything when a transaction or a unit rolls back (rare; it then refills from the leases that follow).
/// A miss only means a read. At most `capacity` entries: the leases in flight, bounded per service by the
/// broker's in-flight cap (1,000 by default); past it, new leases are not kept. Not `Sendable`: owned by the
/// journal's writer thread.
struct LeasedExecutions {
    /// The most executions kept: four services at the default in-flight cap (each entry about 0.6 KB with
    /// its strings and payload).
    static let capacity = 4_096

    private var byId: [ExecutionID: Execution] = [:]

    /// How many executions are kept.
    var count: Int { byId.count }

    /// The leased execution `id` as last written, or nil (not leased, or not kept).
    func execution(_ id: ExecutionID) -> Execution? { byId[id] }

    /// `execution` was written (`isNew`: created by this write): kept when it is leased, forgotten otherwise. A new
    /// execution's id (the seq of the row creating it) was never kept, so there is nothing to forget: a storm of
    /// new failures no longer hashes every id to remove it from the map.
    mutating func written(_ execution: Execution, isNew: Bool = false) {
        if execution.status == .prepared, byId.count < Self.capacity || byId[execution.id] != nil {
            byId[execution.id] = execution
        } else if !isNew, !byId.isEmpty {
            byId.removeValue(forKey: execution.id)
        }
    }

    /// Execution `id` was deleted.
    mutating func deleted(_ id: ExecutionID) { byId.removeValue(forKey: id) }

    /// Forgets every execution (a rollback, a rebuild).
    mutating func removeAll() { byId.removeAll() }
}
