import CompWire
import Foundation

/// Conversions of the saga replies to the API's JSON types.
enum APISagaMapping {
    typealias Schemas = Components.Schemas

    static let statuses: [UInt8: Schemas.SagaStatus] = [
        1: .running, 2: .completed, 3: .aborting, 4: .compensated, 5: .stuck,
    ]
    static let causes: [UInt8: Schemas.Saga.AbortCausePayload] = [1: .stepFailed, 2: .deadline, 3: ._operator]
    static let forwardStates: [UInt8: Schemas.SagaStep.ForwardStatePayload] = [
        0: .pending, 1: .running, 2: .succeeded, 3: .failed,
    ]
    static let compensationStates: [UInt8: Schemas.SagaStep.CompensationStatePayload] = [
        0: .none, 1: .notNeeded, 2: .waiting, 3: .running, 4: .succeeded, 5: .parked, 6: .discarded,
    ]

    /// The wire status of an API saga status.
    static func wire(_ status: Schemas.SagaStatus) -> UInt8 {
        statuses.first { $0.value == status }?.key ?? 1
    }

    static func status(_ raw: UInt8) throws(APIProblem) -> Schemas.SagaStatus {
        guard let status = statuses[raw] else { throw fault("saga status \(raw)") }
        return status
    }

    static func saga(_ view: SagaView) throws(APIProblem) -> Schemas.Saga {
        var cause: Schemas.Saga.AbortCausePayload?
        if let raw = view.abortCause {
            guard let known = causes[raw] else { throw fault("abort cause \(raw)") }
            cause = known
        }
        return Schemas.Saga(
            id: view.id, status: try status(view.status), stepCount: Int64(view.stepCount),
            deadline: view.deadline.map(APIMapping.date), abortCause: cause, abortStep: view.abortStep.map { Int64($0) },
            createdAt: APIMapping.date(view.createdAt), updatedAt: APIMapping.date(view.updatedAt))
    }

    static func detail(_ reply: SagaShowReply) throws(APIProblem) -> Schemas.SagaDetail {
        var steps: [Schemas.SagaStep] = []
        for step in reply.steps {
            guard let forward = forwardStates[step.forwardState], let compensation = compensationStates[step.compensationState] else {
                throw fault("step states \(step.forwardState)/\(step.compensationState)")
            }
            steps.append(Schemas.SagaStep(
                index: Int64(step.index), service: step.service, processor: step.processor, eventId: step.eventId,
                forward: step.forward, compensation: step.compensation, forwardState: forward, compensationState: compensation,
                forwardUnknown: step.forwardUnknown, forwardExecutionId: step.forwardExecutionId,
                compensationExecutionId: step.compensationExecutionId))
        }
        return Schemas.SagaDetail(
            saga: try saga(reply.saga), steps: steps,
            history: reply.history.map {
                Schemas.SagaEntry(
                    executionId: $0.executionId == 0 ? nil : $0.executionId, seq: $0.entry.seq, at: APIMapping.date($0.entry.at),
                    kind: $0.entry.kind, recordId: $0.entry.recordId.map(APIMapping.recordId), summary: $0.entry.summary,
                    actor: $0.entry.actor)
            },
            omittedEntries: Int64(reply.omittedEntries ?? 0))
    }

    private static func fault(_ what: String) -> APIProblem {
        APIProblem(.internalServerError, ErrorCode.internalError.name, "the broker sent \(what)")
    }
}
