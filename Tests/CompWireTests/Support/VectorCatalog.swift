import CompWire

/// Hand-built frames for `proto-spec/vectors/compat/` and `proto-spec/vectors/invalid/`.
enum VectorCatalog {
    /// A frame in a non-canonical form that must still decode to `expected`.
    struct Compat: Sendable {
        var name: String
        var description: String
        var bytes: [UInt8]
        var expected: Frame
    }

    /// A frame the decoder must refuse with `code`.
    struct Invalid: Sendable {
        var name: String
        var description: String
        var bytes: [UInt8]
        var code: ErrorCode
        /// The field the refusal's message begins with (`Struct.field`, or the struct's name for its tagged
        /// section), for the refusals of section 9 that name one.
        var field: String? = nil
    }

    /// The fixed fields of a record (id 1, the given kind, services "s", "p", "f", "e", time 0).
    static func recordFields(_ body: Bytes, kind: UInt8 = 1) {
        body.u128(1).u8(kind).string("s").string("p").string("f").string("e").i64(0)
    }

    static let compat: [Compat] = [
        Compat(
            name: "record_batch_unknown_tags",
            description: "RecordBatch whose record has unknown tag 99 between known tags 3 and 1 (out of order), and whose body has unknown tag 7",
            bytes: Bytes.frame(type: 0x10, requestId: 5, body: Bytes.body { body in
                body.u32(1)
                recordFields(body)
                body.u16(3)
                body.u16(3).u32(1).u8(2)                     // recoverable = 2
                body.u16(99).u32(3).raw([0xde, 0xad, 0x00])  // unknown: skipped
                body.u16(1).u32(8).string("corr")            // correlationId
                body.u16(1)
                body.u16(7).u32(2).u16(0xbeef)               // unknown body field: skipped
            }),
            expected: Frame(requestId: 5, message: .recordBatch(RecordBatch(records: [
                Record(id: 1, kind: .failure, service: "s", processor: "p", function: "f", eventId: "e",
                       occurredAt: 0, correlationId: "corr", recoverable: 2),
            ])))),
        Compat(
            name: "hello_future_field",
            description: "Hello with an unknown tag 1 (a field a later version may add) and non-zero header flags (bit 1; bit 0 is the auth flag)",
            bytes: Bytes.frame(type: 0x01, requestId: 6, flags: 0x8002, body: Bytes.body { body in
                body.string("future-client/9").string("")
                body.u16(1).u16(1).u32(4).u32(0x0000_0001)
            }),
            expected: Frame(requestId: 6, flags: 0x8002, message: .hello(Hello(clientName: "future-client/9")))),
    ]

    static let heartbeatBody = Bytes.body { $0.i64(1_718_000_000_000).noTags() }

