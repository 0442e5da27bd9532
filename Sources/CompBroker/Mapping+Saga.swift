import CompJournal
import CompModel
import CompWire

/// Conversions between the saga messages and the journal's saga types.
extension Mapping {
    /// A record's SagaRef resolved: the saga id defaulted to the correlation id, the compensation's retry spec
    /// merged over the defaults; or the rejection (`invalid_record`, `invalid_retry_spec`).
    static func sagaRef(_ ref: SagaRef, correlationId: String, defaults: RetrySpec) -> Result<SagaRecordRef, Rejection> {
        let sagaId = ref.sagaId.isEmpty ? correlationId : ref.sagaId
        guard !sagaId.isEmpty else {
            return .failure(Rejection(code: .invalidRecord, detail: "saga.sagaId: empty, and the record has no correlationId"))
        }
        guard Int(ref.step) < maxSagaSteps else {
            return .failure(Rejection(code: .invalidRecord, detail: "saga.step: must be below \(maxSagaSteps), got \(ref.step)"))
        }
        let spec: RetrySpec
        switch compensationSpec(ref.retrySpec, defaults: defaults) {
        case .success(let resolved): spec = resolved
        case .failure(let error): return .failure(Rejection(code: .invalidRetrySpec, detail: "saga.\(specDetail(error))"))
        }
        return .success(SagaRecordRef(
            sagaId: sagaId, step: Int(ref.step), compensation: ref.compensation, isLast: ref.last ?? false,
            deadline: ref.deadline.map { Timestamp(milliseconds: $0) }, retry: spec))
    }

    /// A compensation's retry spec: `patch` over `defaults`, validated.
    static func compensationSpec(_ patch: RetrySpecPatch?, defaults: RetrySpec) -> Result<RetrySpec, ModelError> {
        let spec = patch.map { defaults.merging(override($0)) } ?? defaults
        do throws(ModelError) {
            try spec.validate()
        } catch {
            return .failure(error)
        }
        return .success(spec)
    }

    /// A DeclareSaga's steps, or the `field: rule` refusal (`invalid_field`, or `invalid_retry_spec`).
    static func declaredSteps(_ request: DeclareSaga, defaults: RetrySpec) -> Result<[SagaStepSpec], Rejection> {
        guard !request.sagaId.isEmpty else {
            return .failure(Rejection(code: .invalidField, detail: "DeclareSaga.sagaId: must not be empty"))
        }
        guard (1...maxSagaSteps).contains(request.steps.count) else {
            return .failure(Rejection(code: .invalidField, detail: "DeclareSaga.steps: must hold 1...\(maxSagaSteps) steps"))
        }
        var steps: [SagaStepSpec] = []
        for (index, step) in request.steps.enumerated() {
            for (field, value) in [("service", step.service), ("processor", step.processor), ("forward", step.forward)]
            where value.isEmpty {
                return .failure(Rejection(code: .invalidField, detail: "DeclareSaga.steps[\(index)].\(field): must not be empty"))
            }
            switch compensationSpec(step.retrySpec, defaults: defaults) {
            case .success(let spec):
                steps.append(SagaStepSpec(
                    service: step.service, processor: step.processor, forward: step.forward,
                    compensation: step.compensation, retry: spec))
            case .failure(let error):
                return .failure(Rejection(code: .invalidRetrySpec, detail: "DeclareSaga.steps[\(index)].\(specDetail(error))"))
            }
        }
        return .success(steps)
    }

    /// A saga's status change as a SagaEvent.
    static func sagaEvent(_ change: SagaChange) -> SagaEvent {
        SagaEvent(
            sagaId: change.sagaId, status: change.status.rawValue, at: change.at.milliseconds,
            step: change.step.map { UInt16(clamping: $0) }, cause: change.cause?.code)
    }

    /// A leased execution as a retry command, with its saga marker when it is a compensation.
    static func command(_ leased: LeasedCommand) -> RetryCommand {
        var command = command(leased.execution)
        command.saga = leased.saga.map {
            SagaCommandRef(sagaId: $0.sagaId, step: UInt16(clamping: $0.step), forwardUnknown: $0.forwardUnknown ? 1 : 0)
        }
        return command
    }
}
