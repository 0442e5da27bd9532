import CompWire

/// What a handler of a chain gets: the event, the saga step it runs as, and the service's database inside
/// the barrier's transaction (its writes commit with the barrier row, or not at all).
public struct ChainContext {
    /// The saga (by default the event's correlation id).
    public var sagaId: String
    /// The step's index in the chain.
    public var step: Int
    /// The event the chain handles.
    public var eventId: String
    /// The event's payload.
    public var payload: [UInt8]
    /// The service's database, inside the step's transaction.
    public var database: ServiceDatabase
    /// For a compensation: 1 when the forward's outcome was unknown to the broker (the barrier decided).
    public var forwardUnknown: Bool
}

/// One handler of a chain: its forward, and the cancel step that undoes it.
public struct ChainHandler {
    /// The forward's function name (retry commands of the forward name it).
    public var function: String
    /// The cancel step's function name ("" when there is nothing to undo); compensation commands name it.
    public var cancelFunction: String
    /// The forward: the service's writes, on `context.database`.
    public var forward: (ChainContext) throws -> Void
    /// The cancel step, or nil.
    public var cancel: ((ChainContext) throws -> Void)?

    /// Creates a handler.
    public init(function: String, cancelFunction: String = "", forward: @escaping (ChainContext) throws -> Void,
                cancel: ((ChainContext) throws -> Void)? = nil) {
        self.function = function
        self.cancelFunction = cancel == nil ? "" : (cancelFunction.isEmpty ? function + ".cancel" : cancelFunction)
        self.forward = forward
        self.cancel = cancel
    }
}

/// How a chain run ended.
public enum ChainOutcome: Sendable, Equatable {
    /// Every handler ran.
    case completed
    /// Handler `step` failed with `error`; the broker compensates the handlers before it, last first.
    case failed(step: Int, error: ErrorDetails)
    /// The broker refused to start handler `step` (its saga aborted, or another execution holds the key).
    case refused(step: Int, code: UInt16)
}

/// Ordered handlers of one event in one service, run as the steps of a saga: each forward is an intent
/// (a `started` record with the step's `SagaRef`, then the forward under the `SagaBarrier`, then its
/// result with the lease). When one fails, the chain stops and reports it unrecoverable: the broker aborts
/// the saga and sends the cancel steps of the handlers that ran, in reverse order, as compensation
/// commands to this service's subscribers; `handle(_:)` runs them by function name, through the barrier.
/// A crash in the middle still ends in compensation: the intent of the step in flight times out, fails,
/// and the broker aborts the saga.
public final class HandlerChain {
    /// The service the handlers belong to.
    public let service: String
    /// The processor of the handlers.
    public let processor: String
    /// The handlers, in order.
    public let handlers: [ChainHandler]
    private let reporter: Reporter
    private let barrier: SagaBarrier
    private let timeoutMilliseconds: UInt64