    static let invalid: [Invalid] = [
        Invalid(name: "empty", description: "no bytes at all", bytes: [], code: .malformedFrame),
        Invalid(name: "truncated_prefix", description: "two bytes: no complete length prefix",
                bytes: [0x00, 0x00], code: .malformedFrame),
        Invalid(name: "truncated_header", description: "length prefix says 8, only 3 header bytes follow",
                bytes: [0x00, 0x00, 0x00, 0x08, 0x01, 0x03, 0x00], code: .malformedFrame),
        Invalid(name: "length_mismatch", description: "Heartbeat whose length prefix claims one byte more than was sent",
                bytes: {
                    var frame = Bytes.frame(type: 0x03, body: heartbeatBody)
                    frame[3] += 1
                    return frame
                }(), code: .lengthMismatch),
        Invalid(name: "oversized_frame", description: "header declaring 4 MiB after the prefix (4 MiB + 4 in all, over maxFrameBytes)",
                bytes: [0x00, 0x40, 0x00, 0x00, 0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01], code: .frameTooLarge),
        Invalid(name: "unknown_version", description: "Heartbeat with protocol version 2",
                bytes: Bytes.frame(type: 0x03, version: 2, body: heartbeatBody), code: .unsupportedVersion),
        Invalid(name: "unknown_type", description: "message type 0xf0, which no version defines",
                bytes: Bytes.frame(type: 0xF0, body: heartbeatBody), code: .unknownMessageType),
        Invalid(name: "truncated_body", description: "Heartbeat body cut to 4 bytes, length prefix matching",
                bytes: Bytes.frame(type: 0x03, body: Array(heartbeatBody.prefix(4))), code: .malformedFrame),
        Invalid(name: "trailing_bytes", description: "Heartbeat with one byte after its tagged section",
                bytes: Bytes.frame(type: 0x03, body: heartbeatBody + [0x00]), code: .malformedFrame),
        Invalid(name: "string_over_limit", description: "Hello whose clientName is 257 bytes (maxNameBytes is 256)",
                bytes: Bytes.frame(type: 0x01, body: Bytes.body {
                    $0.string(String(repeating: "a", count: 257)).string("").noTags()
                }), code: .limitExceeded, field: "Hello.clientName"),
        Invalid(name: "string_length_huge", description: "Hello whose clientName declares 0xFFFFFFFF bytes in a tiny frame",
                bytes: Bytes.frame(type: 0x01, body: Bytes.body { $0.u32(0xFFFF_FFFF).raw([0x61]) }),
                code: .limitExceeded, field: "Hello.clientName"),
        Invalid(name: "payload_over_limit", description: "record payload (tag 5) declaring 262145 bytes (maxPayloadBytes is 262144)",
                bytes: Bytes.frame(type: 0x10, body: Bytes.body { body in
                    body.u32(1)
                    recordFields(body)
                    body.u16(1).u16(5).u32(4).u32(262_145)
                    body.noTags()
                }), code: .limitExceeded, field: "Record.payload"),
        Invalid(name: "count_over_limit", description: "RecordBatch claiming 4294967295 records in a 14-byte frame",
                bytes: Bytes.frame(type: 0x10, body: Bytes.body { $0.u32(0xFFFF_FFFF).noTags() }), code: .limitExceeded,
                field: "RecordBatch.records"),
        Invalid(name: "count_over_limit_by_one", description: "RecordBatch claiming 1001 records (maxBatchRecords is 1000)",
                bytes: Bytes.frame(type: 0x10, body: Bytes.body { $0.u32(1001).noTags() }), code: .limitExceeded,
                field: "RecordBatch.records"),
        Invalid(name: "count_exceeds_bytes", description: "RecordBatch claiming 1000 records with 2 bytes left (each takes at least 43)",
                bytes: Bytes.frame(type: 0x10, body: Bytes.body { $0.u32(1000).noTags() }), code: .malformedFrame),
        Invalid(name: "tag_count_over_limit", description: "Heartbeat whose tagged section claims 65 fields (maxTaggedFields is 64)",
                bytes: Bytes.frame(type: 0x03, body: Bytes.body { $0.i64(0).u16(65) }), code: .limitExceeded,
                field: "Heartbeat"),
        Invalid(name: "text_over_limit", description: "RecordBatch (request 15) whose failure's ErrorDetails.message is 4097 bytes (maxMessageBytes is 4096); answered by error_reply_limit_exceeded",
                bytes: Bytes.frame(type: 0x10, requestId: 15, body: Bytes.body { body in
                    body.u32(1)
                    recordFields(body)
                    let error = Bytes.body { $0.string("E").string(String(repeating: "m", count: 4097)).string("").noTags() }
                    body.u16(1).u16(2).u32(UInt32(error.count)).raw(error)
                    body.noTags()
                }), code: .limitExceeded, field: "ErrorDetails.message"),
        Invalid(name: "invalid_utf8", description: "Hello whose clientName is C3 28 (a broken two-byte sequence)",
                bytes: Bytes.frame(type: 0x01, body: Bytes.body { $0.lengthPrefixed([0xC3, 0x28]).string("").noTags() }),
                code: .invalidUTF8),
        Invalid(name: "invalid_utf8_surrogate", description: "Hello whose instance is ED A0 80 (an encoded UTF-16 surrogate)",
                bytes: Bytes.frame(type: 0x01, body: Bytes.body { $0.string("c").lengthPrefixed([0xED, 0xA0, 0x80]).noTags() }),
                code: .invalidUTF8),
        Invalid(name: "bad_bool", description: "StatsReply whose ServiceStats.paused byte is 2",
                bytes: Bytes.frame(type: 0x37, body: Bytes.body { body in
                    body.u32(0).u32(1).string("orders").u8(2).u32(0).u32(0).noTags()
                    for _ in 0..<8 { body.u64(0) }
                    body.noTags()
                }), code: .invalidField),
        Invalid(name: "bad_record_kind", description: "RecordBatch whose record kind is 4 (only 1 failure, 2 success, 3 started)",
                bytes: Bytes.frame(type: 0x10, body: Bytes.body { body in
                    body.u32(1)
                    recordFields(body, kind: 4)
                    body.noTags().noTags()
                }), code: .invalidField),
        Invalid(name: "bad_outcome_status", description: "Ack whose outcome status is 4 (0...3)",
                bytes: Bytes.frame(type: 0x11, body: Bytes.body { $0.u32(1).u8(4).u16(0).i64(0).noTags().noTags() }),
                code: .invalidField),
        Invalid(name: "bad_status", description: "ListRequest whose filter names status 6 (1...5)",
                bytes: Bytes.frame(type: 0x30, body: Bytes.body { $0.u32(1).u8(6).noTags().i64(0).u16(10).noTags() }),
                code: .invalidField),
        Invalid(name: "bad_recoverable", description: "record whose recoverable tag (3) holds 3 (0...2)",
                bytes: Bytes.frame(type: 0x10, body: Bytes.body { body in
                    body.u32(1)
                    recordFields(body)
                    body.u16(1).u16(3).u32(1).u8(3)
                    body.noTags()
                }), code: .invalidField),
        Invalid(name: "bad_action_discriminator", description: "ActionRequest whose action discriminator is 9 (1...8)",
                bytes: Bytes.frame(type: 0x34, body: Bytes.body { $0.u8(9).u8(1).i64(42).noTags() }),
                code: .invalidField),
        Invalid(name: "bad_target_discriminator", description: "ActionRequest whose target discriminator is 0 (1...3)",
                bytes: Bytes.frame(type: 0x34, body: Bytes.body { $0.u8(1).u8(0).i64(42).noTags() }),
                code: .invalidField),
        Invalid(name: "actor_over_limit", description: "ActionRequest whose actor (tag 2) is 129 bytes (maxActorBytes is 128)",
                bytes: Bytes.frame(type: 0x34, body: Bytes.body { body in
                    body.u8(2).u8(1).i64(41)
                    body.u16(1).u16(2).u32(4 + 129).string(String(repeating: "a", count: 129))
                }), code: .limitExceeded, field: "ActionRequest.actor"),
        Invalid(name: "bad_list_sort", description: "ListRequest whose sort (tag 1) is 2 (0...1)",
                bytes: Bytes.frame(type: 0x30, body: Bytes.body { body in
                    body.u32(0).noTags().i64(0).u16(10)
                    body.u16(1).u16(1).u32(1).u8(2)
                }), code: .invalidField, field: "ListRequest.sort"),
        Invalid(name: "notifier_events_over_limit", description: "NotificationsReply whose notifier lists 1001 event kinds (maxSmallList is 1000), 64 zero bytes after the count",
                bytes: Bytes.frame(type: 0x3B, body: Bytes.body { body in
                    body.u32(1).string("hook").string("webhook").string("http://127.0.0.1:9000").u32(1001)
                    body.raw([UInt8](repeating: 0, count: 64))  // room for one notifier's fixed fields
                }), code: .limitExceeded, field: "NotifierStatus.events"),
        Invalid(name: "notifier_target_invalid_utf8", description: "NotificationsReply whose notifier target is 68 74 74 70 FF (not UTF-8)",
                bytes: Bytes.frame(type: 0x3B, body: Bytes.body { body in
                    body.u32(1).string("hook").string("webhook").lengthPrefixed([0x68, 0x74, 0x74, 0x70, 0xFF])
                    body.u32(0).u32(0)
                    for _ in 0..<6 { body.u64(0) }
                    body.noTags().noTags()
                }), code: .invalidUTF8, field: "NotifierStatus.target"),
        Invalid(name: "event_actor_over_limit", description: "Event whose actor (tag 1) is 129 bytes (maxActorBytes is 128)",
                bytes: Bytes.frame(type: 0x40, body: Bytes.body { body in
                    body.i64(120).i64(0).i64(41).string("discard").u8(5).u8(0).u32(0)
                    for _ in 0..<7 { body.string("") }
                    body.u16(1).u16(1).u32(4 + 129).string(String(repeating: "a", count: 129))
                }), code: .limitExceeded, field: "Event.actor"),
        Invalid(name: "bad_saga_status", description: "SagaListRequest whose status (tag 1) is 6 (1...5)",
                bytes: Bytes.frame(type: 0x50, body: Bytes.body { body in
                    body.string("").u16(10)
                    body.u16(1).u16(1).u32(1).u8(6)
                }), code: .invalidField, field: "SagaListRequest.status"),
        Invalid(name: "saga_steps_over_limit", description: "SagaShowReply claiming 101 steps (a saga has at most 100)",
                bytes: Bytes.frame(type: 0x53, body: Bytes.body { body in
                    body.string("order-1").u8(1).u16(101).i64(0).i64(0).noTags()
                    body.u32(101)
                    body.raw([UInt8](repeating: 0, count: 64))
                }), code: .limitExceeded, field: "SagaShowReply.steps"),
        Invalid(name: "bad_compensation_state", description: "SagaShowReply whose step's compensationState is 7 (0...6)",
                bytes: Bytes.frame(type: 0x53, body: Bytes.body { body in
                    body.string("order-1").u8(3).u16(1).i64(0).i64(0).noTags()
                    body.u32(1).u16(0).string("s").string("p").string("e").string("f").string("c").u8(2).u8(7).u8(0).noTags()
                    body.u32(0).noTags()
                }), code: .invalidField, field: "SagaStepView.compensationState"),
        Invalid(name: "bad_key_role", description: "KeyCreateRequest whose role is 3 (1 subscriber, 2 operator)",
                bytes: Bytes.frame(type: 0x60, body: Bytes.body { $0.string("ops").u8(3).u32(0).noTags() }),
                code: .invalidField, field: "KeyCreateRequest.role"),
        Invalid(name: "key_services_over_limit", description: "KeyCreateRequest claiming 101 services (a key has at most 100)",
                bytes: Bytes.frame(type: 0x60, body: Bytes.body { body in
                    body.string("workers").u8(1).u32(101)
                    for _ in 0..<101 { body.string("s") }
                    body.noTags()
                }), code: .limitExceeded, field: "KeyCreateRequest.services"),
        Invalid(name: "key_secret_truncated", description: "KeyCreateReply whose secret stops after 16 of its 32 bytes",
                bytes: Bytes.frame(type: 0x61, body: Bytes.body { body in
                    body.string("k_0123456789abcdef").string("w").u8(1).u32(1).string("billing").i64(0).noTags()
                    body.raw(Array(0..<16))
                }), code: .malformedFrame, field: "KeyCreateReply.secret"),
        Invalid(name: "key_view_bad_role", description: "KeyListReply whose key has role 0 (1...2)",
                bytes: Bytes.frame(type: 0x63, body: Bytes.body { body in
                    body.u32(1).string("k_0123456789abcdef").string("w").u8(0).u32(0).i64(0).noTags()
                    body.string("").noTags()
                }), code: .invalidField, field: "KeyView.role"),
        Invalid(name: "key_revoke_id_invalid_utf8", description: "KeyRevokeRequest whose keyId is not UTF-8 (ff fe)",
                bytes: Bytes.frame(type: 0x64, body: Bytes.body { $0.u32(2).u8(0xff).u8(0xfe).noTags() }),
                code: .invalidUTF8, field: "KeyRevokeRequest.keyId"),
        Invalid(name: "duplicate_tag", description: "record with correlationId (tag 1) twice",
                bytes: Bytes.frame(type: 0x10, body: Bytes.body { body in
                    body.u32(1)
                    recordFields(body)
                    body.u16(2)
                    body.u16(1).u32(5).string("a")
                    body.u16(1).u32(5).string("b")
                    body.noTags()
                }), code: .malformedFrame),
        Invalid(name: "duplicate_unknown_tag", description: "Heartbeat whose tagged section holds unknown tag 9 twice",
                bytes: Bytes.frame(type: 0x03, body: Bytes.body { $0.i64(0).u16(2).u16(9).u32(0).u16(9).u32(0) }),
                code: .malformedFrame),
        Invalid(name: "tag_value_too_long", description: "record whose recoverable tag (3) declares 2 bytes for a u8",
                bytes: Bytes.frame(type: 0x10, body: Bytes.body { body in
                    body.u32(1)
                    recordFields(body)
                    body.u16(1).u16(3).u32(2).u8(1).u8(0)
                    body.noTags()
                }), code: .malformedFrame),
        Invalid(name: "tag_length_past_end", description: "Heartbeat whose tag declares 100 bytes with none left",
                bytes: Bytes.frame(type: 0x03, body: Bytes.body { $0.i64(0).u16(1).u16(9).u32(100) }),
                code: .malformedFrame),
    ]
}
