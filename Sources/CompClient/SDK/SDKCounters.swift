/// What a `CompensationClient` has sent since it was made (for tests and metrics).
public struct SDKCounters: Sendable, Equatable {
    /// `RecordBatch` requests that carried results.
    public var batchesSent: Int
    /// Result records the broker acknowledged.
    public var recordsSent: Int
    /// Lease extensions the broker accepted.
    public var leaseExtensions: Int
    /// Lease extensions the broker answered `stale` (the lease was no longer this run's).
    public var staleLeases: Int
}
