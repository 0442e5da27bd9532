import CompModel
import CompWire
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
import Logging
import ServiceLifecycle
import Synchronization

/// The fetch-and-run loop as a swift-service-lifecycle `Service`: for each service of the client's handlers,
/// it fetches due retry commands from the broker (on a thread and connection of its own), runs each with
/// `CompensationClient.run(_:)`, up to `maxConcurrentHandlers` at a time, and reports the results.
///
/// On graceful shutdown (or cancellation) it stops fetching, lets the handlers in flight finish, and returns
/// after their results were acknowledged. With the client's reports off it fetches nothing and waits for
/// shutdown.
///
/// ```swift
/// let group = ServiceGroup(services: [CompensationService(client: client)],
///                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public struct CompensationService: Service {
    /// The client whose handlers run.
    public let client: CompensationClient
    /// The services whose retries are fetched.
    public let serviceNames: [String]
    /// This instance's name; the broker leases each command to one instance at a time.
    public let instance: String
    /// The most handlers running at once per service.
    public let maxConcurrentHandlers: Int
    /// How long the broker may hold one fetch when nothing is due (also how long a shutdown may wait for
    /// the fetch in progress).
    public let fetchWait: Duration
    /// The delay after a fetch that failed (jittered).
    public let backoff: ReconnectBackoff

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - client: The client with the handlers.
    ///   - services: The services to fetch for; nil for every service with a handler (at `run()`).
    ///   - instance: This instance's name; by default the host name and process id.
    ///   - maxConcurrentHandlers: The most handlers running at once per service.
    ///   - fetchWait: How long one fetch may wait for due commands.
    ///   - backoff: The delay after a failed fetch.
    public init(client: CompensationClient, services: [String]? = nil, instance: String? = nil,
                maxConcurrentHandlers: Int = 16, fetchWait: Duration = .seconds(1),
                backoff: ReconnectBackoff = ReconnectBackoff()) {
        self.client = client
        serviceNames = services ?? []
        self.instance = instance ?? Self.defaultInstance()
        self.maxConcurrentHandlers = max(1, maxConcurrentHandlers)
        self.fetchWait = fetchWait
        self.backoff = backoff
    }

    /// Runs the loops until graceful shutdown or cancellation; returns when every handler that started has
    /// finished and its result was acknowledged (or could not be: then logged, and the broker retries it
    /// after its lease).
    public func run() async throws {
        guard client.enabled else {
            await gracefulShutdownOrCancellation()
            return
        }
        let names = serviceNames.isEmpty ? client.services : serviceNames
        await withDiscardingTaskGroup { group in
            for name in names {
                group.addTask { await fetchLoop(service: name) }
            }
        }
    }

    /// The host name (from `gethostname`, no name lookup) and the process id.
    private static func defaultInstance() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        return "\(host)-\(getpid())"
    }

    private func gracefulShutdownOrCancellation() async {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        await withGracefulShutdownHandler {
            for await _ in stream {}
        } onGracefulShutdown: {
            continuation.finish()
        }
    }

    private func fetchLoop(service: String) async {
        let worker = BrokerWorker(name: "comp-sdk-fetch", connect: client.connect)
        defer { worker.close() }
        let inFlight = InFlightCount()
        let (freed, freedSignal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        var freedSlots = freed.makeAsyncIterator()
        let waitMs = Int(RetryPolicy.milliseconds(fetchWait))
        let (instance, limit, client, backoff) = (self.instance, maxConcurrentHandlers, self.client, self.backoff)
        var random = SplitMix64.seededFromSystem()
        var failures = 0
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                let free = limit - inFlight.value
                if free <= 0 {
                    _ = await freedSlots.next()
                    continue
                }
                let commands: [RetryCommand]
                do {
                    commands = try await worker.run { connection in
                        try Subscriber(connection: connection, service: service, instance: instance)
                            .fetch(max: free, waitMilliseconds: waitMs)
                    }
                    failures = 0
                } catch {
                    // The held fetch is this loop's own link check: on a half-open link it times out after the
                    // wait plus the connection's timeout (two attempts), like any other failure. The worker's
                    // connection is dropped; the next fetch makes a fresh socket after a jittered backoff.
                    worker.reset()
                    failures += 1
                    client.logger.warning("fetch for \(service) failed: \(error)")
                    try? await Task.sleep(for: backoff.delay(afterFailures: failures, random: &random))
                    continue
                }
                for command in commands {
                    inFlight.add(1)
                    group.addTask {
                        do {
                            try await client.run(command)
                        } catch {
                            client.logger.warning("result of execution \(command.executionId) not reported: \(error)")
                        }
                        inFlight.add(-1)
                        freedSignal.yield()
                    }
                }
            }
        }
    }
}

/// The handlers in flight of one fetch loop, shared with the handlers' tasks.
private final class InFlightCount: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .acquiring) }

    func add(_ delta: Int) { count.add(delta, ordering: .acquiringAndReleasing) }
}
