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

        mutating func admit(nonce: UInt128, expiry: Int64, now: Int64, maxPerKey: Int) -> Decision {
            if let known = expiries[nonce], known >= now { return .replayed }
            if expiries.count >= sweepAt || expiries.count >= maxPerKey {
                expiries = expiries.filter { $0.value >= now }
                sweepAt = max(1024, min(maxPerKey, expiries.count * 2))
            }
            guard expiries.count < maxPerKey else { return .full }
            expiries[nonce] = expiry
            return .fresh
        }
    }

    /// Creates an empty window.
    public init(windowMilliseconds: Int64, maxPerKey: Int = 100_000) {
        self.windowMilliseconds = windowMilliseconds
        self.maxPerKey = maxPerKey
    }

    /// Records `nonce` of `keyId` from a frame signed at `timestamp`, at broker time `now`.
    public mutating func admit(keyId: String, nonce: UInt128, timestamp: Int64, now: Int64) -> Decision {
        // Mutated in place through the dictionary's subscript: a copy of the key's entry taken out and put back
        // would share the nonce table with the dictionary's own, and the insert would copy the whole table (all
        // the window's nonces, on every frame).
        keys[keyId, default: PerKey()].admit(
            nonce: nonce, expiry: timestamp + windowMilliseconds, now: now, maxPerKey: maxPerKey)
    }

    /// Nonces held for `keyId` (for tests and metrics).
    public func count(keyId: String) -> Int { keys[keyId]?.expiries.count ?? 0 }
}
