import CompWire

/// The key admin vectors (PROTOCOL.md section 6.20).
///
/// Their story (T = `time`): an operator made key `k_0123456789abcdef` (subscriber `billing-workers`, for the
/// services billing and invoices) at T, with the secret 00 01 … 1f of the signed vectors; the first operator key
/// `k_00000000000000a1` (`admin`) was made offline at T − 3 600 000; subscriber key `k_fedcba9876543210`
/// (`old-orders`, orders) made at T − 1 000 was revoked at T + 10 000.
extension GoldenValues {
    static let keySecret: [UInt8] = Array(0...31)

    static let keyBilling = KeyView(
        id: "k_0123456789abcdef", name: "billing-workers", role: 1, services: ["billing", "invoices"], createdAt: time)

    static let keyAdmin = KeyView(id: "k_00000000000000a1", name: "admin", role: 2, services: [], createdAt: time - 3_600_000)

    static let keyRevoked = KeyView(
        id: "k_fedcba9876543210", name: "old-orders", role: 1, services: ["orders"], createdAt: time - 1_000,
        revokedAt: time + 10_000)

    static let keyEntries: [Entry] = [
        Entry(name: "key_create_request", description: "KeyCreateRequest: a subscriber key (role 1) named billing-workers for the services billing and invoices",
              frame: Frame(requestId: 80, message: .keyCreateRequest(KeyCreateRequest(
                name: "billing-workers", role: 1, services: ["billing", "invoices"])))),
        Entry(name: "key_create_request_operator", description: "KeyCreateRequest: an operator key (role 2) named ops-bot, no services",
              frame: Frame(requestId: 81, message: .keyCreateRequest(KeyCreateRequest(name: "ops-bot", role: 2, services: [])))),
        Entry(name: "key_create_reply", description: "KeyCreateReply: key k_0123456789abcdef made at T, its secret 00 01 ... 1f (32 raw bytes, sent this once)",
              frame: Frame(requestId: 80, message: .keyCreateReply(KeyCreateReply(key: keyBilling, secret: keySecret)))),
        Entry(name: "key_list_request", description: "KeyListRequest: the first page, 100 keys at most",
              frame: Frame(requestId: 82, message: .keyListRequest(KeyListRequest(limit: 100)))),
        Entry(name: "key_list_request_next_page", description: "KeyListRequest: the page after the cursor of key_list_reply, 2 at most",
              frame: Frame(requestId: 83, message: .keyListRequest(KeyListRequest(cursor: "1717999999000:k_fedcba9876543210", limit: 2)))),
        Entry(name: "key_list_reply", description: "KeyListReply: the operator key admin, a revoked subscriber key (tag 1 revokedAt), oldest first; more pages follow",
              frame: Frame(requestId: 82, message: .keyListReply(KeyListReply(
                keys: [keyAdmin, keyRevoked], nextCursor: "1717999999000:k_fedcba9876543210")))),
        Entry(name: "key_list_reply_last", description: "KeyListReply: the last page (nextCursor empty) with key billing-workers, no secret",
              frame: Frame(requestId: 83, message: .keyListReply(KeyListReply(keys: [keyBilling], nextCursor: "")))),
        Entry(name: "key_revoke_request", description: "KeyRevokeRequest for key k_fedcba9876543210",
              frame: Frame(requestId: 84, message: .keyRevokeRequest(KeyRevokeRequest(keyId: "k_fedcba9876543210")))),
        Entry(name: "key_revoke_reply", description: "KeyRevokeReply: key k_fedcba9876543210 revoked at T + 10 000 ms",
              frame: Frame(requestId: 84, message: .keyRevokeReply(KeyRevokeReply(keyId: "k_fedcba9876543210", revokedAt: time + 10_000)))),
    ]
}
