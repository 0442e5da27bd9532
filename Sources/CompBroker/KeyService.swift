import CompAuth
import CompJournal
import CompWire
import Dispatch
import Synchronization

/// The broker's key requests (PROTOCOL.md section 6.20), served one at a time on a queue of their own (a key
/// change is one short journal transaction, ordered with the core's commits by SQLite's busy timeout; it never
/// runs on the ingress thread or Swift's cooperative pool).
///
/// A create or a revoke commits to the journal first, then puts the key in the `AuthGate`'s table, then
/// answers: a revoked key is refused from the very frame after the reply is sent (earlier, in fact), with no
/// restart. A list reads the journal.
///
/// Sendable: the key store and the sealer (not Sendable) live in a `Mutex`, used only on the queue.
final class KeyService: Sendable {
    private struct Resources {
        var store: KeyStore?
        var sealer: SecretSealer?
    }

    private let gate: AuthGate
    private let journalPath: String
    private let dataDirectory: String
    private let resources = Mutex(Resources())
    private let queue = DispatchQueue(label: "compd-keys")

    /// - Parameters:
    ///   - gate: The key table the ingress verifies against.
    ///   - journalPath: The journal file (migrated: the core opened it first).
    ///   - dataDirectory: Where `master.key` is (created 0600 by the first key made).
    init(gate: AuthGate, journalPath: String, dataDirectory: String) {
        self.gate = gate
        self.journalPath = journalPath
        self.dataDirectory = dataDirectory
    }

    /// Answers a key request on the key queue; `reply` is called exactly once, there.
    func submit(_ message: Message, reply: @escaping @Sendable (Message) -> Void) {
        queue.async { [self] in reply(answer(message, now: BrokerClock.wall().milliseconds)) }
    }

    /// The reply to one key request at broker time `now`.
    private func answer(_ message: Message, now: Int64) -> Message {
        resources.withLock { resources in
            do {
                if resources.store == nil { resources.store = try KeyStore(path: journalPath) }
                guard let store = resources.store else { return Self.error(.internalError, "keys: no key store") }
                switch message {
                case .keyCreateRequest(let request):
                    return try create(request, store: store, resources: &resources, now: now)
                case .keyListRequest(let request):
                    return try list(request, store: store)
                case .keyRevokeRequest(let request):
                    guard !request.keyId.isEmpty else {
                        return Self.error(.invalidField, "KeyRevokeRequest.keyId: must not be empty")
                    }
                    guard let revokedAt = try store.revoke(id: request.keyId, at: now) else {
                        return Self.error(.notFound, "KeyRevokeRequest.keyId: no key has this id")
                    }
                    gate.revoke(id: request.keyId, at: revokedAt)
                    return .keyRevokeReply(KeyRevokeReply(keyId: request.keyId, revokedAt: revokedAt))
                default:
                    return Self.error(.unexpectedMessage, "\(message.type) is not a key request")
                }
            } catch {
                return Self.error(.storageFailure, "keys: \(error)")
            }
        }
    }

    private func create(_ request: KeyCreateRequest, store: KeyStore, resources: inout Resources,
                        now: Int64) throws -> Message {
        guard let role = KeyRole(rawValue: request.role) else {
            return Self.error(.invalidField, "KeyCreateRequest.role: must be 1 subscriber or 2 operator")
        }
        switch KeyAdmin.check(name: request.name, role: role, services: request.services) {
        case nil: break
        case .emptyName?: return Self.error(.invalidField, "KeyCreateRequest.name: must not be empty")
        case .nameTooLong?: return Self.error(.invalidField, "KeyCreateRequest.name: must be at most 256 bytes")
        case .subscriberNeedsService?:
            return Self.error(.invalidField, "KeyCreateRequest.services: a subscriber key needs at least one service")
        case .operatorTakesNone?:
            return Self.error(.invalidField, "KeyCreateRequest.services: an operator key may use every service; send none")
        case .badService(let index)?:
            return Self.error(.invalidField, "KeyCreateRequest.services[\(index)]: must not be empty")
        }
        if resources.sealer == nil { resources.sealer = try SecretSealer.open(dataDirectory: dataDirectory) }
        guard let sealer = resources.sealer else { return Self.error(.internalError, "keys: no sealer") }
        let (key, stored) = try KeyAdmin.make(store: store, sealer: sealer, name: request.name, role: role,
                                              services: request.services, now: now)
        gate.store(KeyEntry(key: key, name: stored.name,
                            grant: KeyGrant(keyId: key.id, role: role, services: Set(stored.services)),
                            createdAt: stored.createdAt))
        return .keyCreateReply(KeyCreateReply(key: Self.view(stored), secret: key.secret))
    }

    private func list(_ request: KeyListRequest, store: KeyStore) throws -> Message {
        guard request.limit >= 1, Int(request.limit) <= WireLimits.maxListItems else {
            return Self.error(.invalidField, "KeyListRequest.limit: must be in 1...\(WireLimits.maxListItems)")
        }
        var after: (createdAt: Int64, id: String)?
        if !request.cursor.isEmpty {
            guard let colon = request.cursor.firstIndex(of: ":"),
                  let createdAt = Int64(request.cursor[..<colon]) else {
                return Self.error(.invalidField, "KeyListRequest.cursor: not a cursor this broker gave")
            }
            after = (createdAt, String(request.cursor[request.cursor.index(after: colon)...]))
        }
        let limit = Int(request.limit)
        let page = try store.page(after: after, limit: limit + 1)
        let keys = Array(page.prefix(limit))
        let next = page.count > limit ? keys.last.map { "\($0.createdAt):\($0.id)" } ?? "" : ""
        return .keyListReply(KeyListReply(keys: keys.map(Self.view), nextCursor: next))
    }

    /// A stored key as the wire lists it: never its secret.
    private static func view(_ key: StoredKey) -> KeyView {
        KeyView(id: key.id, name: key.name, role: key.role, services: key.services, createdAt: key.createdAt,
                revokedAt: key.revokedAt)
    }

    private static func error(_ code: ErrorCode, _ message: String) -> Message {
        .error(ErrorReply(code: code.rawValue, message: message))
    }
}
