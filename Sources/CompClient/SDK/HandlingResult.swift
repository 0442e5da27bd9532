import CompWire

/// How one run of a handler ended, and what the broker made of its report.
public enum HandlingResult: Sendable, Equatable {
    /// The handler returned. The success record's outcome (it closes an open execution of the key, or is
    /// acknowledged and not stored when there is none), or nil when nothing was reported (reports off).
    case succeeded(RecordOutcome?)
    /// The handler threw: the error as reported, its classification, and the failure record's outcome (an
    /// accepted first failure opens an execution that the broker retries through `CompensationService`).
    case failed(ErrorDetails, ErrorClassification, RecordOutcome)

    /// The outcome of the record sent, or nil when none was sent.
    public var outcome: RecordOutcome? {
        switch self {
        case .succeeded(let outcome): outcome
        case .failed(_, _, let outcome): outcome
        }
    }
}
