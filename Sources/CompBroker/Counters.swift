import Synchronization

/// Counters since start and the dispatch state of each service, written by the core and the ingress,
/// read by the admin thread for stats.
final class BrokerCounters: Sendable {
    struct Values: Sendable, Equatable {
        var recordsAccepted: UInt64 = 0
        var recordsDuplicate: UInt64 = 0
        var recordsStale: UInt64 = 0
        var recordsRejected: UInt64 = 0
        var successesNotHeld: UInt64 = 0
        var commandsDispatched: UInt64 = 0
        var leasesExpired: UInt64 = 0
    }

    struct Service: Sendable, Equatable {
        var paused = false
        var inFlight = 0
        var waitingFetches = 0
    }

    private let state = Mutex<(Values, [String: Service])>((Values(), [:]))

    /// Applies `change` to the counters.
    func update(_ change: (inout Values) -> Void) {
        state.withLock { change(&$0.0) }
    }

    /// Replaces the per-service snapshot.
    func publish(services snapshot: [String: Service]) {
        state.withLock { $0.1 = snapshot }
    }

    /// A consistent copy of everything.
    func snapshot() -> (Values, [String: Service]) {
        state.withLock { $0 }
    }
}
