import Foundation

/// Counters since start and the dispatch state of each service, shared between the core thread
/// (the only writer) and the admin thread (reads for stats).
///
/// `@unchecked Sendable`: every field is read and written under `lock`.
final class BrokerCounters: @unchecked Sendable {
    struct Values: Sendable {
        var recordsAccepted: UInt64 = 0
        var recordsDuplicate: UInt64 = 0
        var recordsStale: UInt64 = 0
        var recordsRejected: UInt64 = 0
        var successesNotHeld: UInt64 = 0
        var commandsDispatched: UInt64 = 0
        var leasesExpired: UInt64 = 0
    }

    struct Service: Sendable {
        var paused = false
        var inFlight = 0
        var waitingFetches = 0
    }

    private let lock = NSLock()
    private var values = Values()
    private var services: [String: Service] = [:]

    /// Applies `change` to the counters.
    func update(_ change: (inout Values) -> Void) {
        lock.withLock { change(&values) }
    }

    /// Replaces the per-service snapshot.
    func publish(services snapshot: [String: Service]) {
        lock.withLock { services = snapshot }
    }

    /// A consistent copy of everything.
    func snapshot() -> (Values, [String: Service]) {
        lock.withLock { (values, services) }
    }
}
