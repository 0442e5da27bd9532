/// The nonces one broker has accepted, per key, for as long as a frame carrying them could still be inside the
/// time window: a nonce is kept until its frame's timestamp + the window. A decision value: no clock, no lock.
///
/// Memory is bounded: at most `maxPerKey` nonces per key. A key at its bound (after expired nonces are
/// dropped) has its next frames refused (`overloaded`, resend later) rather than a nonce forgotten early,
/// which would let a replay through. At 100 000 per key and about 100 bytes an entry, a key costs at most
/// about 10 MB; only keys that sign valid MACs can add entries.
public struct NonceWindow: Sendable {
    /// What `admit` decided.
    public enum Decision: Sendable, Equatable {
        /// First time seen: remembered, go on.
        case fresh
        /// Seen within the window: a replay.
        case replayed
        /// The key holds `maxPerKey` live nonces: refuse this frame, forget nothing.
        case full
    }

    /// The time window in ms (a frame's |timestamp − now| must be within it).
    public let windowMilliseconds: Int64
    /// Live nonces kept per key at most.
    public let maxPerKey: Int
    private var keys: [String: PerKey] = [:]

    private struct PerKey: Sendable {
        var expiries: [UInt128: Int64] = [:]
        var sweepAt = 1024
    }

    /// Creates an empty window.
    public init(windowMilliseconds: Int64, maxPerKey: Int = 100_000) {
        self.windowMilliseconds = windowMilliseconds
        self.maxPerKey = maxPerKey
    }

    /// Records `nonce` of `keyId` from a frame signed at `timestamp`, at broker time `now`.
    public mutating func admit(keyId: String, nonce: UInt128, timestamp: Int64, now: Int64) -> Decision {
        var entry = keys[keyId, default: PerKey()]
        defer { keys[keyId] = entry }
        if let expiry = entry.expiries[nonce], expiry >= now { return .replayed }
        if entry.expiries.count >= entry.sweepAt || entry.expiries.count >= maxPerKey {
            entry.expiries = entry.expiries.filter { $0.value >= now }
            entry.sweepAt = max(1024, min(maxPerKey, entry.expiries.count * 2))
        }
        guard entry.expiries.count < maxPerKey else { return .full }
        entry.expiries[nonce] = timestamp + windowMilliseconds
        return .fresh
    }

    /// Nonces held for `keyId` (for tests and metrics).
    public func count(keyId: String) -> Int { keys[keyId]?.expiries.count ?? 0 }
}
