import CompClient
import CompWire
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The async SDK against a real compd: handlers, classification, retries through the Service, leases,
/// batching, the enabled switches and graceful shutdown.
struct SDKTests {
    private let key = HandlerKey(service: "orders", processor: "OrderProcessor", function: "onOrderCreated")

    @Test("a thrown unrecoverable error is reported with its type name and description and parks at once")
    func unrecoverableParks() async throws {
        try await withSDKBroker { broker, client in
            client.register(key, policy: RetryPolicy(
                maxRetries: 5, minBackoff: .milliseconds(50), executionTimeout: .seconds(2),
                recoverable: [DependencyTimeout.self], unrecoverable: [InvalidOrder.self])) { _ in
                throw InvalidOrder(reason: "no items")
            }

            let result = try await client.handle(key, eventId: "evt-1", payload: [1, 2, 3], correlationId: "order-1")
            guard case .failed(let details, let classification, let outcome) = result else {
                Issue.record("expected a failure, got \(result)")
                return
            }
            #expect(classification == .unrecoverable)
            #expect(details.code == "InvalidOrder")
            #expect(details.message == "invalid order: no items")
            #expect(outcome.status == .accepted)
            let shown = try broker.admin().show(outcome.executionId, withPayload: true)
            #expect(shown.execution.status == 4)  // PARKED
            #expect(shown.execution.recoverable == 2)
            #expect(shown.execution.spec.maxRetries == 5)
            #expect(shown.execution.correlationId == "order-1")
            #expect(shown.payload == [1, 2, 3])
        }
    }

    @Test("a recoverable error is retried by calling the handler again until it succeeds; the execution ends SUCCEEDED")
    func recoverableRetriedUntilSuccess() async throws {
        try await withSDKBroker { broker, client in
            let attempts = Locked<[Int]>([])
            client.register(key, policy: RetryPolicy(
                maxRetries: 5, minBackoff: .milliseconds(50), maxBackoff: .milliseconds(100),
                executionTimeout: .seconds(5), recoverable: [DependencyTimeout.self])) { context in
                let calls = attempts.with { $0.append(context.attempt); return $0.count }
                #expect(context.payload == [9])
                if calls < 3 { throw DependencyTimeout() }
            }
            let first = try await client.handle(key, eventId: "evt-2", payload: [9])
            guard case .failed(_, .recoverable, let outcome) = first else {
                Issue.record("expected a recoverable failure, got \(first)")
                return
            }
            let service = CompensationService(client: client, instance: "node-a", fetchWait: .milliseconds(200))
            let running = Task(executorPreference: sdkTestExecutor) { try await service.run() }
            let admin = try broker.admin()
            let succeeded = try await eventuallyAsync { try admin.show(outcome.executionId).execution.status == 3 }
            running.cancel()
            try await running.value
            #expect(succeeded)
            #expect(attempts.with { $0 } == [0, 1, 2])
        }
    }

    @Test("a disabled handler and a client with reports off run the handler, rethrow its error and report nothing")
    func disabledReportsNothing() async throws {
        try await withSDKBroker { broker, client in
            let ran = Locked(0)
            let failing: CompensableHandler = { _ in
                ran.with { $0 += 1 }
                throw DependencyTimeout()
            }
            client.register(key, policy: .disabled, handler: failing)
            await #expect(throws: DependencyTimeout.self) { try await client.handle(key, eventId: "evt-3") }

            let switchedOff = try sdkClient(broker, enabled: false)
            defer { switchedOff.close() }
            switchedOff.register(key, policy: RetryPolicy(recoverable: [DependencyTimeout.self]), handler: failing)
            await #expect(throws: DependencyTimeout.self) { try await switchedOff.handle(key, eventId: "evt-4") }
            #expect(ran.with { $0 } == 2)

            #expect(client.counters.recordsSent == 0)
            #expect(switchedOff.counters.recordsSent == 0)
            let stats = try broker.admin().stats()
            #expect(stats.recordsAccepted == 0)
            #expect(stats.recordsDuplicate == 0)
        }
    }

    @Test("a handler slower than its lease keeps it: the lease is extended while it runs and no second instance runs it")
    func slowHandlerKeepsLease() async throws {
        try await withSDKBroker { broker, client in
            let runs = Locked<[Int]>([])
            // A 600 ms lease; the retry takes 2 s (more than three leases) before it succeeds.
            client.register(key, policy: RetryPolicy(
                maxRetries: 5, minBackoff: .milliseconds(50), maxBackoff: .milliseconds(50),
                executionTimeout: .milliseconds(600), recoverable: [DependencyTimeout.self])) { context in
                runs.with { $0.append(context.attempt) }
                if context.attempt == 0 { throw DependencyTimeout() }
                try await Task.sleep(for: .seconds(2))
            }
            let first = try await client.handle(key, eventId: "evt-6")
            let executionId = try #require(first.outcome?.executionId)
            // Two instances fetch for the same service: an expired lease would hand the command to the other.
            let services = [
                CompensationService(client: client, instance: "node-a", fetchWait: .milliseconds(200)),
                CompensationService(client: client, instance: "node-b", fetchWait: .milliseconds(200)),
            ]
            let running = services.map { service in Task(executorPreference: sdkTestExecutor) { try await service.run() } }
            let admin = try broker.admin()
            let succeeded = try await eventuallyAsync { try admin.show(executionId).execution.status == 3 }
            for task in running { task.cancel() }
            for task in running { try await task.value }
            #expect(succeeded)
            #expect(runs.with { $0 } == [0, 1])
            #expect(client.counters.leaseExtensions >= 3)
            #expect(client.counters.staleLeases == 0)
            let shown = try admin.show(executionId)
            #expect(shown.history.filter { $0.kind == "extended" }.count >= 3)
            #expect(!shown.history.contains { $0.kind == "timeout" })
            #expect(try admin.stats().leasesExpired == 0)
        }
    }

