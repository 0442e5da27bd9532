// Admin queries: ListRequest (0x30), ListReply (0x31), ShowRequest (0x32), ShowReply (0x33).
//
// Filter                                   ExecutionView
// +-----------------------------------+    +----------------------+-----------------+
// | statuses | u32 count (≤ 1000),    |    | id                   | i64             |
// |          | then u8 each, 1...5    |    | status               | u8 1...5        |
// | tags: 1 parkReason u8 0...4       |    | parkReason           | u8 0...4        |
// |       2 service, 3 processor,     |    | recoverable          | u8 0...2        |
// |       4 function, 5 eventId,      |    | markedByOperator     | bool            |
// |       6 correlationId,            |    | retries              | u32             |
// |       7 errorCode (names)         |    | spec                 | RetrySpecFields |
// +-----------------------------------+    | service ... eventId  | 4 × name        |
//                                          | correlationId        | name            |
// ListRequest (0x30)                       | error                | ErrorDetails    |
// +--------+----------------+              | payloadBytes         | u32             |
// | filter | Filter         |              | createdAt            | i64             |
// | cursor | i64            |              | updatedAt            | i64             |
// | limit  | u16            |              | tags: 1 nextRetryAt i64, 2 leaseHolder |
// | tags   | 1 sort u8 0..1 |              |   name, 3 leaseUntil i64, 4 leaseToken |
// |        | 2 cursorKey i64|              |   u64                                  |
// +--------+----------------+              +----------------------------------------+
//                                          +----------------------------------------+
// ListReply (0x31): executions (array of ExecutionView, ≤ 1000), nextCursor i64, tags 1 nextCursorKey i64.
// ShowRequest (0x32): executionId i64, tags 1 historyAfter i64, 2 withPayload bool.
// HistoryEntry: seq i64, at i64, kind name, summary text, tags 1 recordId u128, 2 actor (≤ 128 bytes).
// ShowReply (0x33): execution ExecutionView, history (array of HistoryEntry, ≤ 10000),
//                   tags 1 nextHistoryAfter i64.

extension Filter: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let parkReason: UInt16 = 1
        static let service: UInt16 = 2
        static let processor: UInt16 = 3
        static let function: UInt16 = 4
        static let eventId: UInt16 = 5
        static let correlationId: UInt16 = 6
        static let errorCode: UInt16 = 7
        static let recoverable: UInt16 = 8
        static let createdAfter: UInt16 = 9
        static let createdBefore: UInt16 = 10
        static let nextRetryBefore: UInt16 = 11
    }

    static let minEncodedBytes = 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU32(UInt32(truncatingIfNeeded: statuses.count))
        sink.append(contentsOf: statuses)
        var tags = sink.beginTaggedSection()
        if let parkReason { sink.writeTagged(Tag.parkReason, in: &tags) { $0.writeU8(parkReason) } }
        if let service { sink.writeTagged(Tag.service, in: &tags) { $0.writeString(service) } }
        if let processor { sink.writeTagged(Tag.processor, in: &tags) { $0.writeString(processor) } }
        if let function { sink.writeTagged(Tag.function, in: &tags) { $0.writeString(function) } }
        if let eventId { sink.writeTagged(Tag.eventId, in: &tags) { $0.writeString(eventId) } }
        if let correlationId { sink.writeTagged(Tag.correlationId, in: &tags) { $0.writeString(correlationId) } }
        if let errorCode { sink.writeTagged(Tag.errorCode, in: &tags) { $0.writeString(errorCode) } }
        if let recoverable { sink.writeTagged(Tag.recoverable, in: &tags) { $0.writeU8(recoverable) } }
        if let createdAfter { sink.writeTagged(Tag.createdAfter, in: &tags) { $0.writeI64(createdAfter) } }
        if let createdBefore { sink.writeTagged(Tag.createdBefore, in: &tags) { $0.writeI64(createdBefore) } }
        if let nextRetryBefore { sink.writeTagged(Tag.nextRetryBefore, in: &tags) { $0.writeI64(nextRetryBefore) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let count = try reader.readCount(max: WireLimits.maxSmallList, minItemBytes: 1, "Filter.statuses")
        var filter = Filter()
        filter.statuses.reserveCapacity(count)
        for _ in 0..<count {
            filter.statuses.append(try reader.readStatus("Filter.statuses"))
        }
        try reader.readTaggedSection("Filter") { tag, value throws(WireError) in
            switch tag {
            case Tag.parkReason: filter.parkReason = try value.readParkReason("Filter.parkReason")
            case Tag.service: filter.service = try value.readName("Filter.service")
            case Tag.processor: filter.processor = try value.readName("Filter.processor")
            case Tag.function: filter.function = try value.readName("Filter.function")
            case Tag.eventId: filter.eventId = try value.readName("Filter.eventId")
            case Tag.correlationId: filter.correlationId = try value.readName("Filter.correlationId")
            case Tag.errorCode: filter.errorCode = try value.readName("Filter.errorCode")
            case Tag.recoverable: filter.recoverable = try value.readRecoverable("Filter.recoverable")
            case Tag.createdAfter: filter.createdAfter = try value.readI64("Filter.createdAfter")
            case Tag.createdBefore: filter.createdBefore = try value.readI64("Filter.createdBefore")
            case Tag.nextRetryBefore: filter.nextRetryBefore = try value.readI64("Filter.nextRetryBefore")
            default: return false
            }
            return true
        }
        self = filter
    }
}

