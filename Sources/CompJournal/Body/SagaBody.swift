import CompModel

/// A saga's input as a `saga-step` row stores it: the model's input with what only the store keeps (the linked
/// execution, the payload).
enum SagaRowEvent: Equatable {
    /// The saga is declared: by its first record (choreography: no steps yet, open), or whole (`DeclareSaga`).
    case create(deadline: Timestamp?, steps: [SagaStepSpec], closed: Bool)
    /// Step `step` is declared by a record (maybe out of order).
    case declare(step: Int, SagaStepSpec, isLast: Bool)
    /// The step's forward began; `executionId` is its forward execution when it has one.
    case started(step: Int, executionId: ExecutionID?)
    /// The step's forward succeeded; `payload` (the success record's, when it has one) replaces the step's.
    case succeeded(step: Int, payload: [UInt8]?)
    /// The step's forward ended without success.
    case failed(step: Int)
    /// The deadline passed.
    case deadline
    /// An operator aborted the saga.
    case abort
    /// The step's compensation execution succeeded.
    case compensationSucceeded(step: Int)
    /// The step's compensation execution parked.
    case compensationParked(step: Int)
    /// An operator retried the step's parked compensation.
    case compensationRetried(step: Int)
    /// An operator discarded the step's parked compensation.
    case compensationDiscarded(step: Int)

    /// The model's input (nil for `create`, which makes the saga).
    var input: SagaInput? {
        switch self {
        case .create: nil
        case .declare(let step, let spec, let isLast): .declareStep(step, spec, isLast: isLast)
        case .started(let step, _): .forwardStarted(step: step)
        case .succeeded(let step, _): .forwardSucceeded(step: step)
        case .failed(let step): .forwardFailed(step: step)
        case .deadline: .deadlineReached
        case .abort: .abort
        case .compensationSucceeded(let step): .compensationSucceeded(step: step)
        case .compensationParked(let step): .compensationParked(step: step)
        case .compensationRetried(let step): .compensationRetried(step: step)
        case .compensationDiscarded(let step): .compensationDiscarded(step: step)
        }
    }

    /// The input's tag in the body.
    fileprivate var tag: UInt8 {
        switch self {
        case .create: 1
        case .declare: 2
        case .started: 3
        case .succeeded: 4
        case .failed: 5
        case .deadline: 6
        case .abort: 7
        case .compensationSucceeded: 8
        case .compensationParked: 9
        case .compensationRetried: 10
        case .compensationDiscarded: 11
        }
    }

    /// Words for the row's summary.
    var text: String {
        switch self {
        case .create(let deadline, let steps, let closed):
            "declared\(closed ? " with \(steps.count) steps" : "")\(deadline.map { ", deadline \($0.iso8601)" } ?? "")"
        case .declare(let step, let spec, let isLast):
            "step \(step) declared: \(spec.service)/\(spec.processor)/\(spec.forward), compensation "
                + "\(spec.compensation.isEmpty ? "none" : spec.compensation)\(isLast ? " (last)" : "")"
        case .started(let step, let id): "step \(step) forward started\(id.map { " (execution \($0))" } ?? "")"
        case .succeeded(let step, _): "step \(step) forward succeeded"
        case .failed(let step): "step \(step) forward failed"
        case .deadline: "deadline reached"
        case .abort: "abort (operator)"
        case .compensationSucceeded(let step): "step \(step) compensation succeeded"
        case .compensationParked(let step): "step \(step) compensation parked"
        case .compensationRetried(let step): "step \(step) compensation retried (operator)"
        case .compensationDiscarded(let step): "step \(step) compensation discarded (operator)"
        }
    }
}

