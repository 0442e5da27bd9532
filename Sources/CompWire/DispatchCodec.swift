// Dispatch messages: Fetch (0x20), Commands (0x21), ExtendLease (0x22), LeaseReply (0x23).
//
// Fetch (0x20)               RetryCommand                     Commands (0x21)
// +----------+------+        +---------------+--------------+ +----------+------------------------+
// | service  | name |        | executionId   | i64          | | commands | array of RetryCommand  |
// | instance | name |        | attempt       | u32          | |          | (≤ 1000)               |
// | max      | u16  |        | leaseToken    | u64          | | tags     | none                   |
// | waitMs   | u32  |        | leaseDeadline | i64          | +----------+------------------------+
// | tags     | none |        | service       | name         |
// +----------+------+        | processor     | name         | ExtendLease (0x22)
//                            | function      | name         | +------------+----------+
// LeaseReply (0x23)          | eventId       | name         | | lease      | LeaseRef |
// +---------------+-----+    | correlationId | name         | | extendByMs | u32      |
// | status        | u8  |    | lastError     | ErrorDetails | | tags       | none     |
// | leaseDeadline | i64 |    | payload       | payload      | +------------+----------+
// | tags          | none|    | tags: 1 saga SagaCommandRef |
// +---------------+-----+    +---------------+--------------+

extension Fetch: WireStruct {
    static let minEncodedBytes = 4 + 4 + 2 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(service)
        sink.writeString(instance)
        sink.writeU16(max)
        sink.writeU32(waitMs)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let service = try reader.readName("Fetch.service")
        let instance = try reader.readName("Fetch.instance")
        let max = try reader.readU16("Fetch.max")
        let waitMs = try reader.readU32("Fetch.waitMs")
        try reader.skipTaggedSection("Fetch")
        self.init(service: service, instance: instance, max: max, waitMs: waitMs)
    }
}

extension RetryCommand: WireStruct {
    static let minEncodedBytes = 8 + 4 + 8 + 8 + 5 * 4 + ErrorDetails.minEncodedBytes + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(executionId)
        sink.writeU32(attempt)
        sink.writeU64(leaseToken)
        sink.writeI64(leaseDeadline)
        sink.writeString(service)
        sink.writeString(processor)
        sink.writeString(function)
        sink.writeString(eventId)
        sink.writeString(correlationId)
        lastError.encode(to: &sink)
        sink.writeBytes(payload)
        var tags = sink.beginTaggedSection()
        if let saga { sink.writeTagged(1, in: &tags) { saga.encode(to: &$0) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let executionId = try reader.readI64("RetryCommand.executionId")
        let attempt = try reader.readU32("RetryCommand.attempt")
        let leaseToken = try reader.readU64("RetryCommand.leaseToken")
        let leaseDeadline = try reader.readI64("RetryCommand.leaseDeadline")
        let service = try reader.readName("RetryCommand.service")
        let processor = try reader.readName("RetryCommand.processor")
        let function = try reader.readName("RetryCommand.function")
        let eventId = try reader.readName("RetryCommand.eventId")
        let correlationId = try reader.readName("RetryCommand.correlationId")
        let lastError = try ErrorDetails(wire: &reader)
        let payload = try reader.readPayload("RetryCommand.payload")
        var saga: SagaCommandRef?
        try reader.readTaggedSection("RetryCommand") { tag, value throws(WireError) in
            guard tag == 1 else { return false }
            saga = try SagaCommandRef(wire: &value)
            return true
        }
        self.init(
            executionId: executionId, attempt: attempt, leaseToken: leaseToken, leaseDeadline: leaseDeadline,
            service: service, processor: processor, function: function, eventId: eventId,
            correlationId: correlationId, lastError: lastError, payload: payload, saga: saga)
    }
}

extension Commands: WireStruct {
    static let minEncodedBytes = 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeArray(commands)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let commands = try reader.readArray(of: RetryCommand.self, max: WireLimits.maxCommands, "Commands.commands")
        try reader.skipTaggedSection("Commands")
        self.init(commands: commands)
    }
}

extension ExtendLease: WireStruct {
    static let minEncodedBytes = LeaseRef.minEncodedBytes + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        lease.encode(to: &sink)
        sink.writeU32(extendByMs)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let lease = try LeaseRef(wire: &reader)
        let extendByMs = try reader.readU32("ExtendLease.extendByMs")
        try reader.skipTaggedSection("ExtendLease")
        self.init(lease: lease, extendByMs: extendByMs)
    }
}

extension LeaseReply: WireStruct {
    static let minEncodedBytes = 1 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU8(status.rawValue)
        sink.writeI64(leaseDeadline)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let status = try reader.readEnum(OutcomeStatus.self, "LeaseReply.status")
        let leaseDeadline = try reader.readI64("LeaseReply.leaseDeadline")
        try reader.skipTaggedSection("LeaseReply")
        self.init(status: status, leaseDeadline: leaseDeadline)
    }
}
