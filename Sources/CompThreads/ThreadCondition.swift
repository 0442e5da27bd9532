#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A mutex with a condition variable (pthread), for the threads the libraries own: what `NSCondition` gives,
/// without linking the non-essential half of Foundation (and ICU) into every client of the SDK.
///
/// Waits are on the wall clock, like `NSCondition.wait(until:)`; callers loop on their own condition.
public final class ThreadCondition: @unchecked Sendable {
    // @unchecked Sendable: the mutex and the condition variable are allocated once here, freed in deinit, and only
    // used through pthread calls, which are safe from any thread.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// A new, unlocked condition.
    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Takes the mutex.
    public func lock() { pthread_mutex_lock(mutex) }

    /// Releases the mutex.
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` holding the mutex.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Waits for a signal; the mutex must be held, and is held again on return.
    public func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits for a signal until `deadline` (wall clock); the mutex must be held, and is held again on return.
    /// Returns false when the deadline passed first.
    @discardableResult
    public func wait(until deadline: Date) -> Bool {
        let seconds = deadline.timeIntervalSince1970
        guard seconds.isFinite else {
            wait()
            return true
        }
        let whole = seconds.rounded(.down)
        let clamped = min(max(whole, 0), Double(Int32.max))
        var time = timespec()
        time.tv_sec = time_t(clamped)
        time.tv_nsec = clamped == whole ? Int(((seconds - whole) * 1e9).rounded(.down)) : 0
        return pthread_cond_timedwait(condition, mutex, &time) != ETIMEDOUT
    }

    /// Wakes one waiter.
    public func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter.
    public func broadcast() { pthread_cond_broadcast(condition) }
}
