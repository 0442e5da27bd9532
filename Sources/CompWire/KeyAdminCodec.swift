// Key administration: KeyCreateRequest (0x60), KeyCreateReply (0x61), KeyListRequest (0x62), KeyListReply (0x63),
// KeyRevokeRequest (0x64), KeyRevokeReply (0x65).
//
// KeyCreateRequest (0x60)                      KeyView                               min 29 bytes
// +----------+--------------------------+      +-----------+------------------------------------+
// | name     | name                     |      | id        | name                               |
// | role     | u8 1 subscriber 2 operator|     | name      | name                               |
// | services | array of name ≤ 100      |      | role      | u8 1...2                           |
// | tags     | none                     |      | services  | array of name ≤ 100                |
// +----------+--------------------------+      | createdAt | time                               |
// KeyCreateReply (0x61)                        | tags      | 1 revokedAt time                   |
// +--------+----------------------------+      +-----------+------------------------------------+
// | key    | KeyView                    |
// | secret | 32 raw bytes, no length    |      KeyRevokeRequest (0x64)
// | tags   | none                       |      +-------+------+
// +--------+----------------------------+      | keyId | name |
// KeyListRequest (0x62)                        | tags  | none |
// +--------+------+---------------------+      +-------+------+
// | cursor | text | "" = first page     |      KeyRevokeReply (0x65)
// | limit  | u16  | 1...1000            |      +-----------+------+
// | tags   | none |                     |      | keyId     | name |
// +--------+------+---------------------+      | revokedAt | time |
// KeyListReply (0x63)                          | tags      | none |
// +------------+-------------------------+     +-----------+------+
// | keys       | array of KeyView ≤ 1000 |
// | nextCursor | text  "" = last page    |
// | tags       | none                    |
// +------------+-------------------------+

/// The ranges and limits of the key messages.
public enum KeyWire {
    /// Role: 1 subscriber, 2 operator.
    public static let role: ClosedRange<UInt8> = 1...2
    /// Services of one key at most.
    public static let maxServices = 100
    /// Bytes of a secret.
    public static let secretBytes = 32

    /// A counted array of `name` strings.
    static func writeNames(_ names: [String], to sink: inout some ByteSink) {
        sink.writeU32(UInt32(truncatingIfNeeded: names.count))
        for name in names { sink.writeString(name) }
    }

    /// Reads a counted array of at most `maxServices` `name` strings.
    static func readServices(_ reader: inout ByteReader, _ field: StaticString) throws(WireError) -> [String] {
        let count = try reader.readCount(max: maxServices, minItemBytes: 4, field)
        var names: [String] = []
        names.reserveCapacity(count)
        for _ in 0..<count { names.append(try reader.readName(field)) }
        return names
    }
}

extension KeyCreateRequest: WireStruct {
    static let minEncodedBytes = 4 + 1 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(name)
        sink.writeU8(role)
        KeyWire.writeNames(services, to: &sink)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let name = try reader.readName("KeyCreateRequest.name")
        let role = try reader.readU8(in: KeyWire.role, "KeyCreateRequest.role")
        let services = try KeyWire.readServices(&reader, "KeyCreateRequest.services")
        try reader.skipTaggedSection("KeyCreateRequest")
        self.init(name: name, role: role, services: services)
    }
}

extension KeyView: WireStruct {
    /// Tag numbers of the optional fields.
    enum Tag {
        static let revokedAt: UInt16 = 1
    }

    static let minEncodedBytes = 4 + 4 + 1 + 4 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(id)
        sink.writeString(name)
        sink.writeU8(role)
        KeyWire.writeNames(services, to: &sink)
        sink.writeI64(createdAt)
        var tags = sink.beginTaggedSection()
        if let revokedAt { sink.writeTagged(Tag.revokedAt, in: &tags) { $0.writeI64(revokedAt) } }
        sink.endTaggedSection(tags)
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        var view = KeyView(
            id: try reader.readName("KeyView.id"),
            name: try reader.readName("KeyView.name"),
            role: try reader.readU8(in: KeyWire.role, "KeyView.role"),
            services: try KeyWire.readServices(&reader, "KeyView.services"),
            createdAt: try reader.readI64("KeyView.createdAt"))
        try reader.readTaggedSection("KeyView") { tag, value throws(WireError) in
            switch tag {
            case Tag.revokedAt: view.revokedAt = try value.readI64("KeyView.revokedAt")
            default: return false
            }
            return true
        }
        self = view
    }
}

extension KeyCreateReply: WireStruct {
    static let minEncodedBytes = KeyView.minEncodedBytes + KeyWire.secretBytes + TaggedSection.emptyBytes

    /// Writes the secret as its 32 bytes (a secret of another length is the sender's bug: it is cut or padded
    /// with zeros to 32, so the frame stays well-formed).
    func encode(to sink: inout some ByteSink) {
        key.encode(to: &sink)
        let fixed = Array(secret.prefix(KeyWire.secretBytes))
        sink.append(contentsOf: fixed + [UInt8](repeating: 0, count: KeyWire.secretBytes - fixed.count))
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let key = try KeyView(wire: &reader)
        var secret: [UInt8] = []
        secret.reserveCapacity(KeyWire.secretBytes)
        for _ in 0..<KeyWire.secretBytes { secret.append(try reader.readU8("KeyCreateReply.secret")) }
        try reader.skipTaggedSection("KeyCreateReply")
        self.init(key: key, secret: secret)
    }
}

extension KeyListRequest: WireStruct {
    static let minEncodedBytes = 4 + 2 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(cursor)
        sink.writeU16(limit)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let cursor = try reader.readText("KeyListRequest.cursor")
        let limit = try reader.readU16("KeyListRequest.limit")
        try reader.skipTaggedSection("KeyListRequest")
        self.init(cursor: cursor, limit: limit)
    }
}

extension KeyListReply: WireStruct {
    static let minEncodedBytes = 4 + 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeArray(keys)
        sink.writeString(nextCursor)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let keys = try reader.readArray(of: KeyView.self, max: WireLimits.maxListItems, "KeyListReply.keys")
        let nextCursor = try reader.readText("KeyListReply.nextCursor")
        try reader.skipTaggedSection("KeyListReply")
        self.init(keys: keys, nextCursor: nextCursor)
    }
}

extension KeyRevokeRequest: WireStruct {
    static let minEncodedBytes = 4 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(keyId)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let keyId = try reader.readName("KeyRevokeRequest.keyId")
        try reader.skipTaggedSection("KeyRevokeRequest")
        self.init(keyId: keyId)
    }
}

extension KeyRevokeReply: WireStruct {
    static let minEncodedBytes = 4 + 8 + TaggedSection.emptyBytes

    func encode(to sink: inout some ByteSink) {
        sink.writeString(keyId)
        sink.writeI64(revokedAt)
        sink.writeEmptyTaggedSection()
    }

    init(wire reader: inout ByteReader) throws(WireError) {
        let keyId = try reader.readName("KeyRevokeReply.keyId")
        let revokedAt = try reader.readI64("KeyRevokeReply.revokedAt")
        try reader.skipTaggedSection("KeyRevokeReply")
        self.init(keyId: keyId, revokedAt: revokedAt)
    }
}
