import CompAuth
import CompWire
import Foundation
import Testing

struct FrameAuthenticatorTests {
    static let key = AuthKey(id: "k_0123456789abcdef", secret: Array(0...31))
    static let entry = KeyEntry(key: key, name: "orders", grant: KeyGrant(keyId: key.id, role: .subscriber, services: ["orders"]),
                                createdAt: 0)
    static let now: Int64 = 1_718_000_000_000
    static let fetch = Frame(requestId: 20, message: .fetch(Fetch(service: "orders", instance: "i", max: 10, waitMs: 30_000)))

    static func check(_ bytes: [UInt8], now: Int64 = now, nonces: inout NonceWindow,
                      entry: KeyEntry? = entry) throws(FrameAuthenticator.Refusal) -> KeyEntry {
        guard let (frame, end) = try? FrameCodec.decodeSigned(bytes) else {
            throw FrameAuthenticator.Refusal(.malformedFrame, "does not decode")
        }
        return try FrameAuthenticator.verify(bytes, frame, signedEnd: end, now: now, nonces: &nonces) { id in
            id == entry?.key.id ? entry : nil
        }
    }

    static func refusal(_ body: () throws(FrameAuthenticator.Refusal) -> KeyEntry) -> FrameAuthenticator.Refusal? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    @Test("a frame signed with the key verifies once; the same bytes again are replayed")
    func acceptsThenReplayed() throws {
        var nonces = NonceWindow(windowMilliseconds: 60_000)
        let bytes = FrameSigner(key: Self.key).encode(Self.fetch, now: Self.now)
        let accepted = try Self.check(bytes, nonces: &nonces)
        #expect(accepted.grant.services == ["orders"])
        let again = Self.refusal { () throws(FrameAuthenticator.Refusal) in try Self.check(bytes, now: Self.now + 1, nonces: &nonces) }
        #expect(again?.code == .replayed)
        #expect(again?.message.hasPrefix("AuthTrailer.nonce: ") == true)
    }

