import CompWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CompThreads
import Dispatch
import Logging
import Synchronization

/// Keeps the leases of running retry commands alive from a thread of its own (with its own connection): each
/// lease is extended by its length every third of it until released, so a lease holds even while the
/// cooperative pool is busy. A `stale` answer stops the extensions of that lease (logged; the handler runs
/// on and its result is still reported: the broker fences it).
final class LeaseKeeper: @unchecked Sendable {
    // @unchecked Sendable: `leases`, `nextTicket` and `open` are read and written only under `wake` (a
    // ThreadCondition); `connection` is used only by this keeper's thread.
    private struct Kept {
        var command: RetryCommand
        var leaseMilliseconds: Int64
        var due: Date
    }

    private let wake = ThreadCondition()
    private var leases: [Int: Kept] = [:]
    private var nextTicket = 0
    private var open = true
    private var connection: BrokerConnection?
    private let connect: @Sendable () throws -> BrokerConnection
    private let logger: Logger
    private let stopped = DispatchSemaphore(value: 0)
    private let extended = Atomic<Int>(0)
    private let stale = Atomic<Int>(0)

    /// Starts the thread; its connection is made by `connect` at the first extension (and after a failure).
    init(logger: Logger, connect: @escaping @Sendable () throws -> BrokerConnection) {
        self.logger = logger
        self.connect = connect
        OwnThread.start(name: "comp-sdk-leases") { [self] in
            loop()
            stopped.signal()
        }
    }

    /// Extensions the broker accepted so far.
    var extensions: Int { extended.load(ordering: .relaxed) }

    /// Extensions the broker answered stale so far.
    var staleAnswers: Int { stale.load(ordering: .relaxed) }

    /// Starts keeping the lease of `command`, `leaseMilliseconds` long; returns the ticket to `release`.
    func keep(_ command: RetryCommand, leaseMilliseconds: Int64) -> Int {
        let length = max(30, leaseMilliseconds)
        return wake.withLock {
            nextTicket += 1
            leases[nextTicket] = Kept(command: command, leaseMilliseconds: length, due: Self.third(of: length))
            wake.signal()
            return nextTicket
        }
    }

    /// Stops keeping the lease of `ticket` (its handler finished).
    func release(_ ticket: Int) {
        wake.withLock {
            leases[ticket] = nil
            wake.signal()
        }
    }

    /// Stops the thread; returns when it has stopped.
    func close() {
        let wasOpen = wake.withLock {
            let was = open
            open = false
            wake.signal()
            return was
        }
        if wasOpen { stopped.wait() }
    }

    private static func third(of milliseconds: Int64) -> Date {
        Date().addingTimeInterval(Double(max(10, milliseconds / 3)) / 1000)
    }

    /// The leases due now; waits until one is (or the keeper closes: nil).
    private func nextDue() -> [(Int, Kept)]? {
        wake.withLock {
            while open {
                let now = Date()
                let due = leases.filter { $0.value.due <= now }
                if !due.isEmpty { return due.map { ($0.key, $0.value) } }
                if let earliest = leases.values.map(\.due).min() {
                    _ = wake.wait(until: earliest)
                } else {
                    wake.wait()
                }
            }
            return nil
        }
    }

    private func loop() {
        while let due = nextDue() {
            for (ticket, kept) in due {
                let stillKept = wake.withLock { leases[ticket] != nil }
                guard stillKept else { continue }
                let accepted = extend(kept)
                wake.withLock {
                    guard leases[ticket] != nil else { return }
                    if accepted == false {
                        leases[ticket] = nil
                    } else {
                        leases[ticket]?.due = Self.third(of: kept.leaseMilliseconds)
                    }
                }
            }
        }
    }

    /// Extends one lease: true when accepted, false when stale, nil when the broker did not answer.
    private func extend(_ kept: Kept) -> Bool? {
        let command = kept.command
        do {
            let current = try connection ?? connect()
            connection = current
            let deadline = try Subscriber(connection: current, service: command.service, instance: "")
                .extend(command, byMilliseconds: Int(kept.leaseMilliseconds))
            guard deadline != nil else {
                stale.add(1, ordering: .relaxed)
                logger.warning("lease is stale; the handler keeps running and its result will be fenced", metadata: [
                    "execution": "\(command.executionId)", "function": "\(command.function)",
                ])
                return false
            }
            extended.add(1, ordering: .relaxed)
            return true
        } catch {
            connection = nil
            logger.warning("could not extend a lease: \(error)", metadata: ["execution": "\(command.executionId)"])
            return nil
        }
    }
}