/// The body of a saga row (kinds 19 `saga-step`, 20 `saga-status`, 21 `compensate`).
///
/// ```
/// saga-step   : string sagaId | u8 input tag | input fields
///   1 create    : optional varint deadline-ms | u8 closed | uvarint count | count × step
///   2 declare   : uvarint step | u8 isLast | step
///   3 started   : uvarint step | optional varint executionId
///   4 succeeded : uvarint step | u8 hasPayload | if 1: bytes payload
///   5 failed, 8 compensation succeeded, 9 parked, 10 retried, 11 discarded : uvarint step
///   6 deadline, 7 abort : (nothing)
/// saga-status : string sagaId | u8 status | u8 cause (0 none) | optional varint abort step
/// compensate  : string sagaId | uvarint step | u8 forwardUnknown | report | key | string correlationId | spec
///               | bytes payload             (creates the compensation execution; its id is the row's seq)
/// step        : string service | string processor | string forward | string compensation | string eventId
///               | u8 hasRetry | if 1: spec
/// ```
enum SagaBody: Equatable {
    case step(sagaId: String, SagaRowEvent)
    case status(sagaId: String, SagaStatus, SagaAbortCause?)
    case compensate(sagaId: String, step: Int, forwardUnknown: Bool, FailureReport, EntryBody.Creation)

    /// The saga the row belongs to.
    var sagaId: String {
        switch self {
        case .step(let id, _), .status(let id, _, _), .compensate(let id, _, _, _, _): id
        }
    }

    var kind: EntryKind {
        switch self {
        case .step: .sagaStep
        case .status: .sagaStatus
        case .compensate: .compensate
        }
    }

    /// The row's summary line.
    var text: String {
        switch self {
        case .step(let id, let event): "saga \(id): \(event.text)"
        case .status(let id, let status, let cause):
            "saga \(id): \(status)\(cause.map { " (\($0.text))" } ?? "")"
        case .compensate(let id, let step, let unknown, _, let creation):
            "saga \(id): compensate step \(step) with \(creation.key.function)\(unknown ? " (forward outcome unknown)" : "")"
        }
    }

    func encode(into writer: inout BodyWriter) {
        writer.string(sagaId)
        switch self {
        case .step(_, let event):
            writer.u8(event.tag)
            switch event {
            case .create(let deadline, let steps, let closed):
                writer.optionalVarint(deadline?.milliseconds)
                writer.u8(closed ? 1 : 0)
                writer.uvarint(UInt64(steps.count))
                for step in steps { writer.sagaStep(step) }
            case .declare(let step, let spec, let isLast):
                writer.uvarint(UInt64(step))
                writer.u8(isLast ? 1 : 0)
                writer.sagaStep(spec)
            case .started(let step, let id):
                writer.uvarint(UInt64(step))
                writer.optionalVarint(id)
            case .succeeded(let step, let payload):
                writer.uvarint(UInt64(step))
                writer.u8(payload == nil ? 0 : 1)
                if let payload { writer.data(payload) }
            case .failed(let step), .compensationSucceeded(let step), .compensationParked(let step),
                 .compensationRetried(let step), .compensationDiscarded(let step):
                writer.uvarint(UInt64(step))
            case .deadline, .abort:
                break
            }
        case .status(_, let status, let cause):
            writer.u8(status.rawValue)
            writer.u8(cause?.code ?? 0)
            writer.optionalVarint(cause?.step.map { Int64($0) })
        case .compensate(_, let step, let unknown, let report, let creation):
            writer.uvarint(UInt64(step))
            writer.u8(unknown ? 1 : 0)
            writer.report(report)
            writer.key(creation.key)
            writer.string(creation.correlationId)
            writer.spec(creation.spec)
            writer.data(creation.payload)
        }
    }

