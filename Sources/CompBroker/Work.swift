import CompJournal
import CompTransport
import CompWire

/// Where and how to answer a request.
struct Requester: Sendable {
    var route: ReplyRoute
    var requestId: UInt32
}

/// One record of a batch: ready for the journal, or already refused.
enum RecordSlot: Sendable {
    case incoming(IncomingRecord)
    case rejected(ErrorCode)
}

/// A fetch waiting for due commands.
struct WaitingFetch: Sendable {
    var requester: Requester
    var fetch: Fetch
    var deadline: Int64
}

/// What the ingress thread hands the core thread.
enum Work: Sendable {
    case records(Requester, [RecordSlot])
    case fetch(WaitingFetch)
    case extend(Requester, ExtendLease)
    case action(Requester, ActionRequest)

    /// Records carried, for the queue bound.
    var recordCount: Int {
        if case .records(_, let slots) = self { return slots.count }
        return 0
    }
}
