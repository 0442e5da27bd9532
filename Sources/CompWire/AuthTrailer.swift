/// The auth trailer of a frame whose header has flag bit 0 (`authenticated`) set: who signed it, when, a nonce,
/// and the MAC. PROTOCOL.md section 2.1 is the normative text.
///
/// ```
/// after the body:
/// +-----------+---------------------------------------------------------------+
/// | u16 count | tag 1 keyId name | tag 2 timestamp time | tag 3 nonce u128 |    |
/// |           | tag 4 mac: 32 raw bytes (entry length 32, no inner length)      |
/// +-----------+---------------------------------------------------------------+
/// ```
/// The MAC is HMAC-SHA256(secret, frame bytes from offset 4 up to the end of the body — header with the flag set,
/// then the body — followed by the entries of tags 1, 2 and 3, each `u16 tag | u32 length | value`, in that
/// order, as `signedTags()` encodes them). The codec stays pure: the MAC function is the caller's.
public struct AuthTrailer: Hashable, Sendable {
    /// Header flag bit 0: the frame ends with an auth trailer.
    public static let flag: UInt16 = 0x0001
    /// Bytes of a MAC (HMAC-SHA256).
    public static let macBytes = 32
    /// Tag numbers of the trailer's entries.
    public static let keyIdTag: UInt16 = 1, timestampTag: UInt16 = 2, nonceTag: UInt16 = 3, macTag: UInt16 = 4

    /// The signing key's id (`k_` + 16 hex digits for keys compd makes).
    public var keyId: String
    /// When the sender signed, ms since the Unix epoch.
    public var timestamp: Int64
    /// 16 random bytes, new for every frame sent (a resend is a new frame).
    public var nonce: UInt128
    /// HMAC-SHA256 over the signed bytes (see the type's documentation); 32 bytes.
    public var mac: [UInt8]

    /// Creates a trailer.
    public init(keyId: String, timestamp: Int64, nonce: UInt128, mac: [UInt8]) {
        self.keyId = keyId
        self.timestamp = timestamp
        self.nonce = nonce
        self.mac = mac
    }

    /// The entries of tags 1–3 exactly as the trailer encodes them: the part of the trailer the MAC covers.
    public func signedTags() -> [UInt8] {
        var writer = ByteWriter(capacity: 3 * TaggedSection.entryHeaderBytes + 4 + keyId.utf8.count + 8 + 16)
        writeSignedTags(to: &writer)
        return writer.bytes
    }

    /// The MAC's input for a frame: `frameBytes[4..<signedEnd]` (header and body), then `signedTags()`.
    /// - Parameters:
    ///   - frameBytes: The frame's bytes, length prefix included.
    ///   - signedEnd: Where the body ends (the trailer starts), as `FrameCodec.decodeSigned` returns it.
    /// - Returns: The bytes to MAC, in two parts (the frame's are not copied).
    public func macInput(frameBytes: [UInt8], signedEnd: Int) -> MACInput {
        let start = FrameCodec.prefixBytes
        guard signedEnd >= start, signedEnd <= frameBytes.count else { return MACInput(frame: [], signedTags: signedTags()) }
        return MACInput(frame: frameBytes[start..<signedEnd], signedTags: signedTags())
    }

    func writeSignedTags(to sink: inout some ByteSink) {
        sink.writeU16(Self.keyIdTag)
        sink.writeU32(UInt32(truncatingIfNeeded: 4 + keyId.utf8.count))
        sink.writeString(keyId)
        sink.writeU16(Self.timestampTag)
        sink.writeU32(8)
        sink.writeI64(timestamp)
        sink.writeU16(Self.nonceTag)
        sink.writeU32(16)
        sink.writeU128(nonce)
    }

    /// Writes the whole trailer: count 4, tags 1–3, then tag 4 (the MAC, its 32 bytes as they are).
    func encode(to sink: inout some ByteSink) {
        sink.writeU16(4)
        writeSignedTags(to: &sink)
        sink.writeU16(Self.macTag)
        sink.writeU32(UInt32(truncatingIfNeeded: mac.count))
        sink.append(contentsOf: mac)
    }

    static func decode(from reader: inout ByteReader) throws(WireError) -> AuthTrailer {
        var keyId: String?, timestamp: Int64?, nonce: UInt128?, mac: [UInt8]?
        try reader.readTaggedSection("AuthTrailer") { tag, value throws(WireError) in
            switch tag {
            case keyIdTag: keyId = try value.readString(max: WireLimits.maxNameBytes, "AuthTrailer.keyId")
            case timestampTag: timestamp = try value.readI64("AuthTrailer.timestamp")
            case nonceTag: nonce = try value.readU128("AuthTrailer.nonce")
            case macTag:
                guard value.remaining == macBytes else {
                    throw WireError(.malformedFrame, "AuthTrailer.mac: \(value.remaining) bytes, must be \(macBytes)")
                }
                var bytes = [UInt8]()
                bytes.reserveCapacity(macBytes)
                for _ in 0..<macBytes { bytes.append(try value.readU8("AuthTrailer.mac")) }
                mac = bytes
            default: return false
            }
            return true
        }
        guard let keyId else { throw WireError(.malformedFrame, "AuthTrailer.keyId: missing") }
        guard let timestamp else { throw WireError(.malformedFrame, "AuthTrailer.timestamp: missing") }
        guard let nonce else { throw WireError(.malformedFrame, "AuthTrailer.nonce: missing") }
        guard let mac else { throw WireError(.malformedFrame, "AuthTrailer.mac: missing") }
        return AuthTrailer(keyId: keyId, timestamp: timestamp, nonce: nonce, mac: mac)
    }
}

/// The bytes a frame's MAC covers, in the two parts a frame holds them: the header and body as they are in the
/// frame (a slice, not a copy), then the trailer's signed entries (`AuthTrailer.signedTags()`).
public struct MACInput: Sendable {
    /// The frame's bytes from offset 4 (after the length prefix) to the end of its body.
    public let frame: ArraySlice<UInt8>
    /// The trailer's tags 1–3 as encoded.
    public let signedTags: [UInt8]

    /// Creates the input from its parts.
    public init(frame: ArraySlice<UInt8>, signedTags: [UInt8]) {
        self.frame = frame
        self.signedTags = signedTags
    }

    /// Both parts in one array (a copy: for tests and for MAC functions that take one buffer).
    public var bytes: [UInt8] { Array(frame) + signedTags }
}

/// What a sender needs to sign one frame: the key id, the time, a fresh nonce, and its MAC function
/// (HMAC-SHA256 with the key's secret; CompAuth provides it, the codec stays free of crypto).
public struct FrameSigning: Sendable {
    /// The key's id.
    public var keyId: String
    /// The signing time, ms since the Unix epoch.
    public var timestamp: Int64
    /// A nonce never used before with this key.
    public var nonce: UInt128
    /// Computes the 32-byte MAC of its input.
    public var mac: @Sendable (MACInput) -> [UInt8]

    /// Creates the signing parameters for one frame.
    public init(keyId: String, timestamp: Int64, nonce: UInt128, mac: @escaping @Sendable (MACInput) -> [UInt8]) {
        self.keyId = keyId
        self.timestamp = timestamp
        self.nonce = nonce
        self.mac = mac
    }
}
