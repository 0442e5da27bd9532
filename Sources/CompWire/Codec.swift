/// Encodes and decodes frames. Pure: bytes in, values out.
///
/// ```
/// offset  size  field
/// 0       4     length      u32 BE: bytes after this field (8 + body length)
/// 4       1     version     u8, always 1 (WireLimits.protocolVersion)
/// 5       1     type        u8, a MessageType raw value
/// 6       2     flags       u16 BE, 0 in version 1; receivers ignore it
/// 8       4     requestId   u32 BE, echoed in the reply; 0 for events
/// 12      ...   body        the message's fields, ending with its tagged section
/// ```
///
/// `decode` checks, in this order, and throws the first failure:
/// 1. fewer than 4 bytes (no length prefix) → `malformedFrame`;
/// 2. declared length + 4 above the receiver's limit (at most `WireLimits.maxFrameBytes`), or more bytes
///    received than that → `frameTooLarge`;
/// 3. fewer than 12 bytes (no complete header) → `malformedFrame`;
/// 4. declared length ≠ bytes received after the prefix → `lengthMismatch`;
/// 5. version ≠ 1 → `unsupportedVersion`;
/// 6. type byte not a `MessageType` → `unknownMessageType`;
/// 7. the body, field by field (see `ByteReader` and `TaggedSection`): a length or count over its limit →
///    `limitExceeded`; a field past the end, a count that cannot fit, a bad tagged section →
///    `malformedFrame`; bad UTF-8 → `invalidUTF8`; a bool, enum or discriminator out of range → `invalidField`;
/// 8. with flag bit 0 (`AuthTrailer.flag`): the auth trailer (a tagged section with tags 1–4, each present,
///    the MAC exactly 32 bytes, else `malformedFrame`; see `AuthTrailer`);
/// 9. bytes left after the body's tagged section (or the trailer) → `malformedFrame`.
///
/// Decoding never checks a MAC: that needs the key (CompAuth's `FrameVerifier`).
public enum FrameCodec {
    /// Bytes of the length prefix.
    public static let prefixBytes = 4

    /// Encodes a frame, length prefix included, into one exactly sized array.
    ///
    /// The encoder does not check limits; a value over a limit yields a frame the peer refuses.
    /// - Parameter frame: The frame to encode; its message decides the type byte.
    /// - Returns: The frame's bytes.
    public static func encode(_ frame: Frame) -> [UInt8] {
        var counter = ByteCounter()
        write(frame, to: &counter)
        var writer = ByteWriter(capacity: counter.count)
        write(frame, to: &writer)
        return writer.bytes
    }

    /// The size of `encode(frame)`, length prefix included, counted without writing a byte.
    public static func encodedCount(_ frame: Frame) -> Int {
        var counter = ByteCounter()
        write(frame, to: &counter)
        return counter.count
    }

    /// Decodes one whole frame, length prefix included.
    /// - Parameters:
    ///   - bytes: Exactly the bytes of one frame.
    ///   - maxFrameBytes: The receiver's frame limit, prefix included: a broker passes the limit it advertises
    ///     (`HelloReply.maxFrameBytes`), a client the protocol's ceiling (the default). Values above
    ///     `WireLimits.maxFrameBytes` count as the ceiling.
    /// - Returns: The frame.
    /// - Throws: `WireError` with the code the peer should be answered with (see the type's documentation).
    public static func decode(
        _ bytes: [UInt8], maxFrameBytes: Int = WireLimits.maxFrameBytes
    ) throws(WireError) -> Frame {
        try decodeSigned(bytes, maxFrameBytes: maxFrameBytes).frame
    }

