import CompWire

extension AdminClient {
    /// Makes a key (PROTOCOL.md section 6.20); needs an operator key (or a broker with `--auth off`).
    ///
    /// - Parameters:
    ///   - name: A name for people.
    ///   - role: 1 subscriber, 2 operator.
    ///   - services: A subscriber key's services (at least one); none for an operator key.
    /// - Returns: The new key and its secret, which the broker sends this once only.
    /// - Throws: `ClientError`; `.broker` with `forbidden` for a subscriber key, `unauthenticated` unsigned,
    ///   `invalid_field` for a bad name or service list.
    public func createKey(name: String, role: UInt8, services: [String]) throws(ClientError) -> KeyCreateReply {
        let reply = try connection.request(.keyCreateRequest(KeyCreateRequest(name: name, role: role, services: services)))
        guard case .keyCreateReply(let created) = reply else { throw .protocolViolation("expected a key create reply") }
        return created
    }

    /// One page of keys, oldest first, never with secrets; pass the previous reply's `nextCursor` as `cursor`
    /// for the next page ("" ends the listing).
    public func keys(cursor: String = "", limit: Int = 1000) throws(ClientError) -> KeyListReply {
        let reply = try connection.request(.keyListRequest(KeyListRequest(cursor: cursor, limit: UInt16(clamping: limit))))
        guard case .keyListReply(let page) = reply else { throw .protocolViolation("expected a key list reply") }
        return page
    }

    /// Revokes a key: the broker refuses it from its next frame on.
    ///
    /// - Returns: When the key was revoked (now, or earlier when it already was).
    /// - Throws: `ClientError`; `.broker` with `not_found` when no key has the id.
    public func revokeKey(_ id: String) throws(ClientError) -> KeyRevokeReply {
        let reply = try connection.request(.keyRevokeRequest(KeyRevokeRequest(keyId: id)))
        guard case .keyRevokeReply(let revoked) = reply else { throw .protocolViolation("expected a key revoke reply") }
        return revoked
    }
}
