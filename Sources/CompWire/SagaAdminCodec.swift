// Saga admin: SagaListRequest (0x50), SagaListReply (0x51), SagaShowRequest (0x52), SagaShowReply (0x53),
// SagaAbortRequest (0x54), SagaAbortReply (0x55).
//
// SagaListRequest (0x50)                       SagaView                              min 25 bytes
// +--------+------+---------------------+     +-----------+------------------------------------+
// | cursor | text | "" = first page     |     | id        | name                               |
// | limit  | u16  | 1...1000            |     | status    | u8 1...5                           |
// | tags   | 1 status u8 1...5          |     | stepCount | u16                                |
// +--------+----------------------------+     | createdAt | time                               |
// SagaListReply (0x51)                        | updatedAt | time                               |
// +------------+-------------------------+    | tags      | 1 deadline time, 2 abortCause u8   |
// | sagas      | array of SagaView ≤ 1000|    |           | 1...3, 3 abortStep u16             |
// | nextCursor | text  "" = last page    |    +-----------+------------------------------------+
// | tags       | none                    |
// +------------+-------------------------+    SagaStepView                          min 27 bytes
// SagaShowRequest (0x52)                      +-------------------+------------------------+
// +--------+------+                           | index             | u16                    |
// | sagaId | name |                           | service           | name                   |
// | tags   | none |                           | processor         | name                   |
// +--------+------+                           | eventId           | name                   |
// SagaShowReply (0x53)                        | forward           | name                   |
// +---------+-------------------------------+ | compensation      | name                   |
// | saga    | SagaView                      | | forwardState      | u8 0...3               |
// | steps   | array of SagaStepView ≤ 100   | | compensationState | u8 0...6               |
// | history | array of TimelineEntry ≤ 10000| | forwardUnknown    | bool                   |
// | tags    | 1 omittedEntries u32          | | tags              | 1 forwardExecutionId   |
// +---------+-------------------------------+ |                   | i64, 2 compensation-   |
// SagaAbortRequest (0x54)                     |                   | ExecutionId i64        |
// +--------+----------------------+           +-------------------+------------------------+
// | sagaId | name                 |
// | tags   | 1 actor (≤ 128 bytes)|           SagaAbortReply (0x55)
// +--------+----------------------+           +--------+----------------------------+
//                                             | status | u8 3 ABORTING/4 COMPENSATED |
//                                             | tags   | none                       |
//                                             +--------+----------------------------+

/// The ranges and limits of the saga admin messages.
enum SagaAdminWire {
    /// SagaStatus: 1 RUNNING, 2 COMPLETED, 3 ABORTING, 4 COMPENSATED, 5 STUCK.
    static let status: ClosedRange<UInt8> = 1...5
    /// Abort cause: 1 a step failed, 2 the deadline passed, 3 an operator.
    static let abortCause: ClosedRange<UInt8> = 1...3
    /// Forward state: 0 pending, 1 running, 2 succeeded, 3 failed.
    static let forwardState: ClosedRange<UInt8> = 0...3
    /// Compensation state: 0 none, 1 not needed, 2 waiting, 3 running, 4 succeeded, 5 parked, 6 discarded.
    static let compensationState: ClosedRange<UInt8> = 0...6
    /// Steps of one saga (indexes 0...99).
    static let maxSteps = 100
}

extension SagaListRequest: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let status: UInt16 = 1
    }

    static let minEncodedBytes = 4 + 2 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(cursor)
        sink.writeU16(limit)
        var tags = sink.beginTaggedSection()
        if let status { sink.writeTagged(Tag.status, in: &tags) { $0.writeU8(status) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let cursor = try reader.readText("SagaListRequest.cursor")
        let limit = try reader.readU16("SagaListRequest.limit")
        var status: UInt8?
        try reader.readTaggedSection("SagaListRequest") { tag, value throws(WireError) in
            switch tag {
            case Tag.status: status = try value.readU8(in: SagaAdminWire.status, "SagaListRequest.status")
            default: return false
            }
            return true
        }
        self.init(status: status, cursor: cursor, limit: limit)
    }
}

extension SagaView: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let deadline: UInt16 = 1
        static let abortCause: UInt16 = 2
        static let abortStep: UInt16 = 3
    }

    static let minEncodedBytes = 4 + 1 + 2 + 8 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(id)
        sink.writeU8(status)
        sink.writeU16(stepCount)
        sink.writeI64(createdAt)
        sink.writeI64(updatedAt)
        var tags = sink.beginTaggedSection()
        if let deadline { sink.writeTagged(Tag.deadline, in: &tags) { $0.writeI64(deadline) } }
        if let abortCause { sink.writeTagged(Tag.abortCause, in: &tags) { $0.writeU8(abortCause) } }
        if let abortStep { sink.writeTagged(Tag.abortStep, in: &tags) { $0.writeU16(abortStep) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        var view = SagaView(
            id: try reader.readName("SagaView.id"),
            status: try reader.readU8(in: SagaAdminWire.status, "SagaView.status"),
            stepCount: try reader.readU16("SagaView.stepCount"),
            createdAt: try reader.readI64("SagaView.createdAt"),
            updatedAt: try reader.readI64("SagaView.updatedAt"))
        try reader.readTaggedSection("SagaView") { tag, value throws(WireError) in
            switch tag {
            case Tag.deadline: view.deadline = try value.readI64("SagaView.deadline")
            case Tag.abortCause: view.abortCause = try value.readU8(in: SagaAdminWire.abortCause, "SagaView.abortCause")
            case Tag.abortStep: view.abortStep = try value.readU16("SagaView.abortStep")
            default: return false
            }
            return true
        }
        self = view
    }
}