    @Test("results of N concurrent handlers travel in fewer RecordBatches and each caller gets its own outcome")
    func resultsAreBatched() async throws {
        let count = 20
        // A flush goes out when all 20 wait (or 2 s after the first): the count, not the timing, cuts it.
        try await withSDKBroker(batchSize: count, batchDelay: .seconds(2)) { broker, client in
            let started = Locked(0)
            client.register(key, policy: RetryPolicy(maxRetries: 3, recoverable: [DependencyTimeout.self])) { context in
                started.with { $0 += 1 }
                if context.eventId.hasSuffix("-odd") { throw DependencyTimeout() }
            }
            let results = try await withThrowingTaskGroup(of: (String, HandlingResult).self) { group in
                for index in 0..<count {
                    let eventId = "evt-\(index)-\(index % 2 == 1 ? "odd" : "even")"
                    group.addTask { (eventId, try await client.handle(key, eventId: eventId)) }
                }
                var all: [String: HandlingResult] = [:]
                for try await (eventId, result) in group { all[eventId] = result }
                return all
            }
            #expect(results.count == count)
            #expect(client.counters.recordsSent == count)
            #expect(client.counters.batchesSent < count)
            let admin = try broker.admin()
            var executions = Set<Int64>()
            for (eventId, result) in results {
                if eventId.hasSuffix("-odd") {
                    guard case .failed(_, .recoverable, let outcome) = result else {
                        Issue.record("\(eventId): expected a recoverable failure, got \(result)")
                        continue
                    }
                    #expect(outcome.status == .accepted)
                    executions.insert(outcome.executionId)
                    // Each caller's outcome names the execution of its own event.
                    #expect(try admin.show(outcome.executionId).execution.eventId == eventId)
                } else {
                    guard case .succeeded(let outcome?) = result else {
                        Issue.record("\(eventId): expected a reported success, got \(result)")
                        continue
                    }
                    #expect(outcome.status == .accepted)
                }
            }
            #expect(executions.count == count / 2)
        }
    }

    @Test("on graceful shutdown the Service finishes the handler in flight and returns after its result was acknowledged")
    func gracefulShutdownLosesNoResult() async throws {
        try await withSDKBroker { broker, client in
            let (shutdownStarted, shutdownSignal) = AsyncStream<Void>.makeStream()
            let retryStarted = Locked(false)
            client.register(key, policy: RetryPolicy(
                maxRetries: 5, minBackoff: .milliseconds(50), executionTimeout: .seconds(10),
                recoverable: [DependencyTimeout.self])) { context in
                if context.attempt == 0 { throw DependencyTimeout() }
                retryStarted.with { $0 = true }
                for await _ in shutdownStarted {}  // runs on until the shutdown began,
                try await Task.sleep(for: .seconds(1))  // and then longer than a fetch of the stopping loop
            }
            let first = try await client.handle(key, eventId: "evt-7")
            let executionId = try #require(first.outcome?.executionId)

            let service = CompensationService(client: client, instance: "node-a", fetchWait: .milliseconds(200))
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(
                services: [service], logger: Logger(label: "sdk-test")))
            let running = Task(executorPreference: sdkTestExecutor) { try await group.run() }
            #expect(await eventuallyAsync { retryStarted.with { $0 } })
            let admin = try broker.admin()
            #expect(try admin.show(executionId).execution.status == 2)  // PREPARED: leased, running
            await group.triggerGracefulShutdown()
            shutdownSignal.finish()
            try await running.value
            // No waiting here: run() returned only after the result was acknowledged.
            #expect(try admin.show(executionId).execution.status == 3)
        }
    }

    @Test("the Service keeps fetching across a broker restart: a failure reported after it still comes back as a retry")
    func serviceSurvivesBrokerRestart() async throws {
        try await withSDKBroker { broker, client in
            let attempts = Locked<[Int]>([])
            client.register(key, policy: RetryPolicy(
                maxRetries: 5, minBackoff: .milliseconds(50), executionTimeout: .seconds(5),
                recoverable: [DependencyTimeout.self])) { context in
                attempts.with { $0.append(context.attempt) }
                if context.attempt == 0 { throw DependencyTimeout() }
            }
            let service = CompensationService(
                client: client, instance: "node-a", fetchWait: .milliseconds(200),
                backoff: ReconnectBackoff(first: .milliseconds(50), cap: .milliseconds(200)))
            let running = Task(executorPreference: sdkTestExecutor) { try await service.run() }
            #expect(broker.stop() == 0)
            let restarted = BrokerProcess(dataDirectory: broker.dataDirectory, listen: broker.listen, events: broker.events)
            try restarted.start()

            let first = try await client.handle(key, eventId: "evt-8")
            let executionId = try #require(first.outcome?.executionId)
            let admin = try restarted.admin()
            let succeeded = try await eventuallyAsync { try admin.show(executionId).execution.status == 3 }
            running.cancel()
            try await running.value
            #expect(succeeded)
            #expect(attempts.with { $0 } == [0, 1])
            #expect(restarted.stop() == 0)
        }
    }
}
