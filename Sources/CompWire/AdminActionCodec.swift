// Admin actions: ActionRequest (0x34) and ActionReply (0x35).
//
// AdminAction: u8 discriminator, then the case's fields (no tagged section of its own).
// +----+----------------+-----------------------+
// | 1  | retryNow       | -                     |
// | 2  | discard        | -                     |
// | 3  | park           | -                     |
// | 4  | mark           | u8 recoverable 0...2  |
// | 5  | applySpec      | RetrySpecPatch        |
// | 6  | changeFunction | name                  |
// | 7  | pause          | -                     |
// | 8  | resume         | -                     |
// +----+----------------+-----------------------+
// ActionTarget: u8 discriminator, then the case's fields.
// +----+-----------+--------+
// | 1  | execution | i64    |
// | 2  | filter    | Filter |
// | 3  | service   | name   |
// +----+-----------+--------+
// ActionRequest (0x34): action AdminAction, target ActionTarget, tags 1 force bool (sent only when true),
//                      2 actor (UTF-8, ≤ 128 bytes).
// ActionFailure: executionId i64, code u16, message text, tags none.
// ActionReply (0x35): matched u32, changed u32, failures (array of ActionFailure, ≤ 1000), tags none.

extension AdminAction {
    /// The discriminator byte of each case.
    enum Discriminator {
        static let retryNow: UInt8 = 1
        static let discard: UInt8 = 2
        static let park: UInt8 = 3
        static let mark: UInt8 = 4
        static let applySpec: UInt8 = 5
        static let changeFunction: UInt8 = 6
        static let pause: UInt8 = 7
        static let resume: UInt8 = 8
    }

    func encode(to sink: inout some ByteSink) {
        switch self {
        case .retryNow: sink.writeU8(Discriminator.retryNow)
        case .discard: sink.writeU8(Discriminator.discard)
        case .park: sink.writeU8(Discriminator.park)
        case .mark(let recoverable):
            sink.writeU8(Discriminator.mark)
            sink.writeU8(recoverable)
        case .applySpec(let patch):
            sink.writeU8(Discriminator.applySpec)
            patch.encode(to: &sink)
        case .changeFunction(let function):
            sink.writeU8(Discriminator.changeFunction)
            sink.writeString(function)
        case .pause: sink.writeU8(Discriminator.pause)
        case .resume: sink.writeU8(Discriminator.resume)
        }
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        switch try reader.readU8("AdminAction") {
        case Discriminator.retryNow: self = .retryNow
        case Discriminator.discard: self = .discard
        case Discriminator.park: self = .park
        case Discriminator.mark: self = .mark(try reader.readRecoverable("AdminAction.mark"))
        case Discriminator.applySpec: self = .applySpec(try RetrySpecPatch(wire: &reader))
        case Discriminator.changeFunction: self = .changeFunction(try reader.readName("AdminAction.changeFunction"))
        case Discriminator.pause: self = .pause
        case Discriminator.resume: self = .resume
        case let other: throw WireError(.invalidField, "AdminAction: unknown discriminator \(other)")
        }
    }
}

extension ActionTarget {
    /// The discriminator byte of each case.
    enum Discriminator {
        static let execution: UInt8 = 1
        static let filter: UInt8 = 2
        static let service: UInt8 = 3
    }

    func encode(to sink: inout some ByteSink) {
        switch self {
        case .execution(let id):
            sink.writeU8(Discriminator.execution)
            sink.writeI64(id)
        case .filter(let filter):
            sink.writeU8(Discriminator.filter)
            filter.encode(to: &sink)
        case .service(let service):
            sink.writeU8(Discriminator.service)
            sink.writeString(service)
        }
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        switch try reader.readU8("ActionTarget") {
        case Discriminator.execution: self = .execution(try reader.readI64("ActionTarget.execution"))
        case Discriminator.filter: self = .filter(try Filter(wire: &reader))
        case Discriminator.service: self = .service(try reader.readName("ActionTarget.service"))
        case let other: throw WireError(.invalidField, "ActionTarget: unknown discriminator \(other)")
        }
    }
}

extension ActionRequest: WireStruct {
    /// The smallest action (1 byte) and the smallest target (a service: 1 + 4).
    static let minEncodedBytes = 1 + 1 + 4 + TaggedSection.emptyBytes

    /// Tag numbers of the optional fields.
    enum Tag {
        static let force: UInt16 = 1
        static let actor: UInt16 = 2
    }

    func encode(to sink: inout some ByteSink) {
        action.encode(to: &sink)
        target.encode(to: &sink)
        var tags = sink.beginTaggedSection()
        if force { sink.writeTagged(Tag.force, in: &tags) { $0.writeU8(1) } }
        if let actor { sink.writeTagged(Tag.actor, in: &tags) { $0.writeString(actor) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let action = try AdminAction(wire: &reader)
        let target = try ActionTarget(wire: &reader)
        var force = false
        var actor: String?
        try reader.readTaggedSection("ActionRequest") { tag, value throws(WireError) in
            switch tag {
            case Tag.force: force = try value.readBool("ActionRequest.force")
            case Tag.actor: actor = try value.readString(max: WireLimits.maxActorBytes, "ActionRequest.actor")
            default: return false
            }
            return true
        }
        self.init(action: action, target: target, force: force, actor: actor)
    }
}

extension ActionFailure: WireStruct {
    static let minEncodedBytes = 8 + 2 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeI64(executionId)
        sink.writeU16(code)
        sink.writeString(message)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let executionId = try reader.readI64("ActionFailure.executionId")
        let code = try reader.readU16("ActionFailure.code")
        let message = try reader.readText("ActionFailure.message")
        try reader.skipTaggedSection("ActionFailure")
        self.init(executionId: executionId, code: code, message: message)
    }
}

extension ActionReply: WireStruct {
    static let minEncodedBytes = 4 + 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeU32(matched)
        sink.writeU32(changed)
        sink.writeArray(failures)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let matched = try reader.readU32("ActionReply.matched")
        let changed = try reader.readU32("ActionReply.changed")
        let failures = try reader.readArray(
            of: ActionFailure.self, max: WireLimits.maxSmallList, "ActionReply.failures")
        try reader.skipTaggedSection("ActionReply")
        self.init(matched: matched, changed: changed, failures: failures)
    }
}
