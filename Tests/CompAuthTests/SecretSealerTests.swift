import CompAuth
import Foundation
import Testing

struct SecretSealerTests {
    static func tempDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sealer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("the master key is made once with mode 0600; a secret sealed under it opens again, only for its own key id")
    func sealAndOpen() throws {
        let directory = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sealer = try SecretSealer.open(dataDirectory: directory)
        let path = directory + "/master.key"
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect((attributes[.size] as? NSNumber)?.intValue == 32)
        let first = try #require(FileManager.default.contents(atPath: path))
        let key = AuthKey.generate()
        let sealed = try sealer.seal(key.secret, keyId: key.id)
        #expect(sealed.count == 12 + 32 + 16)
        #expect(!Hex.encode(sealed).contains(Hex.encode(key.secret)))
        let reopened = try SecretSealer.open(dataDirectory: directory)
        #expect(try #require(FileManager.default.contents(atPath: path)) == first, "an existing master key is kept")
        #expect(try reopened.open(sealed, keyId: key.id) == key.secret)
        #expect(throws: AuthError.self) { try reopened.open(sealed, keyId: "k_other") }
        let elsewhere = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        #expect(throws: AuthError.self) { try SecretSealer.open(dataDirectory: elsewhere).open(sealed, keyId: key.id) }
    }
}
