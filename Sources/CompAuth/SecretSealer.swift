import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Seals key secrets for the journal with AES-256-GCM under a master key kept in `DATA/master.key` (32 random
/// bytes, created with mode 0600 on first use), so a copy of the journal alone does not reveal any secret.
/// The key's id is the additional authenticated data: a sealed secret moved to another key's row fails to open.
///
/// Sealed form: nonce (12 bytes) | ciphertext (32 bytes) | tag (16 bytes) — swift-crypto's `combined`.
public struct SecretSealer: Sendable {
    /// The master key file's name inside the data directory.
    public static let fileName = "master.key"
    private let master: SymmetricKey

    /// A sealer over a given 32-byte master key.
    public init(masterKey: [UInt8]) throws(AuthError) {
        guard masterKey.count == 32 else { throw AuthError.sealing("the master key must be 32 bytes, found \(masterKey.count)") }
        master = SymmetricKey(data: masterKey)
    }

    /// Opens `DATA/master.key`, creating it (32 random bytes, mode 0600, created exclusively) when absent.
    /// - Parameter dataDirectory: compd's data directory.
    /// - Throws: `AuthError.sealing` naming the path when it cannot be read or made, or is not 32 bytes.
    public static func open(dataDirectory: String) throws(AuthError) -> SecretSealer {
        let path = dataDirectory.isEmpty ? fileName
            : dataDirectory.hasSuffix("/") ? dataDirectory + fileName : dataDirectory + "/" + fileName
        if !FileManager.default.fileExists(atPath: path) {
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            #if canImport(Glibc)
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            #else
            let fd = Darwin.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            #endif
            if fd >= 0 {
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, 32) }
                let synced = fsync(fd)
                close(fd)
                guard written == 32, synced == 0 else {
                    unlink(path)
                    throw AuthError.sealing("\(path): cannot write the new master key (errno \(errno))")
                }
            } else if errno != EEXIST {
                throw AuthError.sealing("\(path): cannot create (errno \(errno))")
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuthError.sealing("\(path): cannot read")
        }
        do {
            return try SecretSealer(masterKey: Array(data))
        } catch {
            throw AuthError.sealing("\(path): \(error)")
        }
    }

    /// Seals `secret` for the row of key `keyId`.
    public func seal(_ secret: [UInt8], keyId: String) throws(AuthError) -> [UInt8] {
        do {
            let box = try AES.GCM.seal(secret, using: master, authenticating: Array(keyId.utf8))
            guard let combined = box.combined else { throw AuthError.sealing("no combined form") }
            return Array(combined)
        } catch let error as AuthError {
            throw error
        } catch {
            throw AuthError.sealing("cannot seal the secret of \(keyId): \(error)")
        }
    }

    /// Opens a sealed secret of key `keyId`.
    /// - Throws: `AuthError.sealing` when the bytes were not sealed under this master key for this key id.
    public func open(_ sealed: [UInt8], keyId: String) throws(AuthError) -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return Array(try AES.GCM.open(box, using: master, authenticating: Array(keyId.utf8)))
        } catch {
            throw AuthError.sealing("the secret of \(keyId) does not open under this master key (another data directory's master.key?)")
        }
    }
}
