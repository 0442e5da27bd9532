// Record messages: RecordBatch (0x10) and Ack (0x11), and their items.
//
// Record                                RecordBatch (0x10)
// +---------------------+--------+      +---------+------------------------------+
// | id                  | u128   |      | records | array of Record (≤ 1000)     |
// | kind                | u8 1..3|      | tags    | none                         |
// | service             | name   |      +---------+------------------------------+
// | processor           | name   |
// | function            | name   |      RecordOutcome
// | eventId             | name   |      +-------------+----------------+
// | occurredAt          | i64    |      | status      | u8  0...3      |
// | tags: 1 correlationId name   |      | code        | u16            |
// |       2 error ErrorDetails   |      | executionId | i64            |
// |       3 recoverable u8 0...2 |      | tags: 1 detail text          |
// |       4 retrySpec Patch      |      |       2 leaseToken u64       |
// |       5 payload bytes        |      +-------------+----------------+
// |       6 lease LeaseRef       |
// |       7 saga SagaRef         |      Ack (0x11)
// +------------------------------+      +----------+-------------------------------+
//  kind: 1 failure, 2 success,          | outcomes | array of RecordOutcome (≤1000)|
//        3 started (the intent)         | tags     | none                          |
//                                       +----------+-------------------------------+

extension Record: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let correlationId: UInt16 = 1
        static let error: UInt16 = 2
        static let recoverable: UInt16 = 3
        static let retrySpec: UInt16 = 4
        static let payload: UInt16 = 5
        static let lease: UInt16 = 6
        static let saga: UInt16 = 7
    }

    static let minEncodedBytes = 16 + 1 + 4 * 4 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU128(id)
        sink.writeU8(kind.rawValue)
        sink.writeString(service)
        sink.writeString(processor)
        sink.writeString(function)
        sink.writeString(eventId)
        sink.writeI64(occurredAt)
        var tags = sink.beginTaggedSection()
        if let correlationId { sink.writeTagged(Tag.correlationId, in: &tags) { $0.writeString(correlationId) } }
        if let error { sink.writeTagged(Tag.error, in: &tags) { error.encode(to: &$0) } }
        if let recoverable { sink.writeTagged(Tag.recoverable, in: &tags) { $0.writeU8(recoverable) } }
        if let retrySpec { sink.writeTagged(Tag.retrySpec, in: &tags) { retrySpec.encode(to: &$0) } }
        if let payload { sink.writeTagged(Tag.payload, in: &tags) { $0.writeBytes(payload) } }
        if let lease { sink.writeTagged(Tag.lease, in: &tags) { lease.encode(to: &$0) } }
        if let saga { sink.writeTagged(Tag.saga, in: &tags) { saga.encode(to: &$0) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let id = try reader.readU128("Record.id")
        let kind = try reader.readEnum(RecordKind.self, "Record.kind")
        let service = try reader.readName("Record.service")
        let processor = try reader.readName("Record.processor")
        let function = try reader.readName("Record.function")
        let eventId = try reader.readName("Record.eventId")
        let occurredAt = try reader.readI64("Record.occurredAt")
        // The tagged fields go into locals and the record is made once: filling a `var record` from the closure
        // and assigning it to `self` copied the whole struct three times per record (callgrind, compd's ingress).
        var correlationId: String?
        var error: ErrorDetails?
        var recoverable: UInt8?
        var retrySpec: RetrySpecPatch?
        var payload: [UInt8]?
        var lease: LeaseRef?
        var saga: SagaRef?
        try reader.readTaggedSection("Record") { tag, value throws(WireError) in
            switch tag {
            case Tag.correlationId: correlationId = try value.readName("Record.correlationId")
            case Tag.error: error = try ErrorDetails(wire: &value)
            case Tag.recoverable: recoverable = try value.readRecoverable("Record.recoverable")
            case Tag.retrySpec: retrySpec = try RetrySpecPatch(wire: &value)
            case Tag.payload: payload = try value.readPayload("Record.payload")
            case Tag.lease: lease = try LeaseRef(wire: &value)
            case Tag.saga: saga = try SagaRef(wire: &value)
            default: return false
            }
            return true
        }
        self.init(
            id: id, kind: kind, service: service, processor: processor, function: function, eventId: eventId,
            occurredAt: occurredAt, correlationId: correlationId, error: error, recoverable: recoverable,
            retrySpec: retrySpec, payload: payload, lease: lease, saga: saga)
    }
}

extension RecordBatch: WireStruct {
    static let minEncodedBytes = 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeArray(records)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let records = try reader.readArray(of: Record.self, max: WireLimits.maxBatchRecords, "RecordBatch.records")
        try reader.skipTaggedSection("RecordBatch")
        self.init(records: records)
    }
}

extension RecordOutcome: WireStruct {
    static let minEncodedBytes = 1 + 2 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU8(status.rawValue)
        sink.writeU16(code)
        sink.writeI64(executionId)
        var tags = sink.beginTaggedSection()
        if let detail { sink.writeTagged(Tag.detail, in: &tags) { $0.writeString(detail) } }
        if let leaseToken { sink.writeTagged(Tag.leaseToken, in: &tags) { $0.writeU64(leaseToken) } }
        sink.endTaggedSection(tags)
    }

    /// Tag numbers of the optional fields.
    enum Tag {
        static let detail: UInt16 = 1
        static let leaseToken: UInt16 = 2
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let status = try reader.readEnum(OutcomeStatus.self, "RecordOutcome.status")
        let code = try reader.readU16("RecordOutcome.code")
        let executionId = try reader.readI64("RecordOutcome.executionId")
        var detail: String?
        var leaseToken: UInt64?
        try reader.readTaggedSection("RecordOutcome") { tag, value throws(WireError) in
            switch tag {
            case Tag.detail: detail = try value.readText("RecordOutcome.detail")
            case Tag.leaseToken: leaseToken = try value.readU64("RecordOutcome.leaseToken")
            default: return false
            }
            return true
        }
        self.init(status: status, code: code, executionId: executionId, detail: detail, leaseToken: leaseToken)
    }
}

extension Ack: WireStruct {
    static let minEncodedBytes = 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeArray(outcomes)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let outcomes = try reader.readArray(of: RecordOutcome.self, max: WireLimits.maxBatchRecords, "Ack.outcomes")
        try reader.skipTaggedSection("Ack")
        self.init(outcomes: outcomes)
    }
}
