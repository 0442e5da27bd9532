import Crypto

/// The SHA-256 digest of a secret (a token, a session id): what compd keeps in memory instead of the
/// secret, and what it compares in constant time.
public struct TokenDigest: Hashable, Sendable {
    /// The 32 bytes of the digest.
    let bytes: [UInt8]

    /// The digest of `secret`'s UTF-8 bytes.
    public init<Secret: StringProtocol>(of secret: Secret) {
        bytes = Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// Whether both digests are equal, looking at every byte whatever the first difference (the time
    /// taken does not tell how much of a guess was right).
    public func constantTimeEquals(_ other: TokenDigest) -> Bool {
        guard bytes.count == other.bytes.count else { return false }
        var difference: UInt8 = 0
        for index in bytes.indices { difference |= bytes[index] ^ other.bytes[index] }
        return difference == 0
    }
}
