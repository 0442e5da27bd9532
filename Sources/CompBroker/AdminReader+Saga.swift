import CompJournal
import CompModel
import CompWire

/// The saga reads the admin thread needs; the SQLite reader (`JournalReader`) has them.
protocol SagaQueries: AnyObject {
    /// A page of sagas, newest updated first, optionally of one status, after `cursor`.
    func sagas(status: SagaStatus?, limit: Int, before cursor: String?) throws(JournalError) -> (sagas: [SagaSummary], nextCursor: String?)
    /// One saga, its steps and its journal rows; nil when no saga has `id`.
    func saga(id: String) throws(JournalError) -> SagaDetail?
}

extension JournalReader: SagaQueries {}

/// `SagaListRequest` and `SagaShowRequest` on the admin thread's reader.
extension AdminReader {
    /// SQLite's SQLITE_MISUSE: the journal refused a saga cursor it did not make.
    private static let misuse: Int32 = 21

    /// The answer to a saga read, or nil when `message` is not one.
    func answerSaga(_ message: Message, _ reader: any BrokerQueries) throws(JournalError) -> Message? {
        switch message {
        case .sagaListRequest(let request):
            guard (1...WireLimits.maxListItems).contains(Int(request.limit)) else {
                return error(.invalidField, "SagaListRequest.limit: must be in 1...\(WireLimits.maxListItems)")
            }
            guard let sagas = reader as? any SagaQueries else { return noSagas() }
            let status = request.status.flatMap(SagaStatus.init(rawValue:))
            let page: (sagas: [SagaSummary], nextCursor: String?)
            do {
                page = try sagas.sagas(status: status, limit: Int(request.limit),
                                       before: request.cursor.isEmpty ? nil : request.cursor)
            } catch where !request.cursor.isEmpty && error.primaryCode == Self.misuse {
                return self.error(.invalidField, "SagaListRequest.cursor: not a cursor this broker gave")
            }
            // A page always fits: 1000 views of at most 310 bytes and a cursor of at most 4 KiB are less than
            // the smallest frame limit (512 KiB).
            return .sagaListReply(SagaListReply(sagas: page.sagas.map(SagaMapping.view), nextCursor: page.nextCursor ?? ""))
        case .sagaShowRequest(let request):
            guard !request.sagaId.isEmpty else { return error(.invalidField, "SagaShowRequest.sagaId: must not be empty") }
            guard let sagas = reader as? any SagaQueries else { return noSagas() }
            guard let detail = try sagas.saga(id: request.sagaId) else {
                return error(.invalidField, "SagaShowRequest.sagaId: no saga has this id")
            }
            return .sagaShowReply(Self.fit(detail, maxFrameBytes: config.maxFrameBytes))
        default:
            return nil
        }
    }

    private func noSagas() -> Message { error(.internalError, "this broker's store does not hold sagas") }

    /// The saga and its steps, then its rows from the oldest while they fit in one frame (at most
    /// `WireLimits.maxHistoryEntries`); the rows left out are counted.
    static func fit(_ detail: SagaDetail, maxFrameBytes: Int) -> SagaShowReply {
        var reply = SagaShowReply(saga: SagaMapping.view(detail.summary), steps: detail.steps.map(SagaMapping.step), history: [])
        func size(_ reply: SagaShowReply) -> Int { FrameCodec.encodedCount(Frame(requestId: 0, message: .sagaShowReply(reply))) }
        // Each row is measured alone (beside an empty saga), so filling a page costs one small encoding per row.
        let bare = SagaShowReply(saga: SagaView(id: "", status: 1, stepCount: 0, createdAt: 0, updatedAt: 0), steps: [], history: [])
        let bareBytes = size(bare)
        // Room for the omitted-count tag, so the final reply never outgrows the measure.
        var bytes = size(reply) + TaggedSectionSize.entryHeader + 4
        for row in detail.history {
            let entry = TimelineEntry(executionId: row.executionId, entry: Mapping.history(row))
            var one = bare
            one.history = [entry]
            let added = size(one) - bareBytes
            guard bytes + added <= maxFrameBytes, reply.history.count < WireLimits.maxHistoryEntries else { break }
            bytes += added
            reply.history.append(entry)
        }
        if reply.history.count < detail.history.count {
            reply.omittedEntries = UInt32(clamping: detail.history.count - reply.history.count)
        }
        return reply
    }
}

/// The journal's saga values as wire views.
enum SagaMapping {
    static func view(_ summary: SagaSummary) -> SagaView {
        SagaView(
            id: summary.id, status: summary.status.rawValue, stepCount: UInt16(clamping: summary.stepCount),
            createdAt: summary.createdAt.milliseconds, updatedAt: summary.updatedAt.milliseconds,
            deadline: summary.deadline?.milliseconds, abortCause: summary.abortCause?.code,
            abortStep: summary.abortCause?.step.map { UInt16(clamping: $0) })
    }

    static func step(_ row: SagaStepRow) -> SagaStepView {
        SagaStepView(
            index: UInt16(clamping: row.index), service: row.service, processor: row.processor, eventId: row.eventId,
            forward: row.forward, compensation: row.compensation, forwardState: row.forwardState.rawValue,
            compensationState: row.compensationState.code, forwardUnknown: row.compensationState.forwardUnknown,
            forwardExecutionId: row.forwardExecutionId, compensationExecutionId: row.compensationExecutionId)
    }
}
