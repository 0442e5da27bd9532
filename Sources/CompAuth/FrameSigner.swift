import CompWire

/// Signs frames with one key: a fresh random nonce and the current time for every frame (so a resend after a
/// timeout is a new frame, never a replay), and verifies the broker's signed replies.
public struct FrameSigner: Sendable {
    /// The key frames are signed with.
    public let key: AuthKey

    /// Creates a signer for `key`.
    public init(key: AuthKey) {
        self.key = key
    }

    /// The signing parameters for one frame at `now` (ms since the epoch) with `nonce`.
    public func signing(now: Int64, nonce: UInt128) -> FrameSigning {
        FrameSigning(keyId: key.id, timestamp: now, nonce: nonce, mac: { [key] in key.mac($0) })
    }

    /// Encodes and signs `frame` at `now` with a random nonce.
    public func encode(_ frame: Frame, now: Int64) -> [UInt8] {
        FrameCodec.encode(frame, signing: signing(now: now, nonce: Self.randomNonce()))
    }

    /// 16 random bytes from the system's CSPRNG.
    public static func randomNonce() -> UInt128 {
        var generator = SystemRandomNumberGenerator()
        return UInt128(generator.next() as UInt64) << 64 | UInt128(generator.next() as UInt64)
    }

    /// Whether a decoded reply carries a valid trailer made with this signer's key.
    /// - Parameters:
    ///   - bytes: The reply's bytes.
    ///   - frame: The reply decoded from them.
    ///   - signedEnd: Where its body ends (`FrameCodec.decodeSigned`).
    public func isSigned(_ bytes: [UInt8], _ frame: Frame, signedEnd: Int) -> Bool {
        guard let trailer = frame.auth, trailer.keyId == key.id else { return false }
        return key.isValid(mac: trailer.mac, for: trailer.macInput(frameBytes: bytes, signedEnd: signedEnd))
    }
}
