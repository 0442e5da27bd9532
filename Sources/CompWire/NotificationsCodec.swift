// NotificationsRequest (0x3A) and NotificationsReply (0x3B).
//
// NotificationsRequest (0x3A): tags none (the body is just an empty tagged section).
// NotificationsReply (0x3B)
// +-----------+--------------------------------------+
// | notifiers | array of NotifierStatus (≤ 1000)     |
// | tags      | none                                 |
// +-----------+--------------------------------------+
// NotifierStatus                                        min 70 bytes
// +-----------+------------------------------------------------------+
// | name      | name                                                 |
// | kind      | name                                                 |
// | target    | text  scheme://host[:port]                           |
// | events    | array of name (≤ 1000)                               |
// | services  | array of name (≤ 1000); empty = every service        |
// | cursorSeq | i64                                                  |
// | headSeq   | i64                                                  |
// | pending   | u64                                                  |
// | sent      | u64                                                  |
// | retried   | u64                                                  |
// | dropped   | u64                                                  |
// | tags      | 1 lastError text, 2 lastErrorAt time,                |
// |           | 3 oldestPendingAgeMs u64                             |
// +-----------+------------------------------------------------------+

extension NotificationsRequest: WireStruct {
    static let minEncodedBytes = TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        try reader.skipTaggedSection("NotificationsRequest")
        self.init()
    }
}

extension NotifierStatus: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let lastError: UInt16 = 1
        static let lastErrorAt: UInt16 = 2
        static let oldestPendingAgeMs: UInt16 = 3
    }

    static let minEncodedBytes = 4 + 4 + 4 + 4 + 4 + 8 * 6 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(name)
        sink.writeString(kind)
        sink.writeString(target)
        Self.writeNames(events, to: &sink)
        Self.writeNames(services, to: &sink)
        sink.writeI64(cursorSeq)
        sink.writeI64(headSeq)
        sink.writeU64(pending)
        sink.writeU64(sent)
        sink.writeU64(retried)
        sink.writeU64(dropped)
        var tags = sink.beginTaggedSection()
        if let lastError { sink.writeTagged(Tag.lastError, in: &tags) { $0.writeString(lastError) } }
        if let lastErrorAt { sink.writeTagged(Tag.lastErrorAt, in: &tags) { $0.writeI64(lastErrorAt) } }
        if let oldestPendingAgeMs {
            sink.writeTagged(Tag.oldestPendingAgeMs, in: &tags) { $0.writeU64(oldestPendingAgeMs) }
        }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let name = try reader.readName("NotifierStatus.name")
        let kind = try reader.readName("NotifierStatus.kind")
        let target = try reader.readText("NotifierStatus.target")
        let events = try Self.readNames(&reader, "NotifierStatus.events")
        let services = try Self.readNames(&reader, "NotifierStatus.services")
        var status = NotifierStatus(
            name: name, kind: kind, target: target, events: events, services: services,
            cursorSeq: try reader.readI64("NotifierStatus.cursorSeq"), headSeq: try reader.readI64("NotifierStatus.headSeq"),
            pending: try reader.readU64("NotifierStatus.pending"), sent: try reader.readU64("NotifierStatus.sent"),
            retried: try reader.readU64("NotifierStatus.retried"), dropped: try reader.readU64("NotifierStatus.dropped"))
        try reader.readTaggedSection("NotifierStatus") { tag, value throws(WireError) in
            switch tag {
            case Tag.lastError: status.lastError = try value.readText("NotifierStatus.lastError")
            case Tag.lastErrorAt: status.lastErrorAt = try value.readI64("NotifierStatus.lastErrorAt")
            case Tag.oldestPendingAgeMs: status.oldestPendingAgeMs = try value.readU64("NotifierStatus.oldestPendingAgeMs")
            default: return false
            }
            return true
        }
        self = status
    }

    /// A counted array of `name` strings.
    private static func writeNames(_ names: [String], to sink: inout some ByteSink) {
        sink.writeU32(UInt32(truncatingIfNeeded: names.count))
        for name in names { sink.writeString(name) }
    }

    /// Reads a counted array of `name` strings (≤ maxSmallList, each at least its 4-byte length).
    private static func readNames(_ reader: inout ByteReader, _ field: StaticString) throws(WireError) -> [String] {
        let count = try reader.readCount(max: WireLimits.maxSmallList, minItemBytes: 4, field)
        var names: [String] = []
        names.reserveCapacity(count)
        for _ in 0..<count { names.append(try reader.readName(field)) }
        return names
    }
}

extension NotificationsReply: WireStruct {
    static let minEncodedBytes = 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeArray(notifiers)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let notifiers = try reader.readArray(
            of: NotifierStatus.self, max: WireLimits.maxSmallList, "NotificationsReply.notifiers")
        try reader.skipTaggedSection("NotificationsReply")
        self.init(notifiers: notifiers)
    }
}
