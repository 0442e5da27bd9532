// Event (0x40) and ErrorReply (0x7F).
//
// Event (0x40)                            ErrorReply (0x7F)
// +---------------+-----------+           +---------+------+
// | seq           | i64       |           | code    | u16  |
// | at            | i64       |           | message | text |
// | executionId   | i64       |           | tags    | none |
// | kind          | name      |           +---------+------+
// | status        | u8 1...5  |
// | parkReason    | u8 0...4  |
// | retries       | u32       |
// | service       | name      |
// | processor     | name      |
// | function      | name      |
// | eventId       | name      |
// | correlationId | name      |
// | errorCode     | name      |
// | errorMessage  | text      |
// | tags          | 1 actor   |  UTF-8, ≤ 128 bytes (maxActorBytes)

// +---------------+-----------+

extension Event: WireStruct {
    static let minEncodedBytes = 8 + 8 + 8 + 4 + 1 + 1 + 4 + 7 * 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(seq)
        sink.writeI64(at)
        sink.writeI64(executionId)
        sink.writeString(kind)
        sink.writeU8(status)
        sink.writeU8(parkReason)
        sink.writeU32(retries)
        sink.writeString(service)
        sink.writeString(processor)
        sink.writeString(function)
        sink.writeString(eventId)
        sink.writeString(correlationId)
        sink.writeString(errorCode)
        sink.writeString(errorMessage)
        var tags = sink.beginTaggedSection()
        if let actor { sink.writeTagged(Tag.actor, in: &tags) { $0.writeString(actor) } }
        sink.endTaggedSection(tags)
    }

    /// Tag numbers of the optional fields.
    enum Tag {
        static let actor: UInt16 = 1
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let seq = try reader.readI64("Event.seq")
        let at = try reader.readI64("Event.at")
        let executionId = try reader.readI64("Event.executionId")
        let kind = try reader.readName("Event.kind")
        let status = try reader.readStatus("Event.status")
        let parkReason = try reader.readParkReason("Event.parkReason")
        let retries = try reader.readU32("Event.retries")
        let service = try reader.readName("Event.service")
        let processor = try reader.readName("Event.processor")
        let function = try reader.readName("Event.function")
        let eventId = try reader.readName("Event.eventId")
        let correlationId = try reader.readName("Event.correlationId")
        let errorCode = try reader.readName("Event.errorCode")
        let errorMessage = try reader.readText("Event.errorMessage")
        var actor: String?
        try reader.readTaggedSection("Event") { tag, value throws(WireError) in
            guard tag == Tag.actor else { return false }
            actor = try value.readString(max: WireLimits.maxActorBytes, "Event.actor")
            return true
        }
        self.init(
            seq: seq, at: at, executionId: executionId, kind: kind, status: status, parkReason: parkReason,
            retries: retries, service: service, processor: processor, function: function, eventId: eventId,
            correlationId: correlationId, errorCode: errorCode, errorMessage: errorMessage, actor: actor)
    }
}

extension ErrorReply: WireStruct {
    static let minEncodedBytes = 2 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU16(code)
        sink.writeString(message)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let code = try reader.readU16("ErrorReply.code")
        let message = try reader.readText("ErrorReply.message")
        try reader.skipTaggedSection("ErrorReply")
        self.init(code: code, message: message)
    }
}
