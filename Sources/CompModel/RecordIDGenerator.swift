import Synchronization

/// Time-ordered record ids (`RecordID.timeOrdered`, UUIDv7 layout) for any number of threads: one
/// SplitMix64 stream behind a `Mutex`, seeded once (a system call per id would dominate the cost of
/// building a batch of records).
public final class RecordIDGenerator: Sendable {
    private let random: Mutex<SplitMix64>

    /// Creates a generator.
    ///
    /// - Parameter seed: a fixed seed (tests); nil seeds from the system's entropy.
    public init(seed: UInt64? = nil) {
        random = Mutex(seed.map { SplitMix64(seed: $0) } ?? SplitMix64.seededFromSystem())
    }

    /// A fresh id for `time` (by default the wall clock now).
    public func next(at time: Timestamp = WallClock.now()) -> RecordID {
        random.withLock { RecordID.timeOrdered(at: time, using: &$0) }
    }
}
