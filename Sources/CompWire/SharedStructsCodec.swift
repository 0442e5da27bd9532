// Structs used inside several messages: ErrorDetails, RetrySpecFields, RetrySpecPatch, LeaseRef.
//
// ErrorDetails                      RetrySpecFields
// +---------+--------+              +--------------------+-----+
// | code    | name   |              | maxRetries         | u32 |
// | message | text   |              | minBackoffMs       | u64 |
// | detail  | detail |              | maxBackoffMs       | u64 |
// | tags    | none   |              | executionTimeoutMs | u64 |
// +---------+--------+              | jitterPermille     | u16 |
//                                   | tags: 1 deadline   | i64 |
// LeaseRef                          +--------------------+-----+
// +-------------+-----+
// | executionId | i64 |             RetrySpecPatch: no fixed fields; tags
// | token       | u64 |             1 maxRetries u32, 2 minBackoffMs u64, 3 maxBackoffMs u64,
// | tags        | none|             4 executionTimeoutMs u64, 5 jitterPermille u16, 6 deadline i64
// +-------------+-----+

extension ErrorDetails: WireStruct {
    static let minEncodedBytes = 4 + 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(code)
        sink.writeString(message)
        sink.writeString(detail)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let code = try reader.readName("ErrorDetails.code")
        let message = try reader.readText("ErrorDetails.message")
        let detail = try reader.readDetail("ErrorDetails.detail")
        try reader.skipTaggedSection("ErrorDetails")
        self.init(code: code, message: message, detail: detail)
    }
}

extension RetrySpecFields: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let deadline: UInt16 = 1
    }

    static let minEncodedBytes = 4 + 8 + 8 + 8 + 2 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU32(maxRetries)
        sink.writeU64(minBackoffMs)
        sink.writeU64(maxBackoffMs)
        sink.writeU64(executionTimeoutMs)
        sink.writeU16(jitterPermille)
        var tags = sink.beginTaggedSection()
        if let deadline { sink.writeTagged(Tag.deadline, in: &tags) { $0.writeI64(deadline) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let maxRetries = try reader.readU32("RetrySpecFields.maxRetries")
        let minBackoffMs = try reader.readU64("RetrySpecFields.minBackoffMs")
        let maxBackoffMs = try reader.readU64("RetrySpecFields.maxBackoffMs")
        let executionTimeoutMs = try reader.readU64("RetrySpecFields.executionTimeoutMs")
        let jitterPermille = try reader.readU16("RetrySpecFields.jitterPermille")
        var deadline: Int64?
        try reader.readTaggedSection("RetrySpecFields") { tag, value throws(WireError) in
            switch tag {
            case Tag.deadline: deadline = try value.readI64("RetrySpecFields.deadline")
            default: return false
            }
            return true
        }
        self.init(
            maxRetries: maxRetries, minBackoffMs: minBackoffMs, maxBackoffMs: maxBackoffMs,
            executionTimeoutMs: executionTimeoutMs, jitterPermille: jitterPermille, deadline: deadline)
    }
}

extension RetrySpecPatch: WireStruct {
    /// Tag numbers of the optional fields (all of them).
    enum Tag {
        static let maxRetries: UInt16 = 1
        static let minBackoffMs: UInt16 = 2
        static let maxBackoffMs: UInt16 = 3
        static let executionTimeoutMs: UInt16 = 4
        static let jitterPermille: UInt16 = 5
        static let deadline: UInt16 = 6
    }

    static let minEncodedBytes = TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        var tags = sink.beginTaggedSection()
        if let maxRetries { sink.writeTagged(Tag.maxRetries, in: &tags) { $0.writeU32(maxRetries) } }
        if let minBackoffMs { sink.writeTagged(Tag.minBackoffMs, in: &tags) { $0.writeU64(minBackoffMs) } }
        if let maxBackoffMs { sink.writeTagged(Tag.maxBackoffMs, in: &tags) { $0.writeU64(maxBackoffMs) } }
        if let executionTimeoutMs {
            sink.writeTagged(Tag.executionTimeoutMs, in: &tags) { $0.writeU64(executionTimeoutMs) }
        }
        if let jitterPermille { sink.writeTagged(Tag.jitterPermille, in: &tags) { $0.writeU16(jitterPermille) } }
        if let deadline { sink.writeTagged(Tag.deadline, in: &tags) { $0.writeI64(deadline) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        var patch = RetrySpecPatch()
        try reader.readTaggedSection("RetrySpecPatch") { tag, value throws(WireError) in
            switch tag {
            case Tag.maxRetries: patch.maxRetries = try value.readU32("RetrySpecPatch.maxRetries")
            case Tag.minBackoffMs: patch.minBackoffMs = try value.readU64("RetrySpecPatch.minBackoffMs")
            case Tag.maxBackoffMs: patch.maxBackoffMs = try value.readU64("RetrySpecPatch.maxBackoffMs")
            case Tag.executionTimeoutMs:
                patch.executionTimeoutMs = try value.readU64("RetrySpecPatch.executionTimeoutMs")
            case Tag.jitterPermille: patch.jitterPermille = try value.readU16("RetrySpecPatch.jitterPermille")
            case Tag.deadline: patch.deadline = try value.readI64("RetrySpecPatch.deadline")
            default: return false
            }
            return true
        }
        self = patch
    }
}

extension LeaseRef: WireStruct {
    static let minEncodedBytes = 8 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(executionId)
        sink.writeU64(token)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let executionId = try reader.readI64("LeaseRef.executionId")
        let token = try reader.readU64("LeaseRef.token")
        try reader.skipTaggedSection("LeaseRef")
        self.init(executionId: executionId, token: token)
    }
}
