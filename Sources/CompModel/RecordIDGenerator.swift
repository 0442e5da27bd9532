import Synchronization

/// Time-ordered record ids (`RecordID.timeOrdered`, UUIDv7 layout) for any number of threads: one
/// SplitMix64 stream behind a `Mutex`, seeded once (a system call per id would dominate the cost of
/// building a batch of records).
///
/// Monotonic (RFC 9562 §6.2, method 3): an id is always greater than the generator's previous one, even
/// within one millisecond or when the clock steps back (then the previous id plus one). The broker skips
/// its dedupe lookup for an id above every id it stored, so increasing ids make ingest cheaper.
public final class RecordIDGenerator: Sendable {
    private struct State {
        var random: SplitMix64
        var last: RecordID?
    }

    private let state: Mutex<State>

    /// Creates a generator.
    ///
    /// - Parameter seed: a fixed seed (tests); nil seeds from the system's entropy.
    public init(seed: UInt64? = nil) {
        state = Mutex(State(random: seed.map { SplitMix64(seed: $0) } ?? SplitMix64.seededFromSystem(), last: nil))
    }

    /// A fresh id for `time` (by default the wall clock now), greater than every id this generator made before.
    public func next(at time: Timestamp = WallClock.now()) -> RecordID {
        state.withLock { state in Self.fresh(at: time, &state) }
    }

    /// A fresh id for `time` above `state.last`, which it becomes.
    private static func fresh(at time: Timestamp, _ state: inout State) -> RecordID {
        var id = RecordID.timeOrdered(at: time, using: &state.random)
        if let last = state.last, id <= last { id = successor(of: last) }
        state.last = id
        return id
    }

    /// `count` fresh ids for `time`, increasing, each greater than every id this generator made before: one lock
    /// for all of them (after the first, each is the successor of the one before, RFC 9562's method 3), so
    /// threads that share a generator and take a batch's ids at once do not contend per record.
    public func next(count: Int, at time: Timestamp = WallClock.now()) -> [RecordID] {
        guard count > 0 else { return [] }
        return state.withLock { state in
            var id = Self.fresh(at: time, &state)
            var ids = [id]
            ids.reserveCapacity(count)
            for _ in 1..<count {
                id = Self.successor(of: id)
                ids.append(id)
            }
            state.last = id
            return ids
        }
    }

    /// The next id after `id` in the UUIDv7 layout: the 62 random bits of the low half count up; when they
    /// wrap, the 12 random bits of the high half do; when those wrap, the millisecond does.
    static func successor(of id: RecordID) -> RecordID {
        let randomLow: UInt64 = 0x3FFF_FFFF_FFFF_FFFF
        if id.low & randomLow != randomLow { return RecordID(high: id.high, low: id.low &+ 1) }
        let low: UInt64 = 0x8000_0000_0000_0000
        if id.high & 0x0FFF != 0x0FFF { return RecordID(high: id.high &+ 1, low: low) }
        let millis = (id.high >> 16) &+ 1
        return RecordID(high: millis << 16 | 0x7000, low: low)
    }
}
