import CompWire
import Crypto

/// The signed vectors (PROTOCOL.md section 2.1): their key, times and nonces, and the frames, with MACs
/// computed here from the spec's rule (HMAC-SHA256 from swift-crypto), not by CompAuth.
enum AuthVectors {
    /// One signed vector file.
    struct Vector: Sendable {
        var name: String
        var description: String
        /// The `# key:` … lines after the description.
        var comments: [String]
        var bytes: [UInt8]
        /// For `refused`: the code and the field a verifier must name.
        var code: ErrorCode?
        var field: String?
    }

    static let keyId = "k_0123456789abcdef"
    /// 32 bytes 00 01 … 1f.
    static let secret: [UInt8] = Array(0...31)
    static let time = GoldenValues.time
    static let requestNonce: UInt128 = 0xa0a1_a2a3_a4a5_a6a7_a8a9_aaab_acad_aeaf
    static let replyNonce: UInt128 = 0xb0b1_b2b3_b4b5_b6b7_b8b9_babb_bcbd_bebf
    static let window: Int64 = 60_000

    static let fetch = Frame(requestId: 20, message: .fetch(Fetch(service: "orders", instance: "orders-7f9c", max: 10, waitMs: 30_000)))
    static let emptyCommands = Frame(requestId: 20, message: .commands(Commands(commands: [])))

    /// HMAC-SHA256 under `secret`.
    static func mac(_ input: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: secret)))
    }

    static func signing(_ timestamp: Int64, _ nonce: UInt128) -> FrameSigning {
        FrameSigning(keyId: keyId, timestamp: timestamp, nonce: nonce, mac: { mac($0.bytes) })
    }

    static func keyLines(timestamp: Int64, nonce: UInt128) -> [String] {
        ["key: \(keyId)", "secret: \(VectorFiles.hex(secret).replacingOccurrences(of: " ", with: ""))",
         "timestamp: \(timestamp)", "nonce: \(String(nonce, radix: 16))"]
    }

    /// Canonical signed frames: a decoder decodes and re-encodes them; a verifier with the key accepts them at
    /// `timestamp`.
    static let signed: [Vector] = [
        Vector(name: "fetch_signed", description: "Fetch of fetch.hex, signed (flag bit 0, auth trailer) with the key below at T",
               comments: keyLines(timestamp: time, nonce: requestNonce),
               bytes: FrameCodec.encode(fetch, signing: signing(time, requestNonce))),
        Vector(name: "commands_empty_signed", description: "The broker's empty Commands answering fetch_signed, signed with the same key at T + 5 ms",
               comments: keyLines(timestamp: time + 5, nonce: replyNonce),
               bytes: FrameCodec.encode(emptyCommands, signing: signing(time + 5, replyNonce))),
    ]

    /// Signed frames that decode but a verifier must refuse: at broker time `now:` with a window of 60 s.
    static let refused: [Vector] = {
        var wrongMAC = FrameCodec.encode(fetch, signing: signing(time, requestNonce))
        wrongMAC[wrongMAC.count - 1] ^= 0x01
        let staleTime = time - window - 1
        return [
            Vector(name: "fetch_signed_wrong_mac", description: "fetch_signed with the last MAC byte flipped",
                   comments: keyLines(timestamp: time, nonce: requestNonce) + ["now: \(time)", "window: \(window) ms"],
                   bytes: wrongMAC, code: .unauthenticated, field: "AuthTrailer.mac"),
            Vector(name: "fetch_signed_stale", description: "Fetch correctly signed at T - 60.001 s, received at T: outside the 60 s window",
                   comments: keyLines(timestamp: staleTime, nonce: requestNonce) + ["now: \(time)", "window: \(window) ms"],
                   bytes: FrameCodec.encode(fetch, signing: signing(staleTime, requestNonce)),
                   code: .unauthenticated, field: "AuthTrailer.timestamp"),
        ]
    }()
}
