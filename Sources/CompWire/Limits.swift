/// The protocol's hard limits. A decoder rejects anything above them before allocating.
public enum WireLimits {
    /// The only protocol version this codec speaks.
    public static let protocolVersion: UInt8 = 1
    /// Bytes in the frame header after the length prefix: version, type, flags, request id.
    public static let headerBytes = 8
    /// The largest frame (length prefix included) any peer may send.
    public static let maxFrameBytes = 4 * 1024 * 1024
    /// The smallest frame limit a broker may advertise in `HelloReply.maxFrameBytes` (512 KiB).
    ///
    /// Any single record (a `RecordBatch` of one record with every field at its maximum) and any single
    /// command (a `Commands` reply of one command with the largest payload and names) encode within it,
    /// so a sender can always make progress one record or one command at a time.
    public static let minFrameBytes = 512 * 1024
    /// The longest name-like string: service, processor, function, event id, correlation id,
    /// instance, error code, client name.
    public static let maxNameBytes = 256
    /// The longest error message.
    public static let maxMessageBytes = 4096
    /// The longest error detail (stack trace).
    public static let maxDetailBytes = 16 * 1024
    /// The largest payload carried by a record or command.
    public static let maxPayloadBytes = 256 * 1024
    /// Records in one batch.
    public static let maxBatchRecords = 1000
    /// Commands in one reply, and the largest `max` a fetch may ask for.
    public static let maxCommands = 1000
    /// Executions in one list reply, and the largest list limit.
    public static let maxListItems = 1000
    /// Entries in one history.
    public static let maxHistoryEntries = 10_000
    /// Statuses or other small lists inside a filter; stats rows; failures in an action reply.
    public static let maxSmallList = 1000
    /// The longest actor (ActionRequest.actor, HistoryEntry.actor): who did an operator action.
    public static let maxActorBytes = 128
    /// Tagged fields in one tagged section.
    public static let maxTaggedFields = 64
}