extension SagaListReply: WireStruct {
    static let minEncodedBytes = 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeArray(sagas)
        sink.writeString(nextCursor)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let sagas = try reader.readArray(of: SagaView.self, max: WireLimits.maxListItems, "SagaListReply.sagas")
        let nextCursor = try reader.readText("SagaListReply.nextCursor")
        try reader.skipTaggedSection("SagaListReply")
        self.init(sagas: sagas, nextCursor: nextCursor)
    }
}

extension SagaShowRequest: WireStruct {
    static let minEncodedBytes = 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(sagaId)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let sagaId = try reader.readName("SagaShowRequest.sagaId")
        try reader.skipTaggedSection("SagaShowRequest")
        self.init(sagaId: sagaId)
    }
}

extension SagaStepView: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let forwardExecutionId: UInt16 = 1
        static let compensationExecutionId: UInt16 = 2
    }

    static let minEncodedBytes = 2 + 5 * 4 + 1 + 1 + 1 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU16(index)
        sink.writeString(service)
        sink.writeString(processor)
        sink.writeString(eventId)
        sink.writeString(forward)
        sink.writeString(compensation)
        sink.writeU8(forwardState)
        sink.writeU8(compensationState)
        sink.writeBool(forwardUnknown)
        var tags = sink.beginTaggedSection()
        if let forwardExecutionId {
            sink.writeTagged(Tag.forwardExecutionId, in: &tags) { $0.writeI64(forwardExecutionId) }
        }
        if let compensationExecutionId {
            sink.writeTagged(Tag.compensationExecutionId, in: &tags) { $0.writeI64(compensationExecutionId) }
        }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        var step = SagaStepView(
            index: try reader.readU16("SagaStepView.index"),
            service: try reader.readName("SagaStepView.service"),
            processor: try reader.readName("SagaStepView.processor"),
            eventId: try reader.readName("SagaStepView.eventId"),
            forward: try reader.readName("SagaStepView.forward"),
            compensation: try reader.readName("SagaStepView.compensation"),
            forwardState: try reader.readU8(in: SagaAdminWire.forwardState, "SagaStepView.forwardState"),
            compensationState: try reader.readU8(in: SagaAdminWire.compensationState, "SagaStepView.compensationState"),
            forwardUnknown: try reader.readBool("SagaStepView.forwardUnknown"))
        try reader.readTaggedSection("SagaStepView") { tag, value throws(WireError) in
            switch tag {
            case Tag.forwardExecutionId: step.forwardExecutionId = try value.readI64("SagaStepView.forwardExecutionId")
            case Tag.compensationExecutionId:
                step.compensationExecutionId = try value.readI64("SagaStepView.compensationExecutionId")
            default: return false
            }
            return true
        }
        self = step
    }
}

extension SagaShowReply: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let omittedEntries: UInt16 = 1
    }

    static let minEncodedBytes = SagaView.minEncodedBytes + 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        saga.encode(to: &sink)
        sink.writeArray(steps)
        sink.writeArray(history)
        var tags = sink.beginTaggedSection()
        if let omittedEntries { sink.writeTagged(Tag.omittedEntries, in: &tags) { $0.writeU32(omittedEntries) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let saga = try SagaView(wire: &reader)
        let steps = try reader.readArray(of: SagaStepView.self, max: SagaAdminWire.maxSteps, "SagaShowReply.steps")
        let history = try reader.readArray(
            of: TimelineEntry.self, max: WireLimits.maxHistoryEntries, "SagaShowReply.history")
        var reply = SagaShowReply(saga: saga, steps: steps, history: history)
        try reader.readTaggedSection("SagaShowReply") { tag, value throws(WireError) in
            switch tag {
            case Tag.omittedEntries: reply.omittedEntries = try value.readU32("SagaShowReply.omittedEntries")
            default: return false
            }
            return true
        }
        self = reply
    }
}

extension SagaAbortRequest: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let actor: UInt16 = 1
    }

    static let minEncodedBytes = 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(sagaId)
        var tags = sink.beginTaggedSection()
        if let actor { sink.writeTagged(Tag.actor, in: &tags) { $0.writeString(actor) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let sagaId = try reader.readName("SagaAbortRequest.sagaId")
        var actor: String?
        try reader.readTaggedSection("SagaAbortRequest") { tag, value throws(WireError) in
            switch tag {
            case Tag.actor: actor = try value.readString(max: WireLimits.maxActorBytes, "SagaAbortRequest.actor")
            default: return false
            }
            return true
        }
        self.init(sagaId: sagaId, actor: actor)
    }
}

extension SagaAbortReply: WireStruct {
    static let minEncodedBytes = 1 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU8(status)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let status = try reader.readU8(in: SagaAdminWire.status, "SagaAbortReply.status")
        try reader.skipTaggedSection("SagaAbortReply")
        self.init(status: status)
    }
}