extension ListRequest: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let sort: UInt16 = 1
        static let cursorKey: UInt16 = 2
    }

    static let minEncodedBytes = Filter.minEncodedBytes + 8 + 2 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        filter.encode(to: &sink)
        sink.writeI64(cursor)
        sink.writeU16(limit)
        var tags = sink.beginTaggedSection()
        if sort != .newest { sink.writeTagged(Tag.sort, in: &tags) { $0.writeU8(sort.rawValue) } }
        if let cursorKey { sink.writeTagged(Tag.cursorKey, in: &tags) { $0.writeI64(cursorKey) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let filter = try Filter(wire: &reader)
        let cursor = try reader.readI64("ListRequest.cursor")
        let limit = try reader.readU16("ListRequest.limit")
        var sort = ListSort.newest
        var cursorKey: Int64?
        try reader.readTaggedSection("ListRequest") { tag, value throws(WireError) in
            switch tag {
            case Tag.sort: sort = try value.readEnum(ListSort.self, "ListRequest.sort")
            case Tag.cursorKey: cursorKey = try value.readI64("ListRequest.cursorKey")
            default: return false
            }
            return true
        }
        self.init(filter: filter, cursor: cursor, limit: limit, sort: sort, cursorKey: cursorKey)
    }
}

extension ExecutionView: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let nextRetryAt: UInt16 = 1
        static let leaseHolder: UInt16 = 2
        static let leaseUntil: UInt16 = 3
        static let leaseToken: UInt16 = 4
    }

    static let minEncodedBytes = 8 + 1 + 1 + 1 + 1 + 4 + RetrySpecFields.minEncodedBytes + 5 * 4
        + ErrorDetails.minEncodedBytes + 4 + 8 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(id)
        sink.writeU8(status)
        sink.writeU8(parkReason)
        sink.writeU8(recoverable)
        sink.writeBool(markedByOperator)
        sink.writeU32(retries)
        spec.encode(to: &sink)
        sink.writeString(service)
        sink.writeString(processor)
        sink.writeString(function)
        sink.writeString(eventId)
        sink.writeString(correlationId)
        error.encode(to: &sink)
        sink.writeU32(payloadBytes)
        sink.writeI64(createdAt)
        sink.writeI64(updatedAt)
        var tags = sink.beginTaggedSection()
        if let nextRetryAt { sink.writeTagged(Tag.nextRetryAt, in: &tags) { $0.writeI64(nextRetryAt) } }
        if let leaseHolder { sink.writeTagged(Tag.leaseHolder, in: &tags) { $0.writeString(leaseHolder) } }
        if let leaseUntil { sink.writeTagged(Tag.leaseUntil, in: &tags) { $0.writeI64(leaseUntil) } }
        if let leaseToken { sink.writeTagged(Tag.leaseToken, in: &tags) { $0.writeU64(leaseToken) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let id = try reader.readI64("ExecutionView.id")
        let status = try reader.readStatus("ExecutionView.status")
        let parkReason = try reader.readParkReason("ExecutionView.parkReason")
        let recoverable = try reader.readRecoverable("ExecutionView.recoverable")
        let markedByOperator = try reader.readBool("ExecutionView.markedByOperator")
        let retries = try reader.readU32("ExecutionView.retries")
        let spec = try RetrySpecFields(wire: &reader)
        let service = try reader.readName("ExecutionView.service")
        let processor = try reader.readName("ExecutionView.processor")
        let function = try reader.readName("ExecutionView.function")
        let eventId = try reader.readName("ExecutionView.eventId")
        let correlationId = try reader.readName("ExecutionView.correlationId")
        let error = try ErrorDetails(wire: &reader)
        let payloadBytes = try reader.readU32("ExecutionView.payloadBytes")
        let createdAt = try reader.readI64("ExecutionView.createdAt")
        let updatedAt = try reader.readI64("ExecutionView.updatedAt")
        var view = ExecutionView(
            id: id, status: status, parkReason: parkReason, recoverable: recoverable,
            markedByOperator: markedByOperator, retries: retries, spec: spec, service: service,
            processor: processor, function: function, eventId: eventId, correlationId: correlationId,
            error: error, payloadBytes: payloadBytes, createdAt: createdAt, updatedAt: updatedAt)
        try reader.readTaggedSection("ExecutionView") { tag, value throws(WireError) in
            switch tag {
            case Tag.nextRetryAt: view.nextRetryAt = try value.readI64("ExecutionView.nextRetryAt")
            case Tag.leaseHolder: view.leaseHolder = try value.readName("ExecutionView.leaseHolder")
            case Tag.leaseUntil: view.leaseUntil = try value.readI64("ExecutionView.leaseUntil")
            case Tag.leaseToken: view.leaseToken = try value.readU64("ExecutionView.leaseToken")
            default: return false
            }
            return true
        }
        self = view
    }
}