    /// Decodes one whole frame, and says where its body ends: the MAC of a signed frame covers the bytes from
    /// offset 4 up to there (`AuthTrailer.macInput(frameBytes:signedEnd:)`).
    /// - Parameters:
    ///   - bytes: Exactly the bytes of one frame.
    ///   - maxFrameBytes: The receiver's frame limit, as for `decode`.
    /// - Returns: The frame (`auth` set when flag bit 0 is) and the offset where its body ends (the frame's
    ///   length when it has no trailer).
    /// - Throws: `WireError`, as `decode`.
    public static func decodeSigned(
        _ bytes: [UInt8], maxFrameBytes: Int = WireLimits.maxFrameBytes
    ) throws(WireError) -> (frame: Frame, signedEnd: Int) {
        let limit = min(maxFrameBytes, WireLimits.maxFrameBytes)
        guard bytes.count >= prefixBytes else {
            throw WireError(.malformedFrame, "frame of \(bytes.count) bytes has no complete length prefix")
        }
        var reader = ByteReader(bytes)
        let declared = try reader.readU32("frame length")
        guard UInt64(declared) + UInt64(prefixBytes) <= UInt64(limit) else {
            throw WireError(.frameTooLarge, "frame declares \(declared) bytes after its prefix, limit \(limit) in all")
        }
        guard bytes.count <= limit else {
            throw WireError(.frameTooLarge, "frame of \(bytes.count) bytes, limit \(limit)")
        }
        guard bytes.count >= prefixBytes + WireLimits.headerBytes else {
            throw WireError(.malformedFrame, "frame of \(bytes.count) bytes has no complete header")
        }
        guard Int(declared) == bytes.count - prefixBytes else {
            throw WireError(.lengthMismatch, "frame declares \(declared) bytes after its prefix, \(bytes.count - prefixBytes) received")
        }
        let version = try reader.readU8("version")
        guard version == WireLimits.protocolVersion else {
            throw WireError(.unsupportedVersion, "protocol version \(version), this peer speaks \(WireLimits.protocolVersion)")
        }
        let typeByte = try reader.readU8("type")
        guard let type = MessageType(rawValue: typeByte) else {
            throw WireError(.unknownMessageType, "message type 0x\(String(typeByte, radix: 16))")
        }
        let flags = try reader.readU16("flags")
        let requestId = try reader.readU32("requestId")
        let message = try Message(type: type, body: &reader)
        let signedEnd = reader.offset
        var auth: AuthTrailer?
        if flags & AuthTrailer.flag != 0 {
            auth = try AuthTrailer.decode(from: &reader)
        }
        guard reader.isAtEnd else {
            throw WireError(.malformedFrame, "\(reader.remaining) trailing bytes after the \(auth == nil ? "body" : "auth trailer")")
        }
        return (Frame(requestId: requestId, flags: flags, message: message, auth: auth), signedEnd)
    }

    /// Encodes and signs a frame: flag bit 0 set, then the auth trailer with `signing`'s key id, time and nonce
    /// and the MAC its function computes over `AuthTrailer.macInput`. `frame.auth` is ignored.
    /// - Parameters:
    ///   - frame: The frame to sign.
    ///   - signing: The key id, time, nonce and MAC function.
    /// - Returns: The signed frame's bytes.
    public static func encode(_ frame: Frame, signing: FrameSigning) -> [UInt8] {
        var unsigned = frame
        unsigned.auth = nil
        return sign(encode(unsigned), signing: signing)
    }