    /// Decodes a saga row's body stored under `kind`.
    ///
    /// - Throws: `JournalError` (SQLITE_CORRUPT) when the bytes do not match the layout.
    init(kind: EntryKind, reader: inout BodyReader) throws(JournalError) {
        let id = try reader.string()
        switch kind {
        case .sagaStep:
            let tag = try reader.u8()
            let event: SagaRowEvent
            switch tag {
            case 1:
                let deadline = try reader.optionalVarint().map { Timestamp(milliseconds: $0) }
                let closed = try reader.flag()
                let count = try reader.uvarint()
                guard count <= UInt64(Saga.maxSteps) else { throw .corrupt("malformed saga body: \(count) steps") }
                var steps: [SagaStepSpec] = []
                for _ in 0..<count { steps.append(try reader.sagaStep()) }
                event = .create(deadline: deadline, steps: steps, closed: closed)
            case 2:
                let step = try reader.stepIndex()
                let isLast = try reader.flag()
                event = .declare(step: step, try reader.sagaStep(), isLast: isLast)
            case 3: event = .started(step: try reader.stepIndex(), executionId: try reader.optionalVarint())
            case 4:
                let step = try reader.stepIndex()
                event = .succeeded(step: step, payload: try reader.flag() ? try reader.data() : nil)
            case 5: event = .failed(step: try reader.stepIndex())
            case 6: event = .deadline
            case 7: event = .abort
            case 8: event = .compensationSucceeded(step: try reader.stepIndex())
            case 9: event = .compensationParked(step: try reader.stepIndex())
            case 10: event = .compensationRetried(step: try reader.stepIndex())
            case 11: event = .compensationDiscarded(step: try reader.stepIndex())
            default: throw .corrupt("malformed saga body: input tag \(tag)")
            }
            self = .step(sagaId: id, event)
        case .sagaStatus:
            let raw = try reader.u8()
            guard let status = SagaStatus(rawValue: raw) else { throw .corrupt("malformed saga body: status \(raw)") }
            let code = try reader.u8()
            let step = try reader.optionalVarint().map { Int($0) }
            var cause: SagaAbortCause?
            if code != 0 {
                guard let known = SagaAbortCause(code: code, step: step) else {
                    throw .corrupt("malformed saga body: abort cause \(code)")
                }
                cause = known
            }
            self = .status(sagaId: id, status, cause)
        case .compensate:
            let step = try reader.stepIndex()
            let unknown = try reader.flag()
            let report = try reader.report()
            let creation = EntryBody.Creation(
                key: try reader.key(), correlationId: try reader.string(), spec: try reader.spec(), payload: try reader.data())
            self = .compensate(sagaId: id, step: step, forwardUnknown: unknown, report, creation)
        default:
            throw .corrupt("malformed saga body: kind \(kind.name)")
        }
    }

    /// The compensation's retry spec as `saga_steps.retry_spec` stores it (the body's spec layout).
    static func encodeSpec(_ spec: RetrySpec) -> [UInt8] {
        var writer = BodyWriter(capacity: 24)
        writer.spec(spec)
        return writer.bytes
    }

    /// Reads `saga_steps.retry_spec`.
    static func decodeSpec(_ bytes: [UInt8]) throws(JournalError) -> RetrySpec {
        var reader = BodyReader(bytes)
        let spec = try reader.spec()
        guard reader.isAtEnd else { throw .corrupt("malformed saga step retry spec") }
        return spec
    }
}

extension BodyWriter {
    mutating func sagaStep(_ step: SagaStepSpec) {
        string(step.service)
        string(step.processor)
        string(step.forward)
        string(step.compensation)
        string(step.eventId)
        u8(step.retry == nil ? 0 : 1)
        if let retry = step.retry { spec(retry) }
    }
}

extension BodyReader {
    mutating func flag() throws(JournalError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let other: throw .corrupt("malformed saga body: flag \(other)")
        }
    }

    mutating func stepIndex() throws(JournalError) -> Int {
        let raw = try uvarint()
        guard raw < UInt64(Saga.maxSteps) else { throw .corrupt("malformed saga body: step \(raw)") }
        return Int(raw)
    }

    mutating func sagaStep() throws(JournalError) -> SagaStepSpec {
        SagaStepSpec(
            service: try string(), processor: try string(), forward: try string(), compensation: try string(),
            eventId: try string(), retry: try flag() ? try spec() : nil)
    }
}
