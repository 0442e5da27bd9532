// Session messages: Hello, HelloReply, Heartbeat, HeartbeatReply.
//
// Hello (0x01)                      HelloReply (0x02)
// +------------+--------+           +---------------------+--------+
// | clientName | name   |           | brokerName          | name   |
// | instance   | name   |           | maxFrameBytes       | u32    |
// | tags       | none   |           | maxBatchRecords     | u32    |
// +------------+--------+           | heartbeatIntervalMs | u32    |
//                                   | serverTime          | i64    |
// Heartbeat (0x03)                  | tags                | none   |
// HeartbeatReply (0x04)             +---------------------+--------+
// +-----------------------+-----+
// | sentAt / serverTime   | i64 |
// | tags                  | none|
// +-----------------------+-----+

extension Hello: WireStruct {
    static let minEncodedBytes = 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(clientName)
        sink.writeString(instance)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let clientName = try reader.readName("Hello.clientName")
        let instance = try reader.readName("Hello.instance")
        try reader.skipTaggedSection("Hello")
        self.init(clientName: clientName, instance: instance)
    }
}

extension HelloReply: WireStruct {
    static let minEncodedBytes = 4 + 4 + 4 + 4 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(brokerName)
        sink.writeU32(maxFrameBytes)
        sink.writeU32(maxBatchRecords)
        sink.writeU32(heartbeatIntervalMs)
        sink.writeI64(serverTime)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let brokerName = try reader.readName("HelloReply.brokerName")
        let maxFrameBytes = try reader.readU32("HelloReply.maxFrameBytes")
        let maxBatchRecords = try reader.readU32("HelloReply.maxBatchRecords")
        let heartbeatIntervalMs = try reader.readU32("HelloReply.heartbeatIntervalMs")
        let serverTime = try reader.readI64("HelloReply.serverTime")
        try reader.skipTaggedSection("HelloReply")
        self.init(
            brokerName: brokerName, maxFrameBytes: maxFrameBytes, maxBatchRecords: maxBatchRecords,
            heartbeatIntervalMs: heartbeatIntervalMs, serverTime: serverTime)
    }
}

extension Heartbeat: WireStruct {
    static let minEncodedBytes = 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(sentAt)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let sentAt = try reader.readI64("Heartbeat.sentAt")
        try reader.skipTaggedSection("Heartbeat")
        self.init(sentAt: sentAt)
    }
}

extension HeartbeatReply: WireStruct {
    static let minEncodedBytes = 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(serverTime)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let serverTime = try reader.readI64("HeartbeatReply.serverTime")
        try reader.skipTaggedSection("HeartbeatReply")
        self.init(serverTime: serverTime)
    }
}