    /// Creates a chain.
    ///
    /// - Parameters:
    ///   - service, processor: the handlers' key parts.
    ///   - handlers: 1...100 handlers, in order.
    ///   - reporter: sends the records.
    ///   - barrier: the barrier on the service's database.
    ///   - timeoutMilliseconds: each forward's execution timeout.
    public init(service: String, processor: String, handlers: [ChainHandler], reporter: Reporter,
                barrier: SagaBarrier, timeoutMilliseconds: UInt64 = 30_000) {
        self.service = service
        self.processor = processor
        self.handlers = Array(handlers.prefix(100))
        self.reporter = reporter
        self.barrier = barrier
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Runs the handlers for one event, in order, each as a step of saga `sagaId`.
    ///
    /// - Parameters:
    ///   - eventId: the event.
    ///   - sagaId: the saga (the correlation id of every record).
    ///   - payload: the event's payload (handed back with retries and compensations).
    ///   - deadline: the saga's deadline (ms since the epoch), or nil.
    /// - Returns: how it ended.
    /// - Throws: `ClientError` when the broker cannot be reached; `ServiceDatabaseError` from the barrier.
    public func run(eventId: String, sagaId: String, payload: [UInt8] = [], deadline: Int64? = nil) throws -> ChainOutcome {
        for (index, handler) in handlers.enumerated() {
            let ref = SagaRef(
                sagaId: sagaId, step: UInt16(index), compensation: handler.cancelFunction,
                last: index == handlers.count - 1 ? true : nil, deadline: deadline)
            let intent = Intent(
                service: service, processor: processor, function: handler.function, eventId: eventId,
                correlationId: sagaId, timeoutMilliseconds: timeoutMilliseconds,
                retrySpec: RetrySpecPatch(maxRetries: 0), payload: payload, saga: ref)
            do {
                _ = try reporter.intent(intent) {
                    _ = try barrier.forward(sagaId: sagaId, step: index) { db in
                        try handler.forward(ChainContext(
                            sagaId: sagaId, step: index, eventId: eventId, payload: payload, database: db,
                            forwardUnknown: false))
                    }
                }
            } catch let refused as IntentError {
                return .refused(step: index, code: refused.code)
            } catch let error as ClientError {
                throw error
            } catch let error as ServiceDatabaseError {
                throw error
            } catch {
                return .failed(step: index, error: Reporter.describe(error).0)
            }
        }
        return .completed
    }

    /// Runs one command of this chain's service by function name: a compensation (the command carries a
    /// saga marker) runs the handler's cancel step through the barrier; a forward retry runs its forward.
    ///
    /// - Returns: the result to report with the command's lease: success (also when the barrier skipped a
    ///   duplicate or a null compensation), or a failure (a handler that threw, or a function this chain
    ///   does not have: unrecoverable).
    public func handle(_ command: RetryCommand) -> RetryResult {
        let sagaId = command.saga?.sagaId ?? command.correlationId
        do {
            if let marker = command.saga {
                let step = Int(marker.step)
                guard let handler = handlers.first(where: { !$0.cancelFunction.isEmpty && $0.cancelFunction == command.function }),
                      let cancel = handler.cancel
                else { return unknownFunction(command) }
                _ = try barrier.compensate(sagaId: sagaId, step: step) { db in
                    try cancel(ChainContext(
                        sagaId: sagaId, step: step, eventId: command.eventId, payload: command.payload, database: db,
                        forwardUnknown: marker.forwardUnknown == 1))
                }
                return RetryResult(command: command, outcome: .success)
            }
            guard let step = handlers.firstIndex(where: { $0.function == command.function }) else {
                return unknownFunction(command)
            }
            _ = try barrier.forward(sagaId: sagaId, step: step) { db in
                try handlers[step].forward(ChainContext(
                    sagaId: sagaId, step: step, eventId: command.eventId, payload: command.payload, database: db,
                    forwardUnknown: false))
            }
            return RetryResult(command: command, outcome: .success)
        } catch {
            let (details, recoverable) = Reporter.describe(error)
            return RetryResult(command: command, outcome: .failure(details, recoverable: recoverable))
        }
    }

    /// Fetches up to `max` commands of the service (waiting up to `waitMilliseconds`), runs each with
    /// `handle(_:)` and reports the results with their leases.
    ///
    /// - Returns: the commands run.
    /// - Throws: `ClientError` when the broker cannot be reached.
    @discardableResult
    public func serve(_ subscriber: Subscriber, max: Int = 10, waitMilliseconds: Int = 1000) throws(ClientError) -> [RetryCommand] {
        let commands = try subscriber.fetch(max: max, waitMilliseconds: waitMilliseconds)
        guard !commands.isEmpty else { return [] }
        _ = try subscriber.report(commands.map(handle))
        return commands
    }

    private func unknownFunction(_ command: RetryCommand) -> RetryResult {
        RetryResult(command: command, outcome: .failure(
            ErrorDetails(code: "UNKNOWN_FUNCTION", message: "this chain has no handler \(command.function)"),
            recoverable: 2))
    }
}
