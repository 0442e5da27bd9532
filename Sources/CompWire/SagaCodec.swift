// Saga messages and structs (issue 13).
//
// SagaRef (Record tag 7)                         SagaCommandRef (RetryCommand tag 1)
// +--------------+------------------------+      +----------------+------+
// | sagaId       | name                   |      | sagaId         | name |
// | step         | u16                    |      | step           | u16  |
// | compensation | name                   |      | forwardUnknown | u8   | 0 | 1
// | tags: 1 last u8 (0|1)                 |      | tags           | none |
// |       2 deadline time                 |      +----------------+------+
// |       3 retrySpec RetrySpecPatch      |
// +---------------------------------------+
//
// DeclareSaga (0x12)                             SagaStepDecl
// +---------+-----------------------------+      +--------------+------+
// | sagaId  | name                        |      | service      | name |
// | steps   | array<SagaStepDecl> 1...100 |      | processor    | name |
// | tags: 1 deadline time                 |      | forward      | name |
// +---------------------------------------+      | compensation | name |
//                                                | tags: 1 retrySpec   |
// SagaDeclared (0x13)                            +---------------------+
// +---------+------+
// | created | u8   | 0 | 1                       SagaEvent (0x42)
// | tags    | none |                             +--------+---------------+
// +---------+------+                             | sagaId | name          |
//                                                | status | u8 1...5      |
//                                                | at     | time          |
//                                                | tags: 1 step u16       |
//                                                |       2 cause u8 1...3 |
//                                                +------------------------+

/// The most steps one saga may have (`DeclareSaga.steps`, `SagaRef.step` below it).
public let maxSagaSteps = 100

extension SagaRef: WireStruct {
    enum Tag {
        static let last: UInt16 = 1
        static let deadline: UInt16 = 2
        static let retrySpec: UInt16 = 3
    }

    static let minEncodedBytes = 4 + 2 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(sagaId)
        sink.writeU16(step)
        sink.writeString(compensation)
        var tags = sink.beginTaggedSection()
        if let last { sink.writeTagged(Tag.last, in: &tags) { $0.writeU8(last ? 1 : 0) } }
        if let deadline { sink.writeTagged(Tag.deadline, in: &tags) { $0.writeI64(deadline) } }
        if let retrySpec { sink.writeTagged(Tag.retrySpec, in: &tags) { retrySpec.encode(to: &$0) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        var ref = SagaRef(
            sagaId: try reader.readName("SagaRef.sagaId"), step: try reader.readU16("SagaRef.step"),
            compensation: try reader.readName("SagaRef.compensation"))
        try reader.readTaggedSection("SagaRef") { tag, value throws(WireError) in
            switch tag {
            case Tag.last: ref.last = try value.readBool("SagaRef.last")
            case Tag.deadline: ref.deadline = try value.readI64("SagaRef.deadline")
            case Tag.retrySpec: ref.retrySpec = try RetrySpecPatch(wire: &value)
            default: return false
            }
            return true
        }
        self = ref
    }
}

extension SagaCommandRef: WireStruct {
    static let minEncodedBytes = 4 + 2 + 1 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(sagaId)
        sink.writeU16(step)
        sink.writeU8(forwardUnknown)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let sagaId = try reader.readName("SagaCommandRef.sagaId")
        let step = try reader.readU16("SagaCommandRef.step")
        let unknown = try reader.readU8(in: 0...1, "SagaCommandRef.forwardUnknown")
        try reader.skipTaggedSection("SagaCommandRef")
        self.init(sagaId: sagaId, step: step, forwardUnknown: unknown)
    }
}

extension SagaStepDecl: WireStruct {
    static let minEncodedBytes = 4 * 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(service)
        sink.writeString(processor)
        sink.writeString(forward)
        sink.writeString(compensation)
        var tags = sink.beginTaggedSection()
        if let retrySpec { sink.writeTagged(1, in: &tags) { retrySpec.encode(to: &$0) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        var step = SagaStepDecl(
            service: try reader.readName("SagaStepDecl.service"), processor: try reader.readName("SagaStepDecl.processor"),
            forward: try reader.readName("SagaStepDecl.forward"),
            compensation: try reader.readName("SagaStepDecl.compensation"))
        try reader.readTaggedSection("SagaStepDecl") { tag, value throws(WireError) in
            guard tag == 1 else { return false }
            step.retrySpec = try RetrySpecPatch(wire: &value)
            return true
        }
        self = step
    }
}

extension DeclareSaga: WireStruct {
    static let minEncodedBytes = 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(sagaId)
        sink.writeArray(steps)
        var tags = sink.beginTaggedSection()
        if let deadline { sink.writeTagged(1, in: &tags) { $0.writeI64(deadline) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        var declare = DeclareSaga(
            sagaId: try reader.readName("DeclareSaga.sagaId"),
            steps: try reader.readArray(of: SagaStepDecl.self, max: maxSagaSteps, "DeclareSaga.steps"))
        try reader.readTaggedSection("DeclareSaga") { tag, value throws(WireError) in
            guard tag == 1 else { return false }
            declare.deadline = try value.readI64("DeclareSaga.deadline")
            return true
        }
        self = declare
    }
}

extension SagaDeclared: WireStruct {
    static let minEncodedBytes = 1 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU8(created)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let created = try reader.readU8(in: 0...1, "SagaDeclared.created")
        try reader.skipTaggedSection("SagaDeclared")
        self.init(created: created)
    }
}

extension SagaEvent: WireStruct {
    static let minEncodedBytes = 4 + 1 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(sagaId)
        sink.writeU8(status)
        sink.writeI64(at)
        var tags = sink.beginTaggedSection()
        if let step { sink.writeTagged(1, in: &tags) { $0.writeU16(step) } }
        if let cause { sink.writeTagged(2, in: &tags) { $0.writeU8(cause) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        var event = SagaEvent(
            sagaId: try reader.readName("SagaEvent.sagaId"), status: try reader.readU8(in: 1...5, "SagaEvent.status"),
            at: try reader.readI64("SagaEvent.at"))
        try reader.readTaggedSection("SagaEvent") { tag, value throws(WireError) in
            switch tag {
            case 1: event.step = try value.readU16("SagaEvent.step")
            case 2: event.cause = try value.readU8(in: 1...3, "SagaEvent.cause")
            default: return false
            }
            return true
        }
        self = event
    }
}
