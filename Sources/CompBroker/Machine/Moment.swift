import CompModel

/// One reading of the broker's two clocks, taken once per loop pass and handed to the decision
/// machines (which never read a clock themselves).
///
/// `monotonic` drives every deadline inside the process (held fetches, backoff, prune pacing); it
/// never jumps. `wall` is what the journal stores; the machine turns it into a `now` that never
/// decreases (`DispatchMachine.journalNow`).
struct Moment: Sendable, Equatable {
    /// Milliseconds on a monotonic clock with an arbitrary origin.
    var monotonic: Int64
    /// The wall clock, ms since the epoch; may step backwards or forwards.
    var wall: Timestamp
}
