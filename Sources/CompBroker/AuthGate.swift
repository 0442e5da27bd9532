import CompAuth
import CompJournal
import CompWire
import Synchronization

/// The broker's side of keys: the mode, the in-memory key table the ingress verifies against, and the nonce
/// window. The key table is replaced right after a key change's journal commit and before its reply (`KeyService`), so a
/// revocation takes effect for the next frame, without a restart.
///
/// Sendable: both tables live in `Mutex`es; verification runs on the ingress thread, key changes on the
/// thread that serves key requests.
final class AuthGate: Sendable {
    /// What `check` decided about one frame.
    enum Verdict: Sendable {
        /// Serve as before keys existed: unscoped, the reply unsigned.
        case unsigned
        /// Verified: serve within the key's scope, sign the reply with it.
        case signed(KeyEntry)
        /// Refuse with this code and message (unsigned reply: the frame is not attributed to a key); nothing is applied.
        case refused(ErrorCode, String)
        /// The key is valid but may not make this request: refuse with `forbidden` and this message, the reply
        /// signed with the key; nothing is applied.
        case forbidden(KeyEntry, String)
    }

    /// off, optional or required.
    let mode: AuthMode
    /// |timestamp − broker time| allowed, in ms.
    let windowMilliseconds: Int64
    private let keys: Mutex<[String: KeyEntry]>
    private let nonces: Mutex<NonceWindow>

    /// Creates the gate with the keys loaded from the journal.
    init(mode: AuthMode, windowMilliseconds: Int64, keys: [KeyEntry]) {
        self.mode = mode
        self.windowMilliseconds = windowMilliseconds
        self.keys = Mutex(Dictionary(keys.map { ($0.key.id, $0) }, uniquingKeysWith: { _, last in last }))
        self.nonces = Mutex(NonceWindow(windowMilliseconds: windowMilliseconds))
    }

    /// Decides about one decoded frame.
    /// - Parameters:
    ///   - bytes: The frame as received.
    ///   - frame: The decoded frame.
    ///   - signedEnd: Where its body ends.
    ///   - now: The broker's time, ms since the epoch.
    func check(_ bytes: [UInt8], _ frame: Frame, signedEnd: Int, now: Int64) -> Verdict {
        if mode == .off { return .unsigned }
        guard frame.auth != nil else {
            switch (mode, frame.message) {
            case (.optional, .keyCreateRequest), (.optional, .keyListRequest), (.optional, .keyRevokeRequest):
                return .refused(.unauthenticated, "AuthTrailer: \(frame.message.type) needs an operator key's signature; sign with --key")
            case (.required, .hello), (.required, .heartbeat), (.optional, _), (.off, _): return .unsigned
            case (.required, _):
                return .refused(.unauthenticated, "AuthTrailer: this broker requires signed frames (--auth required); sign with a key")
            }
        }
        do {
            let entry = try nonces.withLock { (window: inout NonceWindow) throws(FrameAuthenticator.Refusal) -> KeyEntry in
                try FrameAuthenticator.verify(bytes, frame, signedEnd: signedEnd, now: now, nonces: &window) { id in
                    keys.withLock { $0[id] }
                }
            }
            if let refusal = Scope.refusal(frame.message, grant: entry.grant) { return .forbidden(entry, refusal) }
            return .signed(entry)
        } catch {
            return .refused(error.code, error.message)
        }
    }

    /// Adds or replaces one key (a new key, a revocation).
    func store(_ entry: KeyEntry) {
        keys.withLock { $0[entry.key.id] = entry }
    }

    /// Marks key `id` revoked at `at` (keeping an earlier time): its next frame is refused.
    func revoke(id: String, at: Int64) {
        keys.withLock { table in
            guard var entry = table[id] else { return }
            entry.revokedAt = entry.revokedAt ?? at
            table[id] = entry
        }
    }

    /// The entry of key `id`, revoked or not; nil when no key has that id.
    func entry(id: String) -> KeyEntry? { keys.withLock { $0[id] } }

    /// Every key, revoked ones included.
    var entries: [KeyEntry] { keys.withLock { Array($0.values) } }

    /// Loads the keys stored in the journal at `path`, opening their secrets with `DATA/master.key`.
    /// - Throws: `BrokerError.storage` naming what failed.
    static func loadKeys(journalPath: String, dataDirectory: String) throws(BrokerError) -> [KeyEntry] {
        do {
            let stored = try KeyStore(path: journalPath).all()
            guard !stored.isEmpty else { return [] }
            let sealer = try SecretSealer.open(dataDirectory: dataDirectory)
            var entries: [KeyEntry] = []
            for key in stored {
                let secret = try sealer.open(key.sealedSecret, keyId: key.id)
                let role = KeyRole(rawValue: key.role) ?? .subscriber
                entries.append(KeyEntry(key: AuthKey(id: key.id, secret: secret), name: key.name,
                                        grant: KeyGrant(keyId: key.id, role: role, services: Set(key.services)),
                                        createdAt: key.createdAt, revokedAt: key.revokedAt))
            }
            return entries
        } catch {
            throw .storage("keys: \(error)")
        }
    }
}
