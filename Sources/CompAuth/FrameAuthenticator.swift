import CompWire

/// The broker's check of a signed frame, in this order: the key (known, not revoked), the MAC, the timestamp
/// (within the window of the broker's time), the nonce (not seen within the window). A decision value over
/// an injected key lookup; the caller owns the `NonceWindow` and passes the time.
public enum FrameAuthenticator {
    /// Why a signed frame was refused: the code, and the message naming the field.
    public struct Refusal: Error, Sendable, Equatable {
        /// `unauthenticated`, `replayed`, or `overloaded` (the key's nonce table is full).
        public var code: ErrorCode
        /// `field: rule`, e.g. `AuthTrailer.mac: does not match the frame`.
        public var message: String

        /// Creates a refusal.
        public init(_ code: ErrorCode, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    /// Verifies a decoded signed frame.
    /// - Parameters:
    ///   - bytes: The frame's bytes as received.
    ///   - frame: The frame decoded from them (its `auth` set).
    ///   - signedEnd: Where its body ends (`FrameCodec.decodeSigned`).
    ///   - now: The broker's time, ms since the epoch.
    ///   - nonces: The nonce window; the nonce is recorded in it when everything else holds.
    ///   - lookup: The key entry for an id, nil when unknown.
    /// - Returns: The key's entry (with its grant).
    /// - Throws: `Refusal`.
    public static func verify(
        _ bytes: [UInt8], _ frame: Frame, signedEnd: Int, now: Int64,
        nonces: inout NonceWindow, lookup: (String) -> KeyEntry?
    ) throws(Refusal) -> KeyEntry {
        guard let trailer = frame.auth else {
            throw Refusal(.unauthenticated, "AuthTrailer: the frame is not signed")
        }
        guard let entry = lookup(trailer.keyId) else {
            throw Refusal(.unauthenticated, "AuthTrailer.keyId: no key has this id")
        }
        guard entry.revokedAt == nil else {
            throw Refusal(.unauthenticated, "AuthTrailer.keyId: the key is revoked")
        }
        guard entry.key.isValid(mac: trailer.mac, for: trailer.macInput(frameBytes: bytes, signedEnd: signedEnd)) else {
            throw Refusal(.unauthenticated, "AuthTrailer.mac: does not match the frame under this key")
        }
        let skew = trailer.timestamp.subtractingReportingOverflow(now)
        guard !skew.overflow, skew.partialValue.magnitude <= UInt64(nonces.windowMilliseconds) else {
            throw Refusal(.unauthenticated,
                          "AuthTrailer.timestamp: \(trailer.timestamp) is more than \(nonces.windowMilliseconds) ms from the broker's time \(now)")
        }
        switch nonces.admit(keyId: trailer.keyId, nonce: trailer.nonce, timestamp: trailer.timestamp, now: now) {
        case .fresh: return entry
        case .replayed: throw Refusal(.replayed, "AuthTrailer.nonce: already seen from this key within the window")
        case .full: throw Refusal(.overloaded, "AuthTrailer.nonce: this key has \(nonces.maxPerKey) live nonces; resend later")
        }
    }
}
