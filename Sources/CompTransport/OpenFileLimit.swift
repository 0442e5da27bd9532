import Glibc
import Synchronization

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`), which every nanomsg
/// connection counts against.
///
/// Why it matters: when `accept()` fails with `EMFILE`, nanomsg's listener (aipc/atcp) calls
/// `accept()` again at once, and the waiting connection keeps the listening descriptor readable,
/// so nanomsg's worker thread spins (measured: about 2 s of CPU in 3 s with a soft limit of 64
/// and 200 waiting connections; none with a limit above the connection count). No nanomsg
/// option slows that retry, so the transport keeps the soft limit as high as the hard limit
/// allows.
public enum OpenFileLimit {
    private static let raised = Atomic<Bool>(false)

    /// The current soft and hard limits.
    public static var current: (soft: UInt64, hard: UInt64) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (0, 0) }
        return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
    }

    /// Raises the soft limit to the hard limit, once per process (later calls do nothing).
    ///
    /// - Returns: The soft limit in force afterwards.
    @discardableResult
    public static func raiseSoftToHard() -> UInt64 {
        if raised.exchange(true, ordering: .acquiringAndReleasing) { return current.soft }
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var wanted = limit
            wanted.rlim_cur = limit.rlim_max
            // Best effort: a refusal leaves the old limit, which is still a working limit.
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &wanted)
        }
        return current.soft
    }
}
