import CompModel
import CompWire
import Logging
import Synchronization

/// The SDK's entry point: a registry of handlers with their retry policies, that runs a handler for an
/// event and reports how it ended, and runs the retries the broker sends (through `CompensationService`).
///
/// Every blocking broker call runs on threads this client owns (results on one, lease extensions on
/// another, each fetch loop on its own; leases are kept on time even while the cooperative pool is busy), each with its own `BrokerConnection` made by the `connect`
/// closure given at creation: async callers suspend and never block Swift's cooperative pool.
///
/// ```swift
/// let client = try CompensationClient(address: "ipc:///run/compd/req.sock")
/// client.register(HandlerKey(service: "orders", processor: "OrderProcessor", function: "onOrderCreated"),
///                 policy: RetryPolicy(maxRetries: 5, minBackoff: .seconds(60), executionTimeout: .seconds(10),
///                                     recoverable: [TimeoutError.self])) { context in
///     try await reserveStock(for: context.payload)
/// }
/// let result = try await client.handle(key, eventId: "evt-1", payload: bytes)
/// ```
public final class CompensationClient: Sendable {
    private struct Registration: Sendable {
        var policy: RetryPolicy
        var handler: CompensableHandler
    }

    /// Whether failures are reported at all (the seed's `wow.compensation.enabled`); when false, handlers run,
    /// their errors are rethrown, nothing is reported and `CompensationService` fetches no retries.
    public let enabled: Bool
    let connect: @Sendable () throws -> BrokerConnection
    let logger: Logger
    private let registry = Mutex<[HandlerKey: Registration]>([:])
    private let batcher: ResultBatcher
    private let leaseWorker: BrokerWorker
    private let leaseKeeper: LeaseKeeper

    /// Creates a client whose connections `connect` makes (so a connection's options, such as a key, apply
    /// to every request the SDK sends).
    ///
    /// - Parameters:
    ///   - enabled: false to report nothing (handlers still run; their errors are rethrown).
    ///   - batchSize: a batch of results goes out when this many wait.
    ///   - batchDelay: a batch of results goes out this long after its first result.
    ///   - logger: where stale leases and broker failures are logged.
    ///   - connect: makes one connection to the broker; called once per SDK thread (and again after a
    ///     failure).
    public init(enabled: Bool = true, batchSize: Int = 100, batchDelay: Duration = .milliseconds(5),
                logger: Logger = Logger(label: "CompClient"),
                connect: @escaping @Sendable () throws -> BrokerConnection) {
        self.enabled = enabled
        self.connect = connect
        self.logger = logger
        batcher = ResultBatcher(maxRecords: batchSize, delay: batchDelay, connect: connect)
        leaseWorker = BrokerWorker(name: "comp-sdk-hello", connect: connect)
        leaseKeeper = LeaseKeeper(logger: logger, connect: connect)
    }