extension ListReply: WireStruct {
    static let minEncodedBytes = 4 + 8 + TaggedSection.emptyBytes

    /// Tag numbers of the optional fields.
    enum Tag {
        static let nextCursorKey: UInt16 = 1
    }

    func encode(to sink: inout some ByteSink) {
        sink.writeArray(executions)
        sink.writeI64(nextCursor)
        var tags = sink.beginTaggedSection()
        if let nextCursorKey { sink.writeTagged(Tag.nextCursorKey, in: &tags) { $0.writeI64(nextCursorKey) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let executions = try reader.readArray(
            of: ExecutionView.self, max: WireLimits.maxListItems, "ListReply.executions")
        let nextCursor = try reader.readI64("ListReply.nextCursor")
        var nextCursorKey: Int64?
        try reader.readTaggedSection("ListReply") { tag, value throws(WireError) in
            guard tag == Tag.nextCursorKey else { return false }
            nextCursorKey = try value.readI64("ListReply.nextCursorKey")
            return true
        }
        self.init(executions: executions, nextCursor: nextCursor, nextCursorKey: nextCursorKey)
    }
}

extension ShowRequest: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let historyAfter: UInt16 = 1
        static let withPayload: UInt16 = 2
    }

    static let minEncodedBytes = 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(executionId)
        var tags = sink.beginTaggedSection()
        if let historyAfter { sink.writeTagged(Tag.historyAfter, in: &tags) { $0.writeI64(historyAfter) } }
        if withPayload { sink.writeTagged(Tag.withPayload, in: &tags) { $0.writeU8(1) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let executionId = try reader.readI64("ShowRequest.executionId")
        var historyAfter: Int64?
        var withPayload = false
        try reader.readTaggedSection("ShowRequest") { tag, value throws(WireError) in
            switch tag {
            case Tag.historyAfter: historyAfter = try value.readI64("ShowRequest.historyAfter")
            case Tag.withPayload: withPayload = try value.readBool("ShowRequest.withPayload")
            default: return false
            }
            return true
        }
        self.init(executionId: executionId, historyAfter: historyAfter, withPayload: withPayload)
    }
}

extension HistoryEntry: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let recordId: UInt16 = 1
        static let actor: UInt16 = 2
    }

    static let minEncodedBytes = 8 + 8 + 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(seq)
        sink.writeI64(at)
        sink.writeString(kind)
        sink.writeString(summary)
        var tags = sink.beginTaggedSection()
        if let recordId { sink.writeTagged(Tag.recordId, in: &tags) { $0.writeU128(recordId) } }
        if let actor { sink.writeTagged(Tag.actor, in: &tags) { $0.writeString(actor) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let seq = try reader.readI64("HistoryEntry.seq")
        let at = try reader.readI64("HistoryEntry.at")
        let kind = try reader.readName("HistoryEntry.kind")
        let summary = try reader.readText("HistoryEntry.summary")
        var recordId: UInt128?
        var actor: String?
        try reader.readTaggedSection("HistoryEntry") { tag, value throws(WireError) in
            switch tag {
            case Tag.recordId: recordId = try value.readU128("HistoryEntry.recordId")
            case Tag.actor: actor = try value.readString(max: WireLimits.maxActorBytes, "HistoryEntry.actor")
            default: return false
            }
            return true
        }
        self.init(seq: seq, at: at, kind: kind, recordId: recordId, summary: summary, actor: actor)
    }
}

extension ShowReply: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let nextHistoryAfter: UInt16 = 1
        static let payload: UInt16 = 2
    }

    static let minEncodedBytes = ExecutionView.minEncodedBytes + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        execution.encode(to: &sink)
        sink.writeArray(history)
        var tags = sink.beginTaggedSection()
        if let nextHistoryAfter {
            sink.writeTagged(Tag.nextHistoryAfter, in: &tags) { $0.writeI64(nextHistoryAfter) }
        }
        if let payload { sink.writeTagged(Tag.payload, in: &tags) { $0.writeBytes(payload) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let execution = try ExecutionView(wire: &reader)
        let history = try reader.readArray(
            of: HistoryEntry.self, max: WireLimits.maxHistoryEntries, "ShowReply.history")
        var nextHistoryAfter: Int64?
        var payload: [UInt8]?
        try reader.readTaggedSection("ShowReply") { tag, value throws(WireError) in
            switch tag {
            case Tag.nextHistoryAfter: nextHistoryAfter = try value.readI64("ShowReply.nextHistoryAfter")
            case Tag.payload: payload = try value.readPayload("ShowReply.payload")
            default: return false
            }
            return true
        }
        self.init(execution: execution, history: history, nextHistoryAfter: nextHistoryAfter, payload: payload)
    }
}