    @Test("the spec's vectors: fetch_signed verifies at T, the wrong-MAC and stale ones are refused naming their field")
    func specVectors() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("proto-spec/vectors")
        func bytes(_ path: String) throws -> [UInt8] {
            let text = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
            let hex = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined().filter { !$0.isWhitespace }
            return try #require(Hex.decode(hex))
        }
        var nonces = NonceWindow(windowMilliseconds: 60_000)
        _ = try Self.check(try bytes("fetch_signed.hex"), nonces: &nonces)
        var fresh = NonceWindow(windowMilliseconds: 60_000)
        let wrong = try bytes("invalid/fetch_signed_wrong_mac.hex")
        let wrongRefusal = Self.refusal { () throws(FrameAuthenticator.Refusal) in try Self.check(wrong, nonces: &fresh) }
        #expect(wrongRefusal?.code == .unauthenticated)
        #expect(wrongRefusal?.message.hasPrefix("AuthTrailer.mac: ") == true)
        let stale = try bytes("invalid/fetch_signed_stale.hex")
        let staleRefusal = Self.refusal { () throws(FrameAuthenticator.Refusal) in try Self.check(stale, nonces: &fresh) }
        #expect(staleRefusal?.code == .unauthenticated)
        #expect(staleRefusal?.message.hasPrefix("AuthTrailer.timestamp: ") == true)
        #expect(staleRefusal?.message.contains("\(Self.now)") == true)
        #expect(fresh.count(keyId: Self.key.id) == 0, "refused frames leave no nonce behind")
    }

    @Test("an unknown key, a revoked key, and a frame signed with another secret are unauthenticated")
    func keyChecks() {
        var nonces = NonceWindow(windowMilliseconds: 60_000)
        let bytes = FrameSigner(key: Self.key).encode(Self.fetch, now: Self.now)
        let unknown = Self.refusal { () throws(FrameAuthenticator.Refusal) in try Self.check(bytes, nonces: &nonces, entry: nil) }
        #expect(unknown?.code == .unauthenticated)
        #expect(unknown?.message.hasPrefix("AuthTrailer.keyId: ") == true)
        var revoked = Self.entry
        revoked.revokedAt = Self.now - 1
        let revokedRefusal = Self.refusal { () throws(FrameAuthenticator.Refusal) in try Self.check(bytes, nonces: &nonces, entry: revoked) }
        #expect(revokedRefusal?.message == "AuthTrailer.keyId: the key is revoked")
        let other = FrameSigner(key: AuthKey(id: Self.key.id, secret: Array(repeating: 7, count: 32))).encode(Self.fetch, now: Self.now)
        let forged = Self.refusal { () throws(FrameAuthenticator.Refusal) in try Self.check(other, nonces: &nonces) }
        #expect(forged?.code == .unauthenticated)
        #expect(forged?.message.hasPrefix("AuthTrailer.mac: ") == true)
    }

    @Test("a frame changed after signing (one body byte) fails the MAC")
    func tamperedBody() {
        var nonces = NonceWindow(windowMilliseconds: 60_000)
        var bytes = FrameSigner(key: Self.key).encode(Self.fetch, now: Self.now)
        bytes[17] ^= 0x20  // a letter of "orders"
        let refusal = Self.refusal { () throws(FrameAuthenticator.Refusal) in try Self.check(bytes, nonces: &nonces) }
        #expect(refusal?.code == .unauthenticated)
    }

    @Test("the nonce window refuses at its bound instead of forgetting, and frees nonces whose window passed")
    func nonceBound() {
        var window = NonceWindow(windowMilliseconds: 1000, maxPerKey: 3)
        for nonce in 1...3 { #expect(window.admit(keyId: "k", nonce: UInt128(nonce), timestamp: 0, now: 0) == .fresh) }
        #expect(window.admit(keyId: "k", nonce: 4, timestamp: 0, now: 10) == .full)
        #expect(window.admit(keyId: "k", nonce: 1, timestamp: 0, now: 10) == .replayed)
        #expect(window.admit(keyId: "other", nonce: 1, timestamp: 0, now: 10) == .fresh)
        #expect(window.admit(keyId: "k", nonce: 4, timestamp: 1001, now: 1001) == .fresh)
        #expect(window.count(keyId: "k") == 1)
    }

    @Test("one key signing 2,500 frames a second for a whole 60 s window (150,000 live nonces) is not refused, and replays are")
    func nonceRate() {
        var window = NonceWindow(windowMilliseconds: 60_000)
        var generator = SystemRandomNumberGenerator()
        var sent: [UInt128] = []
        for frame in 0..<150_000 {
            let now = Int64(1_700_000_000_000) + Int64(frame) * 60_000 / 150_000
            let nonce = UInt128(generator.next()) << 64 | UInt128(generator.next())
            #expect(window.admit(keyId: "k", nonce: nonce, timestamp: now, now: now) == .fresh)
            if frame % 1000 == 0 { sent.append(nonce) }
        }
        let end = Int64(1_700_000_000_000) + 60_000
        #expect(window.count(keyId: "k") == 150_000)
        for nonce in sent { #expect(window.admit(keyId: "k", nonce: nonce, timestamp: end, now: end) == .replayed) }
        // Two nonces whose halves fold to the same fingerprint count as one (a key holder can only hurt itself).
        #expect(window.admit(keyId: "k2", nonce: UInt128(5) << 64 | 3, timestamp: end, now: end) == .fresh)
        #expect(window.admit(keyId: "k2", nonce: UInt128(3) << 64 | 5, timestamp: end, now: end) == .replayed)
    }

    @Test("a key's text form is id:64 hex digits; a path to a file holding it works too; anything else names what to fix")
    func keyText() throws {
        let key = AuthKey.generate()
        #expect(key.id.hasPrefix("k_") && key.id.count == 18)
        #expect(try AuthKey(line: key.line + "\n") == key)
        #expect(try AuthKey.load(key.line) == key)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        try (key.line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try AuthKey.load(path) == key)
        #expect(throws: AuthError.badKeyText("the secret after ':' must be 64 hex digits")) { try AuthKey(line: "k_1:abcd") }
        #expect { try AuthKey.load("/nonexistent/key") } throws: { "\($0)".hasPrefix("key file /nonexistent/key: ") }
    }
}
