import CompWire
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A client's key: its id and its 32-byte secret. The text form, in a key file or `COMPCTL_KEY`, is one line
/// `id:secret` with the secret as 64 lower-case hex digits (hex rather than base64url: no alphabet or padding
/// variants to get wrong in another language, and `:` can never occur in it).
public struct AuthKey: Sendable, Hashable {
    /// Bytes of a secret.
    public static let secretBytes = 32

    /// The key's id, `k_` + 16 hex digits.
    public let id: String
    /// The shared secret, 32 bytes.
    public let secret: [UInt8]
    /// HMAC-SHA256 keyed with the secret and given no data yet, made once: every MAC starts from a copy of it
    /// rather than hashing the padded key again (two SHA-256 blocks and a few allocations per frame).
    private let keyed: HMAC<SHA256>

    /// Creates a key from its parts.
    public init(id: String, secret: [UInt8]) {
        self.id = id
        self.secret = secret
        keyed = HMAC<SHA256>(key: SymmetricKey(data: secret))
    }

    public static func == (lhs: AuthKey, rhs: AuthKey) -> Bool {
        lhs.id == rhs.id && lhs.secret == rhs.secret
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(secret)
    }

    /// A new key: a random id (`k_` + 16 hex digits) and 32 random secret bytes, from the system's CSPRNG.
    public static func generate() -> AuthKey {
        var generator = SystemRandomNumberGenerator()
        let idBytes = (0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secret = (0..<secretBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return AuthKey(id: "k_" + Hex.encode(idBytes), secret: secret)
    }

    /// The one-line text form: `id:secret-hex`.
    public var line: String { "\(id):\(Hex.encode(secret))" }

    /// Parses `id:secret-hex` (surrounding whitespace and a final newline allowed).
    /// - Throws: `AuthError.badKeyText` naming what is wrong.
    public init(line text: String) throws(AuthError) {
        let end = text.lastIndex(where: { !$0.isWhitespace }).map { text.index(after: $0) } ?? text.startIndex
        let trimmed = text[..<end].drop(while: \.isWhitespace)
        guard let colon = trimmed.firstIndex(of: ":") else {
            throw AuthError.badKeyText("a key is one line id:secret, with no ':' found")
        }
        let id = String(trimmed[..<colon])
        let secretText = String(trimmed[trimmed.index(after: colon)...])
        guard !id.isEmpty, id.utf8.count <= 256, !id.contains(where: \.isWhitespace) else {
            throw AuthError.badKeyText("the key id before ':' must be 1...256 bytes without spaces")
        }
        guard let secret = Hex.decode(secretText), secret.count == Self.secretBytes else {
            throw AuthError.badKeyText("the secret after ':' must be \(Self.secretBytes * 2) hex digits")
        }
        self.init(id: id, secret: secret)
    }

    /// Reads a key from `--key`'s or `COMPCTL_KEY`'s value: a path to a key file, or the `id:secret` text
    /// itself (a value whose form is `k_…:` + 64 hex digits is taken as the key, anything else as a path).
    /// - Throws: `AuthError.badKeyText` or `AuthError.keyFile` naming the path.
    public static func load(_ value: String) throws(AuthError) -> AuthKey {
        if let key = try? AuthKey(line: value) { return key }
        guard let bytes = FileManager.default.contents(atPath: value) else {
            let reason = FileManager.default.fileExists(atPath: value) ? "not a readable file" : "no such file"
            throw AuthError.keyFile(value, "cannot read: \(reason)")
        }
        let contents = String(decoding: bytes, as: UTF8.self)
        do {
            return try AuthKey(line: contents)
        } catch {
            throw AuthError.keyFile(value, "\(error)")
        }
    }

    /// HMAC-SHA256 of a frame's MAC input under the secret, read in place (no copy of the frame).
    public func mac(_ input: MACInput) -> [UInt8] {
        Array(code(of: input))
    }

    /// Whether `mac` is the MAC of a frame's MAC input, compared in constant time.
    public func isValid(mac: [UInt8], for input: MACInput) -> Bool {
        code(of: input) == mac
    }

    private func code(of input: MACInput) -> HashedAuthenticationCode<SHA256> {
        var hmac = keyed
        hmac.update(data: input.frame)
        hmac.update(data: input.signedTags)
        return hmac.finalize()
    }
}

/// What went wrong with a key, a key file or the key store.
public enum AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A key's text form is wrong.
    case badKeyText(String)
    /// A key file cannot be read or holds no key.
    case keyFile(String, String)
    /// The master key or a sealed secret cannot be used.
    case sealing(String)

    /// A message naming what to fix.
    public var description: String {
        switch self {
        case .badKeyText(let text): "key: \(text)"
        case .keyFile(let path, let text): "key file \(path): \(text)"
        case .sealing(let text): "sealed secrets: \(text)"
        }
    }
}

/// Lower-case hex.
public enum Hex {
    /// `bytes` as lower-case hex digits.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of an even number of hex digits (either case), nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
