@testable import CompBroker
import CompJournal
import CompModel

/// A moment at `ms` on both clocks (the wall clock offset to a realistic epoch).
func moment(_ ms: Int64, wall: Int64? = nil) -> Moment {
    Moment(monotonic: ms, wall: Timestamp(milliseconds: wall ?? 1_700_000_000_000 + ms))
}

/// An execution of `service` in `status`, leased when `token` is given.
func execution(
    _ id: ExecutionID, service: String = "orders", status: ExecutionStatus = .prepared, token: UInt64? = nil,
    until: Int64 = 1_700_000_100_000, due: Int64? = nil, payload: Int = 10
) -> Execution {
    Execution(
        id: id, key: ExecutionKey(service: service, processor: "billing", function: "charge", eventId: "e-\(id)"),
        correlationId: "", status: status, parkReason: nil, recoverable: .unknown, markedByOperator: false,
        retries: 1, spec: .standard, nextRetryAt: due.map { Timestamp(milliseconds: $0) },
        lease: token.map { Lease(token: $0, holder: "n1", grantedAt: .zero, until: Timestamp(milliseconds: until)) },
        lastError: ErrorInfo(code: "DB_DOWN", message: "connection refused"),
        payload: [UInt8](repeating: 7, count: payload), createdAt: .zero, updatedAt: .zero)
}

/// A machine with nothing leased or paused.
/// The state changes a commit reports for `executions` (what `DispatchMachine.committed` reads of them).
func changed(_ executions: [Execution]) -> [StateChange] {
    executions.enumerated().map { StateChange(seq: Int64($0 + 1), at: Timestamp(milliseconds: 0), kind: "test", execution: $1) }
}

func makeMachine(cap: Int = 100, budget: Int = 1 << 20, at: Moment = moment(0)) -> DispatchMachine {
    DispatchMachine(
        config: .init(inFlightPerService: cap, replyBudgetBytes: budget), paused: [], leases: [], expiry: nil, at: at)
}

/// A fetch arrival.
func arrival(_ service: String = "orders", instance: String = "n1", max: Int = 10, requestId: UInt32 = 1,
             wait: Int64 = 1000) -> FetchArrival {
    FetchArrival(service: service, instance: instance, max: max, requestId: requestId, waitMilliseconds: wait)
}

extension DispatchMachine.Step {
    /// The lease limit of a lease step, else nil.
    var leaseLimit: Int? {
        if case .lease(_, _, _, let limit, _) = self { return limit }
        return nil
    }
}