    /// Signs an encoded unsigned frame (as `encode` made it): sets flag bit 0, appends the auth trailer and
    /// corrects the length prefix. Cheap enough to run on every send attempt (each gets a fresh nonce).
    /// - Parameters:
    ///   - unsigned: An encoded frame without a trailer (flag bit 0 clear).
    ///   - signing: The key id, time, nonce and MAC function.
    /// - Returns: The signed frame's bytes.
    public static func sign(_ unsigned: [UInt8], signing: FrameSigning) -> [UInt8] {
        guard unsigned.count >= prefixBytes + WireLimits.headerBytes else { return unsigned }
        var trailer = AuthTrailer(keyId: signing.keyId, timestamp: signing.timestamp, nonce: signing.nonce, mac: [])
        let signedTags = trailer.signedTags()
        let trailerBytes = 2 + signedTags.count + TaggedSection.entryHeaderBytes + AuthTrailer.macBytes
        // One copy of the frame, with room for the trailer; the MAC reads it in place.
        var bytes = [UInt8]()
        bytes.reserveCapacity(unsigned.count + trailerBytes)
        bytes.append(contentsOf: unsigned)
        bytes[7] |= UInt8(truncatingIfNeeded: AuthTrailer.flag)
        trailer.mac = signing.mac(MACInput(frame: bytes[prefixBytes...], signedTags: signedTags))
        var writer = ByteWriter(capacity: trailerBytes)
        trailer.encode(to: &writer)
        bytes.append(contentsOf: writer.bytes)
        let length = UInt32(truncatingIfNeeded: bytes.count - prefixBytes)
        bytes[0] = UInt8(truncatingIfNeeded: length >> 24)
        bytes[1] = UInt8(truncatingIfNeeded: length >> 16)
        bytes[2] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: length)
        return bytes
    }

    /// Decodes one whole frame from any collection of bytes (copied once into an array).
    /// - Parameters:
    ///   - bytes: Exactly the bytes of one frame.
    ///   - maxFrameBytes: The receiver's frame limit, as for arrays.
    /// - Returns: The frame.
    /// - Throws: `WireError`, as `decode(_:maxFrameBytes:)` for arrays.
    public static func decode(
        _ bytes: some Collection<UInt8>, maxFrameBytes: Int = WireLimits.maxFrameBytes
    ) throws(WireError) -> Frame {
        try decode(Array(bytes), maxFrameBytes: maxFrameBytes)
    }

    /// Reads the header without checking the length or decoding the body, to answer a bad frame.
    /// - Parameter bytes: The frame's bytes, length prefix included.
    /// - Returns: The header fields, or nil when fewer than 12 bytes arrived.
    public static func peekHeader(
        _ bytes: some Collection<UInt8>
    ) -> (version: UInt8, type: UInt8, flags: UInt16, requestId: UInt32)? {
        let header = Array(bytes.prefix(prefixBytes + WireLimits.headerBytes))
        var reader = ByteReader(header)
        do throws(WireError) {
            try reader.skip(prefixBytes, "frame length")
            let version = try reader.readU8("version")
            let type = try reader.readU8("type")
            let flags = try reader.readU16("flags")
            let requestId = try reader.readU32("requestId")
            return (version, type, flags, requestId)
        } catch {
            return nil
        }
    }

    /// Encodes an `ErrorReply` frame, cutting `message` to `WireLimits.maxMessageBytes` by the protocol's rule
    /// (`WireText.truncated`: whole Unicode scalars, ending with `…`).
    /// - Parameters:
    ///   - requestId: The request id to echo (from `peekHeader`, or 0 when none could be read).
    ///   - code: The stable error code.
    ///   - message: Human-readable detail.
    /// - Returns: The frame's bytes.
    public static func errorFrame(requestId: UInt32, code: ErrorCode, message: String) -> [UInt8] {
        let reply = ErrorReply(code: code.rawValue, message: WireText.truncated(message, toUTF8Bytes: WireLimits.maxMessageBytes))
        return encode(Frame(requestId: requestId, message: .error(reply)))
    }

    /// Encodes an `ErrorReply` frame for a decoding failure.
    /// - Parameters:
    ///   - requestId: The request id to echo.
    ///   - error: The failure; its code and message are sent.
    /// - Returns: The frame's bytes.
    public static func errorFrame(requestId: UInt32, error: WireError) -> [UInt8] {
        errorFrame(requestId: requestId, code: error.code, message: error.message)
    }

    static func write(_ frame: Frame, to sink: inout some ByteSink) {
        let lengthPosition = sink.count
        sink.writeU32(0)
        sink.writeU8(WireLimits.protocolVersion)
        sink.writeU8(frame.message.type.rawValue)
        sink.writeU16(frame.auth == nil ? frame.flags & ~AuthTrailer.flag : frame.flags | AuthTrailer.flag)
        sink.writeU32(frame.requestId)
        frame.message.encodeBody(to: &sink)
        frame.auth?.encode(to: &sink)
        sink.set(UInt32(truncatingIfNeeded: sink.count - lengthPosition - prefixBytes), at: lengthPosition)
    }
}
