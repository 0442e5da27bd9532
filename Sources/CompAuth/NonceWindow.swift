/// The nonces one broker has accepted, per key, for as long as a frame carrying them could still be inside the
/// time window: a nonce is kept until its frame's timestamp + the window. A decision value: no clock, no lock.
///
/// Memory is bounded: at most `maxPerKey` nonces per key. A key at its bound (after expired nonces are
/// dropped) has its next frames refused (`overloaded`, resend later) rather than a nonce forgotten early,
/// which would let a replay through. An entry is the nonce's 64-bit fingerprint (its two halves folded; a
/// nonce is 128 random bits, and only a holder of the key can choose one) and its expiry in whole seconds,
/// rounded up: 12 bytes a slot, 16 to 32 an entry. The bound is 500 000: one key signing frames of 100
/// records at 800k records/s for the default 60 s window, at most 16 MB. (Until stop 26 it was 100 000
/// nonces of 128 bits with millisecond expiries, which refused a single key above 1,667 frames/s, 40 % of
/// what compd ingests on this project's machine.) Only keys that sign valid MACs can add entries.
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
        /// Fingerprint to expiry (seconds, rounded up).
        var expiries: [UInt64: UInt32] = [:]
        var sweepAt = 1024

        mutating func admit(nonce: UInt128, expiry: Int64, now: Int64, maxPerKey: Int) -> Decision {
            let fingerprint = UInt64(truncatingIfNeeded: nonce) ^ UInt64(truncatingIfNeeded: nonce >> 64)
            // Live while its expiry, rounded up to the second, is not before now: kept up to a second longer,
            // never shorter.
            let live = { (seconds: UInt32) in Int64(seconds) * 1000 >= now }
            if let known = expiries[fingerprint], live(known) { return .replayed }
            if expiries.count >= sweepAt || expiries.count >= maxPerKey {
                expiries = expiries.filter { live($0.value) }
                sweepAt = max(1024, min(maxPerKey, expiries.count * 2))
            }
            guard expiries.count < maxPerKey else { return .full }
            expiries[fingerprint] = UInt32(clamping: (max(0, expiry) + 999) / 1000)
            return .fresh
        }
    }

    /// Creates an empty window.
    public init(windowMilliseconds: Int64, maxPerKey: Int = 500_000) {
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