    /// Creates a client for the broker at `address`.
    ///
    /// - Parameters:
    ///   - address: The broker's request address (`ipc://…` or `tcp://…`).
    ///   - timeoutMilliseconds: How long each request waits for its reply.
    ///   - enabled: false to report nothing.
    ///   - batchSize: a batch of results goes out when this many wait.
    ///   - batchDelay: a batch of results goes out this long after its first result.
    ///   - logger: where stale leases and broker failures are logged.
    /// - Throws: `ClientError.transport` for an invalid address.
    public convenience init(address: String, timeoutMilliseconds: Int = 5000, enabled: Bool = true,
                            batchSize: Int = 100, batchDelay: Duration = .milliseconds(5),
                            logger: Logger = Logger(label: "CompClient")) throws(ClientError) {
        _ = try BrokerConnection(address: address, timeoutMilliseconds: timeoutMilliseconds)  // checks the address
        self.init(enabled: enabled, batchSize: batchSize, batchDelay: batchDelay, logger: logger) {
            try BrokerConnection(address: address, timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    /// Registers (or replaces) the handler of `key`.
    ///
    /// - Parameters:
    ///   - key: The handler's service, processor and function.
    ///   - policy: Its retry spec, error classification and enabled flag.
    ///   - handler: The handler.
    public func register(_ key: HandlerKey, policy: RetryPolicy = .standard,
                         handler: @escaping CompensableHandler) {
        registry.withLock { $0[key] = Registration(policy: policy, handler: handler) }
    }

    /// The services that have handlers, sorted.
    public var services: [String] {
        registry.withLock { Set($0.keys.map(\.service)).sorted() }
    }

    /// What this client has sent so far.
    public var counters: SDKCounters {
        SDKCounters(
            batchesSent: batcher.batchesSent, recordsSent: batcher.recordsSent,
            leaseExtensions: leaseKeeper.extensions, staleLeases: leaseKeeper.staleAnswers)
    }

    /// Asks the broker for its limits (a `Hello`), which shows that it answers.
    ///
    /// - Returns: The broker's limits.
    /// - Throws: `ClientError` when the broker does not answer.
    public func brokerLimits() async throws -> BrokerLimits {
        try await leaseWorker.run { connection in try connection.limits() }
    }

    /// Runs the handler of `key` for one event and reports how it ended: a success record, or a failure
    /// record with the error's classification, the policy's retry spec and the payload (the broker then
    /// retries it through `CompensationService`).
    ///
    /// Results of several calls in flight travel together in one `RecordBatch`; each call gets its own
    /// record's outcome.
    ///
    /// - Parameters:
    ///   - key: The handler.
    ///   - eventId: The event.
    ///   - payload: What a retry needs to run the handler again.
    ///   - correlationId: The correlation id (for example an order id), or nil.
    /// - Returns: How the handler ended and the outcome of its report.
    /// - Throws: `SDKError.noHandler` for an unregistered key; the handler's error when reports are off
    ///   (globally or for this handler); `ClientError` when the report got no acknowledgement.
    public func handle(_ key: HandlerKey, eventId: String, payload: [UInt8] = [],
                       correlationId: String? = nil) async throws -> HandlingResult {
        guard let registration = registry.withLock({ $0[key] }) else { throw SDKError.noHandler(key) }
        let context = HandlerContext(key: key, eventId: eventId, payload: payload, correlationId: correlationId)
        guard enabled, registration.policy.enabled else {
            try await registration.handler(context)
            return .succeeded(nil)
        }
        let base = Record(
            id: 0, kind: .success, service: key.service, processor: key.processor, function: key.function,
            eventId: eventId, occurredAt: 0, correlationId: correlationId)
        do {
            try await registration.handler(context)
        } catch {
            let (details, classification) = describe(error, policy: registration.policy)
            var record = stamped(base, kind: .failure)
            record.error = details
            record.recoverable = classification.rawValue
            record.retrySpec = registration.policy.specPatch
            record.payload = payload
            return .failed(details, classification, try await batcher.send(record))
        }
        return .succeeded(try await batcher.send(stamped(base, kind: .success)))
    }

    /// Runs one retry command: calls its handler again (its lease extended every third of the lease while
    /// it runs) and reports the result with the lease. A command for a key without a handler fails as
    /// unrecoverable (`NO_HANDLER`): it parks for an operator.
    ///
    /// - Parameter command: A command fetched from the broker.
    /// - Returns: How the handler ended and the outcome of its report.
    /// - Throws: `ClientError` when the report got no acknowledgement (the broker retries the command
    ///   after its lease runs out).
    @discardableResult
    public func run(_ command: RetryCommand) async throws -> HandlingResult {
        let key = HandlerKey(service: command.service, processor: command.processor, function: command.function)
        let base = Record(
            id: 0, kind: .success, service: command.service, processor: command.processor,
            function: command.function, eventId: command.eventId, occurredAt: 0,
            correlationId: command.correlationId.isEmpty ? nil : command.correlationId,
            lease: LeaseRef(executionId: command.executionId, token: command.leaseToken))
        guard let registration = registry.withLock({ $0[key] }) else {
            let details = ErrorDetails(code: "NO_HANDLER", message: "no handler is registered for \(key)")
            var record = stamped(base, kind: .failure)
            record.error = details
            record.recoverable = ErrorClassification.unrecoverable.rawValue
            return .failed(details, .unrecoverable, try await batcher.send(record))
        }
        let context = HandlerContext(
            key: key, eventId: command.eventId, payload: command.payload, correlationId: base.correlationId,
            attempt: Int(command.attempt), executionId: command.executionId)
        let leaseMs = registration.policy.executionTimeout.map { Int64(RetryPolicy.milliseconds($0)) }
            ?? (command.leaseDeadline - WallClock.now().milliseconds)
        let ticket = leaseKeeper.keep(command, leaseMilliseconds: leaseMs)
        defer { leaseKeeper.release(ticket) }  // after the result was acknowledged
        let failure: (any Error)?
        do {
            try await registration.handler(context)
            failure = nil
        } catch {
            failure = error
        }
        guard let failure else { return .succeeded(try await batcher.send(stamped(base, kind: .success))) }
        let (details, classification) = describe(failure, policy: registration.policy)
        var record = stamped(base, kind: .failure)
        record.error = details
        record.recoverable = classification.rawValue
        return .failed(details, classification, try await batcher.send(record))
    }

    /// Flushes the results that wait and stops the client's threads (fetch loops stop with their service).
    /// Calls after it fail with `ClientError.transport`.
    public func close() {
        batcher.close()
        leaseWorker.close()
        leaseKeeper.close()
    }

    private func describe(_ error: any Error, policy: RetryPolicy) -> (ErrorDetails, ErrorClassification) {
        let (details, _) = Reporter.describe(error)
        return (details, policy.classify(error))
    }

    private func stamped(_ base: Record, kind: RecordKind) -> Record {
        var record = base
        record.id = RecordIdentifier.next()
        record.kind = kind
        record.occurredAt = WallClock.now().milliseconds
        return record
    }
}

/// Why the SDK refused a call.
public enum SDKError: Error, Equatable, CustomStringConvertible {
    /// No handler is registered for the key.
    case noHandler(HandlerKey)

    /// The error for people.
    public var description: String {
        switch self {
        case .noHandler(let key): "no handler is registered for \(key); call register(_:policy:handler:) first"
        }
    }
}
