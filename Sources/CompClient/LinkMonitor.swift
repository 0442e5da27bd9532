import CompModel
import CompWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CompThreads
import Dispatch
import Synchronization

/// Watches the link to the broker with heartbeats on a connection and a thread of its own, and tells
/// its owners when the link dies and when it comes back.
///
/// nanomsg has no TCP keepalive, so a half-open connection (the broker's host vanished, a NAT forgot
/// the flow) goes unnoticed: requests just time out, and a held Fetch waits forever. The monitor
/// sends `Heartbeat` every interval (by default the `heartbeatIntervalMs` of the broker's
/// `HelloReply`), each waiting at most one interval for its reply; after `missedLimit` misses in a row
/// it declares the link `dead` (within `deadBound` of the last answer, see `LinkHealth`). Its own
/// socket is replaced after every miss; while dead it beats after jittered `ReconnectBackoff` delays,
/// and the first answered beat makes the link `alive` again. On `dead`, an owner should stop using
/// its connection and call `BrokerConnection.reconnect()` (a fresh socket); on `alive`, go on.
///
/// Observers are called on the monitor's thread, in order; they must return quickly.
public final class LinkMonitor: Sendable {
    /// The interval used until the broker advertised one (compd's default).
    public static let defaultInterval: Duration = .seconds(10)

    private struct State {
        var health: LinkHealth
        var running = false
        var started = false
        var observers: [Int: @Sendable (LinkState) -> Void] = [:]
        var nextObserver = 0
    }

    private let connection: BrokerConnection
    private let fixedInterval: Duration?
    private let state: Mutex<State>
    private let wake = ThreadCondition()
    private let finished = DispatchSemaphore(value: 0)

    /// Creates a monitor (not started).
    ///
    /// - Parameters:
    ///   - connection: a connection used only by the monitor.
    ///   - interval: the time between beats; nil takes the broker's advertised interval
    ///     (`defaultInterval` until the broker answered a `Hello`).
    ///   - missedLimit: the misses in a row that make the link dead (at least 1).
    ///   - backoff: the delays between beats while the link is dead.
    public init(connection: BrokerConnection, interval: Duration? = nil, missedLimit: Int = 3,
                backoff: ReconnectBackoff = ReconnectBackoff()) {
        self.connection = connection
        fixedInterval = interval
        state = Mutex(State(health: LinkHealth(
            interval: interval ?? Self.defaultInterval, missedLimit: missedLimit, backoff: backoff)))
    }

    /// The link's state now.
    public var linkState: LinkState { state.withLock { $0.health.state } }

    /// The decision's state now (interval, misses in a row, last answer).
    public var health: LinkHealth { state.withLock { $0.health } }

    /// The longest from the link's last answer to its being declared dead, with the interval in use.
    public var deadBound: Duration { state.withLock { $0.health.deadBound } }

    /// Adds an observer of state changes; returns its id for `removeObserver(_:)`.
    @discardableResult
    public func observe(_ handler: @escaping @Sendable (LinkState) -> Void) -> Int {
        state.withLock { state in
            state.nextObserver += 1
            state.observers[state.nextObserver] = handler
            return state.nextObserver
        }
    }

    /// Removes an observer added by `observe(_:)`.
    public func removeObserver(_ id: Int) {
        _ = state.withLock { $0.observers.removeValue(forKey: id) }
    }

    /// The state changes from now on, as an async sequence (ends when the consumer stops iterating).
    public var changes: AsyncStream<LinkState> {
        AsyncStream { continuation in
            let id = observe { continuation.yield($0) }
            continuation.onTermination = { [weak self] _ in self?.removeObserver(id) }
        }
    }

    /// Starts the monitor's thread (once).
    public func start() {
        let first = state.withLock { state in
            guard !state.started else { return false }
            state.started = true
            state.running = true
            return true
        }
        guard first else { return }
        OwnThread.start(name: "comp-link-monitor") { [self] in
            run()
            finished.signal()
        }
    }

    /// Stops the thread after the beat in progress (at most one interval); returns when it stopped.
    public func stop() {
        let wasStarted = state.withLock { state in
            state.running = false
            return state.started
        }
        wake.withLock { wake.broadcast() }
        if wasStarted { finished.wait() }
    }

    private func run() {
        var random = SplitMix64.seededFromSystem()
        var needsHello = true  // at start and after a death: the broker may have restarted with another interval
        while state.withLock({ $0.running }) {
            let interval = state.withLock { $0.health.interval }
            let startedAt = ContinuousClock.now
            let answered = beat(timeout: interval, hello: &needsHello)
            let (change, observers, delay) = state.withLock { state in
                let change = answered
                    ? state.health.answered(at: WallClock.now().milliseconds) : state.health.missed()
                if change == .dead { needsHello = true }
                return (change, Array(state.observers.sorted { $0.key < $1.key }.map(\.value)),
                        state.health.delayBeforeNextBeat(random: &random))
            }
            if let change {
                for observer in observers { observer(change) }
            }
            // Alive or suspect: one beat per interval from the start of the last; dead: the backoff from now.
            let next = linkState == .dead ? ContinuousClock.now + delay : startedAt + delay
            let until = Date().addingTimeInterval(Self.seconds(next - ContinuousClock.now))
            wake.withLock {
                while state.withLock({ $0.running }), Date() < until { _ = wake.wait(until: until) }
            }
        }
    }

    /// One beat: a `Hello` when `hello` (learning the broker's interval), else a `Heartbeat`. An
    /// error frame is an answer too (the broker is there); a timeout or a transport error is a miss.
    private func beat(timeout: Duration, hello: inout Bool) -> Bool {
        let milliseconds = max(1, Int(Self.seconds(timeout) * 1000))
        do throws(ClientError) {
            if hello {
                let reply = try connection.request(.hello(Hello(clientName: "CompClient.LinkMonitor")),
                                                   timeoutMilliseconds: milliseconds)
                if fixedInterval == nil, case .helloReply(let answer) = reply, answer.heartbeatIntervalMs > 0 {
                    state.withLock { $0.health.adopt(interval: .milliseconds(Int64(answer.heartbeatIntervalMs))) }
                }
                hello = false
            } else {
                _ = try connection.heartbeat(timeoutMilliseconds: milliseconds)
            }
            return true
        } catch {
            if case .broker = error { return true }
            return false
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
