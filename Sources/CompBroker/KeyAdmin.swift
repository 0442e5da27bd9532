import CompAuth
import CompJournal
import Foundation

/// Making and listing keys on a data directory while no compd runs on it (`compd keys create`): the first
/// operator key is made this way. Refuses while a compd holds the directory's lock.
public enum KeyAdmin {
    /// Makes a key and stores it (the secret sealed under `DATA/master.key`, created 0600 on first use).
    /// - Parameters:
    ///   - dataDirectory: compd's `--data` directory (created when missing).
    ///   - name: A name for people.
    ///   - role: subscriber or operator.
    ///   - services: A subscriber key's services (at least one); none for an operator.
    ///   - now: The creation time, ms since the epoch.
    /// - Returns: The new key (its `line` is what the key file holds; shown once, never stored in the clear).
    /// - Throws: `BrokerError`: `.locked` while a compd runs on the directory, `.invalidConfig` for a bad
    ///   name, role or service list, `.storage` when the journal or master key cannot be used.
    public static func create(dataDirectory: String, name: String, role: KeyRole, services: [String],
                              now: Int64) throws(BrokerError) -> AuthKey {
        guard !name.isEmpty, name.utf8.count <= 256 else { throw .invalidConfig("--name must be 1...256 bytes") }
        switch role {
        case .subscriber:
            guard !services.isEmpty, services.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 256 }) else {
                throw .invalidConfig("a subscriber key needs at least one --service (1...256 bytes each)")
            }
        case .operator:
            guard services.isEmpty else { throw .invalidConfig("an operator key may use every service; leave out --service") }
        }
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw .storage("cannot create \(dataDirectory): \(error.localizedDescription)")
        }
        let lock = try DataDirectoryLock(directory: dataDirectory)
        defer { withExtendedLifetime(lock) {} }
        let config = BrokerConfig(dataDirectory: dataDirectory)
        do {
            let journal = try Journal(options: JournalOptions(path: config.databasePath))  // creates and migrates
            journal.close()
            let sealer = try SecretSealer.open(dataDirectory: dataDirectory)
            let key = AuthKey.generate()
            try KeyStore(path: config.databasePath).insert(StoredKey(
                id: key.id, name: name, role: role.rawValue, services: services,
                sealedSecret: try sealer.seal(key.secret, keyId: key.id), createdAt: now))
            return key
        } catch {
            throw .storage("\(config.databasePath): \(error)")
        }
    }
}
