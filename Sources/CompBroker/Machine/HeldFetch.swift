import CompModel

/// The machine's name for one held fetch; the core keeps the fetch's completion under it.
struct FetchTicket: Hashable, Comparable, Sendable {
    var value: UInt64

    static func < (lhs: FetchTicket, rhs: FetchTicket) -> Bool { lhs.value < rhs.value }
}

/// A fetch as it arrives at the core: who asks, for how many commands, how long it may wait.
struct FetchArrival: Sendable, Equatable {
    var service: String
    var instance: String
    /// At most this many commands (1...WireLimits.maxCommands).
    var max: Int
    /// The wire request id; the same id from the same instance again means a resend.
    var requestId: UInt32
    /// How long the fetch may be held, already capped by the broker's maximum.
    var waitMilliseconds: Int64
}

/// A fetch the machine holds until commands are due or its deadline passes.
struct HeldFetch: Sendable, Equatable {
    var ticket: FetchTicket
    var service: String
    var instance: String
    var max: Int
    var requestId: UInt32
    /// Monotonic ms after which it is answered empty.
    var deadline: Int64
}

/// The leases of one Commands reply, remembered per (service, instance) so that a resent fetch (the
/// reply was lost) gives them back instead of letting them expire as failed attempts.
struct Delivery: Sendable, Equatable {
    var requestId: UInt32
    var leases: [Lease]

    struct Lease: Sendable, Equatable {
        var id: ExecutionID
        var token: UInt64
    }
}
