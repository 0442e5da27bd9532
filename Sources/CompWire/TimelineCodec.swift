// TimelineRequest (0x38), TimelineReply (0x39) and ServiceEvent (0x41).
//
// TimelineRequest (0x38)                TimelineEntry
// +---------------+------+              +-------------+--------------+
// | correlationId | name |              | executionId | i64          |
// | tags          | none |              | entry       | HistoryEntry |
// +---------------+------+              | tags        | none         |
//                                       +-------------+--------------+
// TimelineReply (0x39)
// +------------+------------------------------------------+
// | executions | array of ExecutionView (≤ 1000)          |
// | entries    | array of TimelineEntry (≤ 10000)         |
// | tags       | 1 omittedExecutions u32, 2 omittedEntries u32 |
// +------------+------------------------------------------+
// ServiceEvent (0x41)
// +---------+------+
// | at      | i64  |
// | kind    | name |
// | service | name |
// | tags    | none |
// +---------+------+

extension TimelineRequest: WireStruct {
    static let minEncodedBytes = 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(correlationId)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let correlationId = try reader.readName("TimelineRequest.correlationId")
        try reader.skipTaggedSection("TimelineRequest")
        self.init(correlationId: correlationId)
    }
}

extension TimelineEntry: WireStruct {
    static let minEncodedBytes = 8 + HistoryEntry.minEncodedBytes + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(executionId)
        entry.encode(to: &sink)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let executionId = try reader.readI64("TimelineEntry.executionId")
        let entry = try HistoryEntry(wire: &reader)
        try reader.skipTaggedSection("TimelineEntry")
        self.init(executionId: executionId, entry: entry)
    }
}

extension TimelineReply: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let omittedExecutions: UInt16 = 1
        static let omittedEntries: UInt16 = 2
    }

    static let minEncodedBytes = 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeArray(executions)
        sink.writeArray(entries)
        var tags = sink.beginTaggedSection()
        if let omittedExecutions { sink.writeTagged(Tag.omittedExecutions, in: &tags) { $0.writeU32(omittedExecutions) } }
        if let omittedEntries { sink.writeTagged(Tag.omittedEntries, in: &tags) { $0.writeU32(omittedEntries) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let executions = try reader.readArray(
            of: ExecutionView.self, max: WireLimits.maxListItems, "TimelineReply.executions")
        let entries = try reader.readArray(
            of: TimelineEntry.self, max: WireLimits.maxHistoryEntries, "TimelineReply.entries")
        var reply = TimelineReply(executions: executions, entries: entries)
        try reader.readTaggedSection("TimelineReply") { tag, value throws(WireError) in
            switch tag {
            case Tag.omittedExecutions: reply.omittedExecutions = try value.readU32("TimelineReply.omittedExecutions")
            case Tag.omittedEntries: reply.omittedEntries = try value.readU32("TimelineReply.omittedEntries")
            default: return false
            }
            return true
        }
        self = reply
    }
}

extension ServiceEvent: WireStruct {
    static let minEncodedBytes = 8 + 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(at)
        sink.writeString(kind)
        sink.writeString(service)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let at = try reader.readI64("ServiceEvent.at")
        let kind = try reader.readName("ServiceEvent.kind")
        let service = try reader.readName("ServiceEvent.service")
        try reader.skipTaggedSection("ServiceEvent")
        self.init(at: at, kind: kind, service: service)
    }
}
