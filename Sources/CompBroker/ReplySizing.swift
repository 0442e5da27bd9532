import CompJournal
import CompModel
import CompWire

/// Measures replies with the real codec so that nothing is leased or listed that does not fit in one
/// frame of the advertised size.
enum ReplySizing {
    /// Bytes of a Commands frame with no command.
    static let emptyCommandsBytes = FrameCodec.encodedCount(Frame(requestId: 0, message: .commands(Commands(commands: []))))
    /// Bytes of a ListReply frame with no execution.
    static let emptyListBytes = FrameCodec.encodedCount(Frame(requestId: 0, message: .listReply(ListReply(executions: [], nextCursor: 0))))

    /// The bytes one leased execution adds to a Commands frame.
    static func commandBytes(_ execution: Execution) -> Int {
        FrameCodec.encodedCount(Frame(requestId: 0, message: .commands(Commands(commands: [Mapping.command(execution)]))))
            - emptyCommandsBytes
    }

    /// The bytes one execution view adds to a ListReply frame.
    static func viewBytes(_ view: ExecutionView) -> Int {
        FrameCodec.encodedCount(Frame(requestId: 0, message: .listReply(ListReply(executions: [view], nextCursor: 0))))
            - emptyListBytes
    }

    /// The bytes of a ShowReply frame of `view` and `history` (with the next-page tag when `more`).
    static func showBytes(_ view: ExecutionView, history: [HistoryEntry], more: Bool) -> Int {
        FrameCodec.encodedCount(Frame(requestId: 0, message: .showReply(ShowReply(
            execution: view, history: history, nextHistoryAfter: more ? 0 : nil))))
    }

    /// Bytes left for commands in a frame of `maxFrameBytes`.
    static func commandBudget(maxFrameBytes: Int) -> Int { maxFrameBytes - emptyCommandsBytes }

    /// The journal's lease budget for a frame of `maxFrameBytes`.
    static func leaseBudget(bytes: Int) -> LeaseBudget {
        LeaseBudget(bytes: bytes, size: { commandBytes($0) })
    }
}
