import CompAuth
import CompJournal
import Foundation

/// Making keys: the rules a new key's fields follow, and the one way a key is made and stored (the secret
/// sealed under `DATA/master.key`), shared by `compd keys create` (offline, while no compd runs on the data
/// directory: the first operator key) and the broker's KeyCreateRequest (`KeyService`).
public enum KeyAdmin {
    /// A rule a new key's fields broke.
    enum Rule: Error, Equatable {
        case emptyName
        case nameTooLong
        case subscriberNeedsService
        case operatorTakesNone
        /// The service at this index is empty or longer than 256 bytes.
        case badService(Int)
    }

    /// The first rule `name`, `role` and `services` break, nil when they make a valid key.
    static func check(name: String, role: KeyRole, services: [String]) -> Rule? {
        if name.isEmpty { return .emptyName }
        if name.utf8.count > 256 { return .nameTooLong }
        switch role {
        case .subscriber:
            if services.isEmpty { return .subscriberNeedsService }
            if let index = services.firstIndex(where: { $0.isEmpty || $0.utf8.count > 256 }) { return .badService(index) }
        case .operator:
            if !services.isEmpty { return .operatorTakesNone }
        }
        return nil
    }

    /// Makes a key with fields that passed `check` and stores it in one transaction.
    /// - Returns: The new key (its secret in the clear, to show once) and the row stored.
    static func make(store: KeyStore, sealer: SecretSealer, name: String, role: KeyRole, services: [String],
                     now: Int64) throws -> (AuthKey, StoredKey) {
        let key = AuthKey.generate()
        let stored = StoredKey(id: key.id, name: name, role: role.rawValue, services: Array(Set(services)),
                               sealedSecret: try sealer.seal(key.secret, keyId: key.id), createdAt: now)
        try store.insert(stored)
        return (key, stored)
    }

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
        switch check(name: name, role: role, services: services) {
        case nil: break
        case .emptyName?, .nameTooLong?: throw .invalidConfig("--name must be 1...256 bytes")
        case .subscriberNeedsService?, .badService?:
            throw .invalidConfig("a subscriber key needs at least one --service (1...256 bytes each)")
        case .operatorTakesNone?: throw .invalidConfig("an operator key may use every service; leave out --service")
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
            return try make(store: try KeyStore(path: config.databasePath), sealer: sealer, name: name, role: role,
                            services: services, now: now).0
        } catch {
            throw .storage("\(config.databasePath): \(error)")
        }
    }
}
